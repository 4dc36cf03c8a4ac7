"""How to reach the database that holds a table: over SQL (psycopg2) or over the Redshift Data API.

Five ``db_conf`` forms (:func:`db_conf_form` tells them apart and names what is missing or mixed):

- ``{"db-name", "db-user", "db-passwd", "db-server"}`` (the seed's) and ``{"url"}``: direct SQL from
  wherever the program runs, with a password;
- ``{"db-name", "workgroup", "secret-arn"}`` (Redshift Serverless), ``{"db-name", "cluster",
  "secret-arn"}`` and ``{"db-name", "cluster", "db-user"}`` (IAM temporary credentials): the
  Redshift Data API, called with the deployer's AWS credentials; no password exists anywhere.
  These take ``"region"`` (default: the secret ARN's, else boto3's) and ``"statement-timeout"``
  (seconds a statement may run, default :data:`DEFAULT_STATEMENT_TIMEOUT`).

SQL settings come from the seed's ``db_conf`` dict (``'db-name'``, ``'db-user'``, ``'db-passwd'``,
``'db-server'`` = ``host`` or ``host:port``; the port defaults to Redshift's 5439) or from a URL
(``redshift+psycopg2://user:pw@host:5439/db`` or ``postgresql://user:pw@host/db``; libpq's
``?host=/socket/dir`` form works too). A connection is opened per call by :meth:`ConnectionSettings.connect`
and closed by the caller; nothing here keeps one open. psycopg2 is imported only when connecting.

Connections use TLS (``sslmode=require``) unless ``sslmode`` says otherwise; only a database on
this machine (``localhost``, a loopback address, or a Unix socket directory such as the embedded
server's) is reached without it by default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from jaya_pulumi.errors import ConfigurationError

__all__ = [
    "DATA_API",
    "DB_CONF_FORMS",
    "DEFAULT_SSLMODE",
    "DEFAULT_STATEMENT_TIMEOUT",
    "DEFERRED",
    "DIALECTS",
    "EXECUTORS",
    "LOCAL_HOSTS",
    "REDSHIFT_PORT",
    "SECRET_ARN_PATTERN",
    "SQL",
    "ConnectionSettings",
    "check_secret_arn",
    "db_conf_form",
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

SQL = "sql"
"""The executor that connects with psycopg2 and a password (the seed's form and ``url``)."""
DATA_API = "data-api"
"""The executor that calls the Redshift Data API with the deployer's AWS credentials."""
EXECUTORS = (SQL, DATA_API)
"""How the table provider reaches the database."""

DEFAULT_STATEMENT_TIMEOUT = 1800.0
"""Seconds a Data API statement may run before the provider cancels it (CDK's fixed 60 s is too
short for wide tables and busy warehouses, aws-cdk#31329)."""

SECRET_ARN_PATTERN = re.compile(
    r"arn:aws[a-z-]*:secretsmanager:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+\Z"
)
"""A Secrets Manager secret ARN: ``arn:aws:secretsmanager:<region>:<account>:secret:<name>`` (``!``
is allowed: secrets Redshift manages are named ``redshift!<namespace>-<admin user>``)."""

DB_CONF_FORMS: dict[str, tuple[str, ...]] = {
    "password": _DB_CONF_KEYS,
    "url": ("url",),
    "serverless": ("db-name", "workgroup", "secret-arn"),
    "cluster-secret": ("db-name", "cluster", "secret-arn"),
    "cluster-iam": ("db-name", "cluster", "db-user"),
}
"""Each ``db_conf`` form by name, with the keys it needs."""

_DATA_API_OPTIONAL = ("region", "statement-timeout")
_SQL_ONLY = ("db-passwd", "db-server", "url")


DEFERRED: Any = type("Deferred", (), {"__repr__": lambda self: "<known at deploy time>"})()
"""Stands in a ``db_conf`` for a value known only at deploy time, as a ``pulumi.Output`` does
(the DSL checks a ``RedshiftServerless``'s ``db_conf`` before its workgroup and secret exist)."""


def _is_plain(value: Any) -> bool:
    """A value known now: not :data:`DEFERRED`, not a ``pulumi.Output`` (which has ``apply``)."""
    return value is not DEFERRED and not hasattr(value, "apply")


def check_secret_arn(value: Any, where: str = "db_conf") -> None:
    """Refuse a ``secret-arn`` that is not a Secrets Manager secret ARN (an Output passes as is).

    :raises ConfigurationError: naming ``secret-arn`` and the expected shape.
    """
    if not _is_plain(value):
        return
    if not isinstance(value, str) or not SECRET_ARN_PATTERN.match(value):
        raise ConfigurationError(
            f"{where}['secret-arn'] is {value!r}, which is not a Secrets Manager secret ARN; "
            "write arn:aws:secretsmanager:<region>:<account-id>:secret:<name> (the secret's ARN "
            "as `aws secretsmanager describe-secret` shows it)"
        )


def db_conf_form(db_conf: Mapping[str, Any], where: str = "db_conf") -> str:
    """Name the form of ``db_conf`` (a key of :data:`DB_CONF_FORMS`), after checking it is whole.

    Values may be ``pulumi.Output`` objects (a workgroup or secret from another resource); only
    plain values are checked further (the secret ARN's shape, the timeout's range).

    :param where: how messages name the dict, e.g. ``"db_conf of Table('events')"``.
    :raises ConfigurationError: for a mixed or partial form, naming the key to add or remove.
    """
    if not isinstance(db_conf, Mapping):
        raise ConfigurationError(f"{where} must be a dict, got {type(db_conf).__name__}")
    keys = set(db_conf)
    targets = [k for k in ("workgroup", "cluster") if k in keys]
    if not targets:
        if "url" in keys:
            extra = sorted(keys - {"url", "db-passwd"})
            if extra:
                raise ConfigurationError(
                    f"{where} has 'url' and {', '.join(map(repr, extra))}; a URL carries the "
                    "whole connection: drop the other keys (or drop 'url')"
                )
            return "url"
        if "secret-arn" in keys:
            raise ConfigurationError(
                f"{where} has 'secret-arn' but no 'workgroup' or 'cluster'; add 'workgroup' "
                "(Redshift Serverless) or 'cluster' (a provisioned cluster)"
            )
        missing = [k for k in _DB_CONF_KEYS if k not in keys]
        if missing:
            raise ConfigurationError(
                f"{where} is missing {', '.join(map(repr, missing))}; give 'db-name', 'db-user', "
                "'db-passwd' and 'db-server' (host or host:port), or 'url', or a Data API form: "
                "{'db-name', 'workgroup', 'secret-arn'}, {'db-name', 'cluster', 'secret-arn'}, "
                "{'db-name', 'cluster', 'db-user'}"
            )
        return "password"
    if len(targets) > 1:
        raise ConfigurationError(
            f"{where} has both 'workgroup' and 'cluster'; a table lives in one: keep "
            "'workgroup' for Redshift Serverless or 'cluster' for a provisioned cluster"
        )
    target = targets[0]
    mixed = [k for k in _SQL_ONLY if k in keys]
    if mixed:
        raise ConfigurationError(
            f"{where} has {target!r} (the Data API form) and {', '.join(map(repr, mixed))} of "
            f"the password form; remove {', '.join(map(repr, mixed))}: the Data API needs no "
            "password or host"
        )
    if "db-name" not in keys:
        raise ConfigurationError(f"{where} with {target!r} lacks 'db-name'; add the database name")
    auth = [k for k in ("secret-arn", "db-user") if k in keys]
    if target == "workgroup":
        if "db-user" in keys:
            raise ConfigurationError(
                f"{where} has 'workgroup' and 'db-user'; Redshift Serverless takes no database "
                "user: remove 'db-user' and give 'secret-arn'"
            )
        form = "serverless"
    elif len(auth) > 1:
        raise ConfigurationError(
            f"{where} has both 'secret-arn' and 'db-user'; give one: 'secret-arn' to log in with "
            "the secret, or 'db-user' for IAM temporary credentials"
        )
    else:
        form = "cluster-iam" if auth == ["db-user"] else "cluster-secret"
    needed = DB_CONF_FORMS[form]
    missing = [k for k in needed if k not in keys]
    if missing:
        hint = (
            "'secret-arn' (the Secrets Manager secret holding the admin login)"
            if form == "serverless"
            else "'secret-arn' (a Secrets Manager secret) or 'db-user' (IAM temporary credentials)"
        )
        raise ConfigurationError(f"{where} with {target!r} lacks {hint}; add it")
    unknown = sorted(keys - set(needed) - set(_DATA_API_OPTIONAL))
    if unknown:
        raise ConfigurationError(
            f"{where} has unknown key(s) {', '.join(map(repr, unknown))}; the {form} form takes "
            f"{', '.join(map(repr, needed + _DATA_API_OPTIONAL))}"
        )
    if "secret-arn" in keys:
        check_secret_arn(db_conf["secret-arn"], where)
    timeout = db_conf.get("statement-timeout")
    bad_timeout = isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0
    if timeout is not None and _is_plain(timeout) and bad_timeout:
        raise ConfigurationError(
            f"{where}['statement-timeout'] is {timeout!r}; give the seconds a statement "
            "may run, a positive number"
        )
    return form


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


def _optional(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _check_dialect(dialect: str) -> str:
    if dialect not in DIALECTS:
        raise ConfigurationError(f"dialect {dialect!r} is not supported; use one of {DIALECTS}")
    return dialect


@dataclass(frozen=True)
class ConnectionSettings:
    """Where one table's database is and how to reach it: over SQL, or over the Data API.

    SQL (:attr:`executor` ``"sql"``): ``host``, ``port``, ``database``, ``user``, ``password``.
    Data API (``"data-api"``): ``database`` and ``workgroup`` or ``cluster``, with ``secret_arn``
    or (a cluster only) ``user`` for IAM temporary credentials; never a password or a host.
    """

    host: str = ""
    database: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    port: int = REDSHIFT_PORT
    dialect: str = "redshift"
    sslmode: str | None = None
    workgroup: str | None = None
    """Redshift Serverless workgroup name (Data API)."""
    cluster: str | None = None
    """Provisioned cluster identifier (Data API)."""
    secret_arn: str | None = None
    """Secrets Manager secret the Data API logs in with."""
    region: str | None = None
    """AWS region of the workgroup or cluster; ``None``: the secret ARN's, else boto3's default."""
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT
    """Seconds a Data API statement may run before it is cancelled."""

    def __post_init__(self) -> None:
        _check_dialect(self.dialect)
        if self.executor == SQL:
            for what in ("host", "database", "user"):
                if not getattr(self, what):
                    raise ConfigurationError(f"database connection has an empty {what}; set it")
            if self.secret_arn is not None:
                raise ConfigurationError(
                    "database connection has a secret_arn but no workgroup or cluster; the secret "
                    "is used by the Data API: set workgroup or cluster"
                )
            return
        target = "workgroup" if self.workgroup else "cluster"
        if self.workgroup and self.cluster:
            raise ConfigurationError(
                "database connection names both a workgroup and a cluster; keep one"
            )
        if not self.database:
            raise ConfigurationError(f"Data API connection to {target} has an empty database")
        if self.host or self.password:
            raise ConfigurationError(
                f"Data API connection to {target} has a {'host' if self.host else 'password'}; "
                "the Data API takes neither: remove it"
            )
        if self.secret_arn and self.user:
            raise ConfigurationError(
                f"Data API connection to {target} has both secret_arn and user; give one"
            )
        if self.workgroup and not self.secret_arn:
            raise ConfigurationError(
                f"Data API connection to workgroup {self.workgroup!r} needs secret_arn"
            )
        if self.cluster and not (self.secret_arn or self.user):
            raise ConfigurationError(
                f"Data API connection to cluster {self.cluster!r} needs secret_arn or user "
                "(IAM temporary credentials)"
            )
        if self.secret_arn:
            check_secret_arn(self.secret_arn, "database connection")
        if self.statement_timeout <= 0:
            raise ConfigurationError(
                f"statement_timeout is {self.statement_timeout!r}; give a positive number of seconds"
            )

    @property
    def executor(self) -> str:
        """``"data-api"`` with a workgroup or cluster, else ``"sql"``."""
        return DATA_API if (self.workgroup or self.cluster) else SQL

    @property
    def effective_region(self) -> str | None:
        """The region to call the Data API in: ``region``, else the secret ARN's, else ``None``."""
        if self.region:
            return self.region
        if self.secret_arn:
            return self.secret_arn.split(":")[3]
        return None

    @classmethod
    def from_db_conf(cls, db_conf: Mapping[str, Any]) -> ConnectionSettings:
        """Read a ``db_conf`` dict of any form (see :func:`db_conf_form`); values must be plain.

        ``db-server`` may carry a ``:port``.

        :raises ConfigurationError: naming the missing or mixed keys.
        """
        form = db_conf_form(db_conf)
        if form == "url":
            settings = cls.from_url(str(db_conf["url"]))
            if "db-passwd" in db_conf:
                return replace(settings, password=str(db_conf["db-passwd"]))
            return settings
        if form != "password":
            timeout = db_conf.get("statement-timeout")
            return cls(
                database=str(db_conf["db-name"]),
                workgroup=_optional(db_conf.get("workgroup")),
                cluster=_optional(db_conf.get("cluster")),
                secret_arn=_optional(db_conf.get("secret-arn")),
                user=str(db_conf.get("db-user") or ""),
                region=_optional(db_conf.get("region")),
                statement_timeout=DEFAULT_STATEMENT_TIMEOUT if timeout is None else float(timeout),
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
        """Return the settings as Pulumi properties (state keys), without the password.

        Pass the password as a secret; a Data API connection has none.
        """
        if self.executor == DATA_API:
            props: dict[str, Any] = {
                "database": self.database,
                "dialect": self.dialect,
                "statementTimeout": self.statement_timeout,
            }
            for key, value in (
                ("workgroup", self.workgroup),
                ("cluster", self.cluster),
                ("secretArn", self.secret_arn),
                ("user", self.user),
                ("region", self.region),
            ):
                if value:
                    props[key] = value
            return props
        props = {
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
        if props.get("workgroup") or props.get("cluster"):
            timeout = props.get("statementTimeout")
            return cls(
                database=str(props.get("database") or ""),
                workgroup=_optional(props.get("workgroup")),
                cluster=_optional(props.get("cluster")),
                secret_arn=_optional(props.get("secretArn")),
                user=str(props.get("user") or ""),
                region=_optional(props.get("region")),
                dialect=_check_dialect(str(props.get("dialect") or "redshift")),
                statement_timeout=DEFAULT_STATEMENT_TIMEOUT if timeout is None else float(timeout),
            )
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
        """``user@host:port/database`` or ``workgroup NAME/database`` for messages (no password)."""
        if self.workgroup:
            return f"workgroup {self.workgroup}/{self.database}"
        if self.cluster:
            return f"cluster {self.cluster}/{self.database}"
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    def connect(self, *, autocommit: bool = True, connect_timeout: int = 10) -> Any:
        """Open a new psycopg2 connection; the caller closes it.

        :raises ConfigurationError: when the database cannot be reached, naming where it tried,
            or for a Data API connection (which has no SQL endpoint to open).
        """
        import psycopg2

        if self.executor == DATA_API:
            raise ConfigurationError(
                f"{self.describe()} is reached through the Redshift Data API, not psycopg2; "
                "use jaya_pulumi.redshift.data_api"
            )

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
