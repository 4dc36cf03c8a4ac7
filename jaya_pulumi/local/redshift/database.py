"""The harness's Redshift side: tables created for real in PostgreSQL.

The user's ``Table(db_conf, ...)`` names a Redshift cluster; in the harness its dynamic resource is
created by the table provider itself (the pickled ``TableProvider`` the program registered, as
``pulumi up`` would run it), but with the connection overridden to a fresh database on an embedded
PostgreSQL server, compiling the DDL with the PostgreSQL dialect (DISTSTYLE, DISTKEY, SORTKEY and
ENCODE are left out, with a warning). The server (:mod:`~jaya_pulumi.local.redshift.server`) is
one per process, started in the background when the harness starts a pipeline that has a table,
or an existing one is used (``test(..., database_url=...)``); either way each harness gets its own
database, dropped when it stops.

A table whose ``db_conf`` names a ``workgroup`` or ``cluster`` is created through the provider's
Data API path, answered by :class:`~jaya_pulumi.local.redshift.data_api.DataApiEmulator` on that
database: the workgroup or cluster and its database are registered there and the secret the
table names is created in moto, so a handler or a test can then query with
``boto3.client("redshift-data")`` (``WorkgroupName``, ``Database``, ``SecretArn``).

Firehose (``local/firehose/api.py``) loads these tables through :meth:`LocalRedshift.connect`;
this module knows nothing of Firehose.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from jaya_pulumi.errors import JayaError
from jaya_pulumi.local.redshift import server
from jaya_pulumi.local.redshift.data_api import DataApiEmulator
from jaya_pulumi.mocks import unwrap_secrets as _unwrap_secrets
from jaya_pulumi.redshift.connection import ConnectionSettings
from jaya_pulumi.redshift.ddl import qualified_table_name
from jaya_pulumi.redshift.spec import TableSpec

if TYPE_CHECKING:
    from pulumi.runtime import MockResourceArgs

    from jaya_pulumi.local._account import Account
    from jaya_pulumi.local._sandbox import Hook

__all__ = ["LocalRedshift"]

_CONNECTION_KEYS = (
    *("host", "port", "database", "user", "password", "dialect", "sslmode"),
    *("workgroup", "cluster", "secretArn", "region", "statementTimeout"),
)


class LocalRedshift:
    """Tables in an embedded PostgreSQL, for one harness.

    :param account_id: the emulated account.
    :param database_url: a PostgreSQL server to use instead of starting an embedded one.
    """

    def __init__(self, account_id: str, database_url: str | None = None) -> None:
        self.account_id = account_id
        """The emulated account."""
        self.tables: dict[str, TableSpec] = {}
        """Created tables by ``schema.table`` (and by bare name when declared without schema)."""
        self._server_url = database_url
        self._database: str | None = None
        self.url: str | None = None
        """``postgresql://`` URL of this harness's database, once a table exists."""
        self._closed = False
        self._secrets: dict[str, Any] = {}
        self.data_api = DataApiEmulator(self.connect, self._secrets_client)
        """The Redshift Data API, answered on this harness's database."""

    def _secrets_client(self, region: str) -> Any:
        if region not in self._secrets:
            import boto3

            self._secrets[region] = boto3.client("secretsmanager", region_name=region)
        return self._secrets[region]

    def data_api_hooks(self, account: Account) -> list[Hook]:
        """The botocore hooks answering ``redshift-data`` calls; the service's own secret lookup
        runs as the service (``account.as_service()``), not as the calling handler."""

        def as_service(call: Any) -> Any:
            with account.as_service():
                return call()

        return self.data_api.hooks(as_service)

    def warm_up(self) -> None:
        """Start the embedded server in the background now (no-op with a ``database_url``)."""
        if self._server_url is None:
            server.start()

    # -- database -------------------------------------------------------------------------

    def _ensure_database(self) -> str:
        if self._database is not None and self.url is not None:
            return self.url
        if self._closed:
            raise JayaError(
                "The harness has stopped and its local database is gone; query the tables inside "
                "the `with test(...)` block."
            )
        if self._server_url is None:
            self._server_url = server.url()  # the process's embedded server, shared
        name = f"jaya_local_{uuid.uuid4().hex[:12]}"
        self._on_server(self._server_url, f'CREATE DATABASE "{name}"')
        self._database = name
        parts = urlsplit(self._server_url)
        self.url = urlunsplit(parts._replace(path=f"/{name}"))
        return self.url

    @staticmethod
    def _on_server(server_url: str, statement: str) -> None:
        """Run one statement on the server's maintenance database (CREATE/DROP DATABASE)."""
        conn = ConnectionSettings.from_url(server_url).connect()
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
        finally:
            conn.close()

    def connect(self) -> Any:
        """A new psycopg2 connection to this harness's database (the caller closes it)."""
        return ConnectionSettings.from_url(self._ensure_database()).connect()

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> list[Any]:
        """Run ``sql`` on the local database and return its rows as tuples."""
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return [tuple(row) for row in cur.fetchall()] if cur.description else []
        finally:
            conn.close()

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of ``table`` (``schema.table`` or name) as a dict, sorted by all columns."""
        spec = self.tables.get(table) or next(
            (s for s in self.tables.values() if s.name == table), None
        )
        if spec is None:
            known = ", ".join(sorted({s.qualified_name for s in self.tables.values()})) or "none"
            raise JayaError(f"No table {table!r} was created by the pipeline; tables: {known}.")
        names = [c.name for c in spec.columns]
        columns = ", ".join('"' + n.replace('"', '""') + '"' for n in names)
        order = ", ".join(str(i) for i in range(1, len(names) + 1))
        sql = f"SELECT {columns} FROM {qualified_table_name(spec, 'postgresql')} ORDER BY {order}"
        return [dict(zip(names, row, strict=True)) for row in self.query(sql)]

    def close(self) -> None:
        """Drop this harness's database (the process's embedded server keeps running)."""
        self._closed = True
        if self._database is not None and self._server_url is not None:
            self._on_server(
                self._server_url, f'DROP DATABASE IF EXISTS "{self._database}" WITH (FORCE)'
            )
            self._database = None

    # -- resources ------------------------------------------------------------------------

    def create_table(self, args: MockResourceArgs) -> None:
        """Run the registered table provider's ``create`` against the local database."""
        import dill

        inputs = _unwrap_secrets(dict(args.inputs))
        if "tableName" not in inputs or "__provider" not in inputs:
            return  # some other dynamic resource: not ours to create
        local = ConnectionSettings.from_url(self._ensure_database())
        provider = dill.loads(base64.b64decode(inputs["__provider"]))
        if inputs.get("workgroup") or inputs.get("cluster"):
            # the provider's Data API path, answered by the emulation on the local database
            settings = ConnectionSettings.from_props(inputs)
            self.data_api.add_target(
                database=settings.database, workgroup=settings.workgroup, cluster=settings.cluster
            )
            if settings.secret_arn:
                self.data_api.add_secret(settings.secret_arn)
            props = {k: v for k, v in inputs.items() if k != "__provider"}
            props["dialect"] = "postgresql"
            provider.create(props)
            self._remember(TableSpec.from_props(props))
            return
        props = {k: v for k, v in inputs.items() if k not in ("__provider", *_CONNECTION_KEYS)}
        props.update(
            host=local.host,
            port=local.port,
            database=local.database,
            user=local.user,
            password=local.password,
            dialect="postgresql",
        )
        provider.create(props)
        self._remember(TableSpec.from_props(props))

    def _remember(self, spec: TableSpec) -> None:
        self.tables[spec.qualified_name] = spec
        if spec.schema is None:
            self.tables[f"public.{spec.name}"] = spec
