"""How to reach the database that holds a table, and opening a psycopg2 connection to it.

Settings come from the seed's ``db_conf`` dict (``'db-name'``, ``'db-user'``, ``'db-passwd'``,
``'db-server'`` = ``host`` or ``host:port``; the port defaults to Redshift's 5439) or from a URL
(``redshift+psycopg2://user:pw@host:5439/db`` or ``postgresql://user:pw@host/db``; libpq's
``?host=/socket/dir`` form works too). A connection is opened per call by :meth:`ConnectionSettings.connect`
and closed by the caller; nothing here keeps one open. psycopg2 is imported only when connecting.

Connections use TLS (``sslmode=require``) unless ``sslmode`` says otherwise; only a database on
this machine (``localhost``, a loopback address, or a Unix socket directory such as the embedded
server's) is reached without it by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from jaya_pulumi.errors import ConfigurationError

__all__ = [
    "DEFAULT_SSLMODE",
    "DIALECTS",
    "LOCAL_HOSTS",
    "REDSHIFT_PORT",
    "ConnectionSettings",
    "dialect_for_url",
]

REDSHIFT_PORT = 5439
"""Redshift's default port, used when ``db-server`` has none."""

POSTGRESQL_PORT = 5432
"""PostgreSQL's default port."""

DEFAULT_SSLMODE = "require"
"""The ``sslmode`` used for a remote database when none is given."""

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
"""Hosts on this machine, reached without TLS unless ``sslmode`` asks for it."""

DIALECTS = ("redshift", "postgresql")
"""SQL dialects a table can be created in."""

_SCHEMES = {
    "redshift": "redshift",
    "redshift+psycopg2": "redshift",
    "redshift+redshift_connector": "redshift",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "postgresql+psycopg2": "postgresql",
}

_DB_CONF_KEYS = ("db-name", "db-user", "db-passwd", "db-server")


