"""Statements run on the local database for the Data API emulation (``data_api.py``).

:class:`Request` is one ``ExecuteStatement`` or ``BatchExecuteStatement`` and its statements;
:class:`StatementRunner` runs it on PostgreSQL: a single statement in autocommit, a batch in one
transaction that is rolled back whole when one statement fails. As Redshift does, a batch holding
``ALTER TABLE ... ALTER COLUMN ... TYPE`` fails (it cannot run inside a transaction block).
Redshift's ``SVV_COLUMNS`` and ``PG_TABLE_DEF`` are views in :data:`CATALOG_SCHEMA`, last on the
search path of every connection the runner opens.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "CATALOG_SCHEMA",
    "Request",
    "Statement",
    "StatementRunner",
    "placeholders",
    "value_field",
]

CATALOG_SCHEMA = "jaya_redshift_catalog"
"""The schema holding the ``svv_columns`` and ``pg_table_def`` views, last on the search path."""

_CATALOG = f"""
CREATE SCHEMA IF NOT EXISTS {CATALOG_SCHEMA};
CREATE OR REPLACE VIEW {CATALOG_SCHEMA}.svv_columns AS
  SELECT table_catalog, table_schema, table_name, column_name, ordinal_position, column_default,
         is_nullable, data_type, character_maximum_length, numeric_precision,
         numeric_precision_radix, numeric_scale, NULL::text AS remarks
  FROM information_schema.columns;
CREATE OR REPLACE VIEW {CATALOG_SCHEMA}.pg_table_def AS
  SELECT n.nspname AS schemaname, c.relname AS tablename, a.attname AS "column",
         format_type(a.atttypid, a.atttypmod) AS type, 'none'::text AS encoding,
         false AS distkey, 0 AS sortkey, a.attnotnull AS notnull
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind = 'r'
    AND n.nspname NOT IN ('pg_catalog', 'information_schema', '{CATALOG_SCHEMA}');
"""

_NOT_IN_TRANSACTION = re.compile(r"\bALTER\s+TABLE\b.*\bALTER\s+COLUMN\b.*\bTYPE\b", re.I | re.S)
_TYPE_NAMES = {
    16: "bool",
    20: "int8",
    21: "int2",
    23: "int4",
    25: "text",
    700: "float4",
    701: "float8",
    1042: "bpchar",
    1043: "varchar",
    1082: "date",
    1083: "time",
    1114: "timestamp",
    1184: "timestamptz",
    1700: "numeric",
}


@dataclass
class Statement:
    """One SQL statement: its text, parameters, status, error and result."""

    id: str
    sql: str
    parameters: list[dict[str, str]] = field(default_factory=list)
    status: str = "SUBMITTED"
    error: str | None = None
    columns: list[dict[str, Any]] = field(default_factory=list)
    records: list[list[dict[str, Any]]] | None = None
    result_rows: int = -1
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    updated: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def describe(self) -> dict[str, Any]:
        """The statement as ``DescribeStatement`` (or a batch's ``SubStatements``) shows it."""
        described: dict[str, Any] = {
            "Id": self.id,
            "Status": self.status,
            "QueryString": self.sql,
            "HasResultSet": self.records is not None,
            "ResultRows": self.result_rows,
            "ResultSize": 0 if self.records is None else sum(map(len, map(str, self.records))),
            "Duration": int((self.updated - self.created).total_seconds() * 1e9),
            "CreatedAt": self.created,
            "UpdatedAt": self.updated,
            "RedshiftQueryId": 0,
        }
        if self.error is not None:
            described["Error"] = self.error
        return described


@dataclass
class Request:
    """One ExecuteStatement or BatchExecuteStatement, with its sub-statements."""

    id: str
    target: dict[str, Any]
    statements: list[Statement]
    batch: bool
    name: str | None = None

    @property
    def status(self) -> str:
        """``FAILED`` or ``ABORTED`` if any statement is, else ``FINISHED``."""
        statuses = {s.status for s in self.statements}
        return next(s for s in ("FAILED", "ABORTED", "FINISHED") if s in statuses)


def value_field(value: Any) -> dict[str, Any]:
    """One value as a ``GetStatementResult`` field (numerics, dates and times as strings)."""
    if value is None:
        return {"isNull": True}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"longValue": value}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, bytes | memoryview):
        return {"blobValue": bytes(value)}
    if isinstance(value, dt.datetime):
        return {"stringValue": value.isoformat(sep=" ")}
    if isinstance(value, Decimal | dt.date | dt.time):
        return {"stringValue": str(value)}
    return {"stringValue": str(value)}


