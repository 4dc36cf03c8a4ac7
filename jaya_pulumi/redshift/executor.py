"""The two ways the table provider runs SQL: a psycopg2 connection, or the Redshift Data API.

Both satisfy :class:`Executor`, so :mod:`~jaya_pulumi.redshift.provider` plans once
(:func:`~jaya_pulumi.redshift.migrate.plan_migration`) and runs the plan through either:

- :class:`SqlExecutor` -- the seed's ``db_conf`` and ``url`` forms: one connection per operation,
  opened with the password;
- :class:`~jaya_pulumi.redshift.data_api.DataApiExecutor` -- a workgroup or cluster with a secret
  or IAM temporary credentials, called with the deployer's AWS credentials.

Statements that must succeed or fail together (``CREATE SCHEMA`` + ``CREATE TABLE``, ``DROP`` +
``CREATE`` on replace) go through :meth:`Executor.run_together`; statements Redshift refuses inside
a transaction block (``ALTER TABLE ... ALTER COLUMN ... TYPE``) through :meth:`Executor.run_alone`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from jaya_pulumi.redshift.connection import DATA_API, ConnectionSettings
from jaya_pulumi.redshift.migrate import read_live_table, table_exists, table_is_empty
from jaya_pulumi.redshift.spec import TableSpec

__all__ = ["Executor", "SqlExecutor", "open_executor"]


class Executor(Protocol):
    """What the table provider needs from a database connection of either kind."""

    settings: ConnectionSettings
    """Where the table lives."""

    def run_together(self, statements: Sequence[str]) -> None:
        """Run ``statements`` in one transaction: all of them take effect or none does."""

    def run_alone(self, statement: str) -> None:
        """Run one statement outside any transaction block."""

    def current_schema(self) -> str:
        """The schema unqualified names resolve to."""

    def table_exists(self, schema: str | None, name: str) -> bool:
        """Whether ``schema.name`` exists (``None``: the current schema)."""

    def table_is_empty(self, spec: TableSpec) -> bool:
        """Whether the table holds no rows."""

    def read_live_table(self, schema: str | None, name: str, *, like: TableSpec) -> TableSpec:
        """The live table's columns and key as a spec (layout carried over from ``like``)."""

    def close(self) -> None:
        """Release what the executor holds."""


class SqlExecutor:
    """An :class:`Executor` over one psycopg2 connection (autocommit unless in a transaction)."""

    def __init__(self, settings: ConnectionSettings, connect_timeout: int = 10) -> None:
        """Open the connection; :meth:`close` closes it.

        :raises ConfigurationError: when the database cannot be reached.
        """
        self.settings = settings
        self.conn: Any = settings.connect(connect_timeout=connect_timeout)

    def run_together(self, statements: Sequence[str]) -> None:
        """Run ``statements`` in one transaction, committed at the end, rolled back on error."""
        self.conn.autocommit = False
        try:
            with self.conn.cursor() as cur:
                for statement in statements:
                    cur.execute(statement)
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise
        finally:
            self.conn.autocommit = True

    def run_alone(self, statement: str) -> None:
        """Run one statement in autocommit mode."""
        self.conn.autocommit = True
        with self.conn.cursor() as cur:
            cur.execute(statement)

    def current_schema(self) -> str:
        """``current_schema()`` of the connection."""
        with self.conn.cursor() as cur:
            cur.execute("SELECT current_schema()")
            return str(cur.fetchone()[0])

    def table_exists(self, schema: str | None, name: str) -> bool:
        """Whether the table exists, from ``information_schema.tables``."""
        return table_exists(self.conn, schema, name)

    def table_is_empty(self, spec: TableSpec) -> bool:
        """Whether ``SELECT 1 ... LIMIT 1`` finds no row."""
        return table_is_empty(self.conn, spec, self.settings.dialect)

    def read_live_table(self, schema: str | None, name: str, *, like: TableSpec) -> TableSpec:
        """Read the table from ``information_schema`` (see :func:`~.migrate.read_live_table`)."""
        return read_live_table(self.conn, schema, name, like=like)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def open_executor(props: Mapping[str, Any], connect_timeout: int = 10) -> Executor:
    """The executor the resource properties ask for: Data API with a workgroup or cluster, else SQL.

    :raises ConfigurationError: for incomplete properties or an unreachable database.
    """
    settings = ConnectionSettings.from_props(props)
    if settings.executor == DATA_API:
        from jaya_pulumi.redshift.data_api import DataApiExecutor

        return DataApiExecutor(settings)
    return SqlExecutor(settings, connect_timeout)
