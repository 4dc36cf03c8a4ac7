"""The table provider's executor over the Redshift Data API (``boto3.client("redshift-data")``).

Used for the ``workgroup`` and ``cluster`` forms of ``db_conf``. Each statement is sent with
``ExecuteStatement``; statements that must take effect together with ``BatchExecuteStatement``
(one transaction); ``DescribeStatement`` is polled with exponential backoff (from
:data:`FIRST_POLL` up to :data:`MAX_POLL` seconds) until the statement finishes, fails, or
outlives the connection's ``statement_timeout``, when it is cancelled (``CancelStatement``) and
reported. Rows come back through ``GetStatementResult``, page by page.

The live table is read from Redshift's ``SVV_COLUMNS`` (columns, types, nullability) and
``information_schema`` (the primary key); like the SQL path, DISTSTYLE/DISTKEY/SORTKEY and
encodings are carried over from the declared table, not read.

AWS is called with the deployer's credentials (boto3's default chain, as the AWS provider uses);
the login is the ``SecretArn`` or, on a cluster, ``DbUser`` (IAM temporary credentials), so no
password passes through here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from jaya_pulumi.errors import JayaError
from jaya_pulumi.redshift.connection import ConnectionSettings
from jaya_pulumi.redshift.ddl import qualified_table_name
from jaya_pulumi.redshift.migrate import PRIMARY_KEY_SQL, live_table_from_rows
from jaya_pulumi.redshift.spec import TableSpec

__all__ = [
    "FIRST_POLL",
    "MAX_POLL",
    "DataApiExecutor",
    "StatementFailedError",
    "field_value",
]

FIRST_POLL = 0.1
"""Seconds before the first ``DescribeStatement``."""
MAX_POLL = 5.0
"""Longest wait between two ``DescribeStatement`` calls."""

_DONE = ("FINISHED", "FAILED", "ABORTED")

_COLUMNS_SQL = (
    "SELECT column_name, data_type, character_maximum_length, numeric_precision, "
    "numeric_scale, is_nullable FROM svv_columns "
    "WHERE table_schema = :schema AND table_name = :name ORDER BY ordinal_position"
)
_EXISTS_SQL = (
    "SELECT 1 FROM information_schema.tables WHERE table_schema = :schema AND table_name = :name"
)


class StatementFailedError(JayaError):
    """A Data API statement failed, was aborted, or outlived its timeout."""


def field_value(field: Mapping[str, Any]) -> Any:
    """The Python value of one ``GetStatementResult`` field (``{"stringValue": "x"}`` -> ``"x"``)."""
    if field.get("isNull"):
        return None
    for key in ("stringValue", "longValue", "doubleValue", "booleanValue", "blobValue"):
        if key in field:
            return field[key]
    return None


class DataApiExecutor:
    """An :class:`~jaya_pulumi.redshift.executor.Executor` over the Redshift Data API.

    :param settings: a Data API connection (workgroup or cluster).
    :param client: a ``redshift-data`` client; default: boto3's, in the connection's region.
    :param sleep: waits between polls (tests pass a fake).
    :param clock: monotonic seconds, for the timeout.
    """

    def __init__(
        self,
        settings: ConnectionSettings,
        client: Any = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if client is None:
            import boto3

            client = boto3.client("redshift-data", region_name=settings.effective_region)
        self.settings = settings
        """Where the table lives."""
        self.client = client
        """The ``redshift-data`` client."""
        self._sleep = sleep
        self._clock = clock

    # -- the Data API ---------------------------------------------------------------------

    def _target(self) -> dict[str, Any]:
        s = self.settings
        target: dict[str, Any] = {"Database": s.database}
        if s.workgroup:
            target["WorkgroupName"] = s.workgroup
        else:
            target["ClusterIdentifier"] = s.cluster
        if s.secret_arn:
            target["SecretArn"] = s.secret_arn
        else:
            target["DbUser"] = s.user
        return target

    def execute(self, sql: str, parameters: Mapping[str, str] | None = None) -> list[list[Any]]:
        """Run one statement, wait for it, and return its rows (``[]`` without a result set).

        :param parameters: values for ``:name`` placeholders in ``sql``.
        :raises StatementFailedError: when it fails, is aborted or times out.
        """
        request = {**self._target(), "Sql": sql}
        if parameters:
            request["Parameters"] = [{"name": k, "value": v} for k, v in parameters.items()]
        statement_id = str(self.client.execute_statement(**request)["Id"])
        described = self._wait(statement_id, sql)
        if not described.get("HasResultSet"):
            return []
        return self._rows(statement_id)

    def batch(self, statements: Sequence[str]) -> None:
        """Run ``statements`` together in one transaction (``BatchExecuteStatement``) and wait.

        :raises StatementFailedError: when one fails (none of them takes effect).
        """
        request = {**self._target(), "Sqls": list(statements)}
        statement_id = str(self.client.batch_execute_statement(**request)["Id"])
        self._wait(statement_id, "; ".join(statements))

    def _wait(self, statement_id: str, sql: str) -> dict[str, Any]:
        timeout = self.settings.statement_timeout
        deadline = self._clock() + timeout
        delay = FIRST_POLL
        while True:
            described: dict[str, Any] = self.client.describe_statement(Id=statement_id)
            status = str(described.get("Status"))
            if status == "FINISHED":
                return described
            if status in _DONE:
                raise StatementFailedError(
                    f"{self.settings.describe()}: statement {status.lower()}: "
                    f"{described.get('Error') or 'no error given'}; it was: {_short(sql)}"
                )
            if self._clock() + delay > deadline:
                self.client.cancel_statement(Id=statement_id)
                raise StatementFailedError(
                    f"{self.settings.describe()}: statement still {status} after {timeout:g} s, "
                    f"so it was cancelled: {_short(sql)}. Raise the Table's 'statement-timeout' "
                    "in db_conf (seconds) if the warehouse needs longer."
                )
            self._sleep(delay)
            delay = min(delay * 2, MAX_POLL)

    def _rows(self, statement_id: str) -> list[list[Any]]:
        rows: list[list[Any]] = []
        request: dict[str, Any] = {"Id": statement_id}
        while True:
            page = self.client.get_statement_result(**request)
            rows += [[field_value(f) for f in record] for record in page.get("Records", [])]
            token = page.get("NextToken")
            if not token:
                return rows
            request["NextToken"] = token

    # -- Executor -------------------------------------------------------------------------

    def run_together(self, statements: Sequence[str]) -> None:
        """One statement with ``ExecuteStatement``, several with ``BatchExecuteStatement``."""
        if len(statements) == 1:
            self.execute(statements[0])
        elif statements:
            self.batch(statements)

    def run_alone(self, statement: str) -> None:
        """``ExecuteStatement``: Redshift runs it in autocommit, outside a transaction block."""
        self.execute(statement)

    def current_schema(self) -> str:
        """``SELECT current_schema()`` as the Data API's user."""
        return str(self.execute("SELECT current_schema()")[0][0])

    def _schema(self, schema: str | None) -> str:
        return schema if schema is not None else self.current_schema()

    def table_exists(self, schema: str | None, name: str) -> bool:
        """Whether ``information_schema.tables`` lists the table."""
        params = {"schema": self._schema(schema), "name": name}
        return bool(self.execute(_EXISTS_SQL, params))

    def table_is_empty(self, spec: TableSpec) -> bool:
        """Whether ``SELECT 1 ... LIMIT 1`` finds no row."""
        table = qualified_table_name(spec, self.settings.dialect)
        return not self.execute(f"SELECT 1 FROM {table} LIMIT 1")

    def read_live_table(self, schema: str | None, name: str, *, like: TableSpec) -> TableSpec:
        """The live table from ``SVV_COLUMNS`` and its primary key from ``information_schema``.

        :raises TableMigrationError: if the table has no columns (does not exist).
        """
        params = {"schema": self._schema(schema), "name": name}
        rows = self.execute(_COLUMNS_SQL, params)
        key = self.execute(PRIMARY_KEY_SQL.format(schema=":schema", name=":name"), params)
        return live_table_from_rows(
            schema,
            name,
            rows,
            (str(r[0]) for r in key),
            like=like,
            actual_schema=params["schema"],
        )

    def close(self) -> None:
        """Nothing to close: each statement is its own call."""


def _short(sql: str, limit: int = 200) -> str:
    return sql if len(sql) <= limit else sql[: limit - 3] + "..."