def placeholders(sql: str, names: set[str]) -> str:
    """``:name`` -> ``%(name)s`` outside quotes and ``::`` casts; ``%`` doubled for psycopg2."""
    out: list[str] = []
    i, quote = 0, ""
    while i < len(sql):
        ch = sql[i]
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = ""
            i += 1
            continue
        if ch in "'\"":
            quote = ch
        match = re.match(r":([A-Za-z_]\w*)", sql[i:]) if ch == ":" else None
        if match and (i == 0 or sql[i - 1] != ":") and match.group(1) in names:
            out.append(f"%({match.group(1)})s")
            i += match.end()
            continue
        out.append("%%" if ch == "%" else ch)
        i += 1
    return "".join(out)


class StatementRunner:
    """Runs requests on the database ``connect`` opens (a new connection per request)."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._catalog = False

    def run(self, request: Request) -> None:
        """Run ``request``'s statements, recording each one's status, error and rows."""
        if request.batch:
            for n, statement in enumerate(request.statements):
                if _NOT_IN_TRANSACTION.search(statement.sql):
                    self.fail(
                        request,
                        n,
                        "ERROR: ALTER TABLE ALTER COLUMN cannot run inside a transaction block",
                    )
                    return
        conn = self._open()
        try:
            conn.autocommit = not request.batch
            for n, statement in enumerate(request.statements):
                try:
                    self._execute(conn, statement)
                except Exception as exc:  # psycopg2.Error: the statement fails, as on Redshift
                    if request.batch:
                        conn.rollback()
                    self.fail(request, n, _error_text(exc))
                    return
            if request.batch:
                conn.commit()
        finally:
            conn.close()

    def _open(self) -> Any:
        conn = self._connect()
        conn.autocommit = True
        with conn.cursor() as cur:
            if not self._catalog:
                cur.execute(_CATALOG)
                self._catalog = True
            cur.execute(f'SET search_path TO "$user", public, {CATALOG_SCHEMA}')
        return conn

    @staticmethod
    def _execute(conn: Any, statement: Statement) -> None:
        values = {str(p.get("name")): str(p.get("value")) for p in statement.parameters}
        sql = placeholders(statement.sql, set(values)) if values else statement.sql
        with conn.cursor() as cur:
            cur.execute(sql, values or None)
            if cur.description is not None:
                statement.columns = [
                    {
                        "name": c.name,
                        "label": c.name,
                        "typeName": _TYPE_NAMES.get(c.type_code, "varchar"),
                        "nullable": 1,
                        "isCaseSensitive": _TYPE_NAMES.get(c.type_code)
                        in ("varchar", "text", "bpchar"),
                        "isCurrency": False,
                        "isSigned": _TYPE_NAMES.get(c.type_code)
                        in ("int2", "int4", "int8", "float4", "float8", "numeric"),
                        "length": 0,
                        "precision": c.precision or 0,
                        "scale": c.scale or 0,
                        "schemaName": "",
                        "tableName": "",
                    }
                    for c in cur.description
                ]
                statement.records = [[value_field(v) for v in row] for row in cur.fetchall()]
                statement.result_rows = len(statement.records)
            else:
                statement.result_rows = cur.rowcount
        statement.status = "FINISHED"
        statement.updated = dt.datetime.now(dt.UTC)

    @staticmethod
    def fail(request: Request, index: int, error: str) -> None:
        """Mark statement ``index`` failed; later ones (and, in a batch, all others) aborted."""
        now = dt.datetime.now(dt.UTC)
        for n, statement in enumerate(request.statements):
            if n == index:
                statement.status, statement.error = "FAILED", error
            elif n > index or request.batch:
                statement.status = "ABORTED"  # not run, or rolled back with the batch
                statement.records = None
            statement.updated = now


def _error_text(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return first if first.startswith("ERROR") else f"ERROR: {first}"