def dialect_for_url(url: str) -> str:
    """Return ``"redshift"`` or ``"postgresql"`` for a database URL, from its scheme.

    :raises ConfigurationError: for any other scheme.
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme not in _SCHEMES:
        raise ConfigurationError(
            f"database URL scheme {scheme + '://' if scheme else '(none)'} is not supported; "
            "use redshift+psycopg2://user:password@host:5439/db or postgresql://user:password@host/db"
        )
    return _SCHEMES[scheme]


def _check_dialect(dialect: str) -> str:
    if dialect not in DIALECTS:
        raise ConfigurationError(f"dialect {dialect!r} is not supported; use one of {DIALECTS}")
    return dialect


@dataclass(frozen=True)
class ConnectionSettings:
    """Host, port, database, user, password and SQL dialect of one database."""

    host: str
    database: str
    user: str
    password: str = field(repr=False)
    port: int = REDSHIFT_PORT
    dialect: str = "redshift"
    sslmode: str | None = None

    def __post_init__(self) -> None:
        _check_dialect(self.dialect)
        for what in ("host", "database", "user"):
            if not getattr(self, what):
                raise ConfigurationError(f"database connection has an empty {what}; set it")

    @classmethod
    def from_db_conf(cls, db_conf: Mapping[str, Any]) -> ConnectionSettings:
        """Read the seed's ``db_conf`` dict; ``db-server`` may carry a ``:port``.

        :raises ConfigurationError: naming the missing keys.
        """
        missing = [k for k in _DB_CONF_KEYS if k not in db_conf]
        if missing:
            raise ConfigurationError(
                f"db_conf is missing {', '.join(map(repr, missing))}; it needs "
                f"{', '.join(map(repr, _DB_CONF_KEYS))} ('db-server' is host or host:port)"
            )
        server = str(db_conf["db-server"])
        host, port = server, REDSHIFT_PORT
        if ":" in server:
            host, _, port_text = server.rpartition(":")
            try:
                port = int(port_text)
            except ValueError:
                raise ConfigurationError(
                    f"db_conf['db-server'] is {server!r}; write host or host:port with a numeric port"
                ) from None
        return cls(
            host=host,
            port=port,
            database=str(db_conf["db-name"]),
            user=str(db_conf["db-user"]),
            password=str(db_conf["db-passwd"]),
        )

    @classmethod
    def from_url(cls, url: str) -> ConnectionSettings:
        """Parse ``redshift+psycopg2://...`` or ``postgresql://...`` (``?host=`` and ``?sslmode=`` allowed).

        :raises ConfigurationError: for an unknown scheme, query parameter or a missing part.
        """
        dialect = dialect_for_url(url)
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        unknown = sorted(set(query) - {"host", "port", "sslmode"})
        if unknown:
            raise ConfigurationError(
                f"database URL has unsupported parameter(s) {', '.join(unknown)}; "
                "only host, port and sslmode are understood"
            )
        host = query.get("host") or unquote(parts.hostname or "")
        default_port = REDSHIFT_PORT if dialect == "redshift" else POSTGRESQL_PORT
        try:
            port = int(query.get("port") or parts.port or default_port)
        except ValueError:
            raise ConfigurationError(
                f"database URL {parts.netloc!r} has a non-numeric port"
            ) from None
        return cls(
            host=host or "localhost",
            port=port,
            database=unquote(parts.path.lstrip("/")),
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            dialect=dialect,
            sslmode=query.get("sslmode"),
        )

    def to_props(self) -> dict[str, Any]:
        """Return the settings as Pulumi inputs, without the password (pass that as a secret)."""
        props: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "database": self.database,
            "user": self.user,
            "dialect": self.dialect,
        }
        if self.sslmode is not None:
            props["sslmode"] = self.sslmode
        return props

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> ConnectionSettings:
        """Rebuild settings from Pulumi properties (``password`` included, numbers maybe floats)."""
        missing = [k for k in ("host", "database", "user") if not props.get(k)]
        if missing:
            raise ConfigurationError(
                f"table resource properties lack {', '.join(missing)}; pass them to TableResource"
            )
        sslmode = props.get("sslmode")
        return cls(
            host=str(props["host"]),
            port=int(props.get("port") or REDSHIFT_PORT),
            database=str(props["database"]),
            user=str(props["user"]),
            password=str(props.get("password") or ""),
            dialect=_check_dialect(str(props.get("dialect") or "redshift")),
            sslmode=None if sslmode is None else str(sslmode),
        )

    @property
    def effective_sslmode(self) -> str | None:
        """The ``sslmode`` a connection uses: the given one, else ``require`` for a remote host.

        ``None`` (libpq's default) for ``localhost``, a loopback address or a Unix socket
        directory (a host starting with ``/``, as the embedded server's URL has).
        """
        if self.sslmode is not None:
            return self.sslmode
        if self.host.lower() in LOCAL_HOSTS or self.host.startswith("/"):
            return None
        return DEFAULT_SSLMODE

    def describe(self) -> str:
        """``user@host:port/database`` for messages (never the password)."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    def connect(self, *, autocommit: bool = True, connect_timeout: int = 10) -> Any:
        """Open a new psycopg2 connection; the caller closes it.

        :raises ConfigurationError: when the database cannot be reached, naming where it tried.
        """
        import psycopg2

        kwargs: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "dbname": self.database,
            "user": self.user,
            "password": self.password,
            "connect_timeout": connect_timeout,
        }
        sslmode = self.effective_sslmode
        if sslmode is not None:
            kwargs["sslmode"] = sslmode
        try:
            conn = psycopg2.connect(**kwargs)
        except psycopg2.OperationalError as exc:
            first_line = (
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            )
            raise ConfigurationError(
                f"cannot connect to {self.describe()}: {first_line}; check the host, port, "
                "database, user and password in the stack configuration"
            ) from None
        conn.autocommit = autocommit
        return conn
