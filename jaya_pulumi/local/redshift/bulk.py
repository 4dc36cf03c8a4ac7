"""COPY's common case, parsed and converted by PostgreSQL itself, off the harness's thread.

:func:`~jaya_pulumi.local.redshift.copy.copy_json` is the reference: it reads each record in
Python exactly as Redshift's ``COPY ... JSON 'auto'`` does. That costs the harness's own CPU
beside the handler it is testing, so for the records whose outcome is plain this module lets the
database do the work, in its own process:

1. the staged object's lines stream into a temporary table, as they are (``COPY ... FROM STDIN``
   in CSV mode with delimiter and quote bytes that valid JSON text cannot hold);
2. one ``INSERT ... SELECT`` parses each line as ``jsonb`` and inserts the lines whose every value
   surely converts to the same value Python would produce (see :func:`_plan`); all the other
   lines come back, with their numbers;
3. those lines (a malformed record, a value too long, a number where a string was expected...)
   are read by the reference reader, with its rejections and error codes, in the same transaction.

A line is only taken by the database when the outcome is certain: a ``VARCHAR`` value that is a
string whose UTF-8 fits its length (or NULL into a nullable column), a whole number
into an integer column within range, ``true``/``false`` into ``BOOLEAN``. Tables with a primary
key, other column types, ``JSON 'auto ignorecase'``, ``EMPTYASNULL``/``BLANKSASNULL`` and objects
with bytes the CSV trick cannot carry use the reference reader alone (:func:`bulk_load` returns
``None``), and so does an object PostgreSQL refuses as a whole (not UTF-8, say): the answer is
the same either way, only the speed differs.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from jaya_pulumi.local.redshift.convert import INT_RANGES, base_type
from jaya_pulumi.local.redshift.options import CopyOptions
from jaya_pulumi.redshift.spec import ColumnSpec, TableSpec

__all__ = ["bulk_load"]

_NO_EXPONENT = r"line !~ '[0-9][eE]'"
"""A line without an exponent anywhere: ``jsonb`` writes ``1E2`` back as ``100``, which Python's
reader would refuse as a float into an integer column; such lines go to the reference reader."""
_LINES = "jaya_copy_lines"
_COPY_LINES = (
    f"COPY {_LINES} (line) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')"
)
_UNSAFE = (b"\r", b"\x00", b"\x01", b"\x02")
"""Bytes that would split or join lines differently in CSV mode (or that PostgreSQL text lacks)."""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _plan(column: ColumnSpec, value: str, opts: CopyOptions) -> tuple[str, str, bool] | None:
    """``(condition, expression, needs no exponent)`` for one column's ``jsonb`` ``value``.

    The condition holds only where the expression gives exactly what the reference reader would
    insert for that value; ``None`` when no value of the column's type is taken here.
    """
    base, args = base_type(column.type)
    text = f"({value} #>> '{{}}')"
    kind = f"jsonb_typeof({value})"
    if base == "VARCHAR" and not (opts.empty_as_null or opts.blanks_as_null):
        limit = args[0] if args else 256  # bytes of UTF-8, which octet_length counts
        ok, expression = f"({kind} = 'string' AND octet_length({text}) <= {limit})", text
        needs = False
    elif base in INT_RANGES:  # a JSON integer or an integer string, as int() reads both
        low, high = INT_RANGES[base]
        ok = (
            f"({kind} IN ('number', 'string') AND CASE WHEN {text} ~ '^[+-]?[0-9]{{1,18}}$' "
            f"THEN {text}::bigint BETWEEN {low} AND {high} ELSE false END)"
        )
        expression, needs = f"{text}::bigint", True
    elif base == "BOOLEAN":
        ok, expression, needs = f"({kind} = 'boolean')", f"{text}::boolean", False
    else:
        return None
    if column.nullable:
        ok = f"({value} IS NULL OR {kind} = 'null' OR {ok})"
    return ok, expression, needs


def bulk_load(
    cur: Any,
    table: TableSpec,
    target: str,
    specs: Sequence[ColumnSpec],
    opts: CopyOptions,
    data: bytes,
    before_insert: Callable[[], object] | None,
) -> tuple[int, list[tuple[int, bytes]]] | None:
    """Load the plain lines of ``data`` (uncompressed JSON lines) with PostgreSQL's own parser.

    :param cur: a psycopg2 cursor in the open transaction the load belongs to (this adds to it
        and leaves it open; on ``None`` it is as before, rolled back to a savepoint).
    :param table: the table, as declared (a primary key rules this path out).
    :param target: its quoted, qualified name.
    :param specs: the COPY columns, in order.
    :param opts: the COPY options (``ignorecase`` is the caller's to rule out).
    :param data: the staged object's content.
    :param before_insert: called once the lines are in the database, before a row is inserted.
    :return: ``(rows inserted, (1-based number, bytes) of each line left to the reference
        reader)``, or ``None`` when this object or table needs the reference reader throughout.
    """
    names = [f"c{index}" for index in range(len(specs))]
    plans = [_plan(column, name, opts) for column, name in zip(specs, names, strict=True)]
    if table.primary_key or not _safe(data):
        return None
    conditions, expressions = ["jsonb_typeof(j) = 'object'"], []
    for plan in plans:
        if plan is None:
            return None
        condition, expression, needs = plan
        conditions.append(condition)
        expressions.append(expression)
        if needs and _NO_EXPONENT not in conditions:
            conditions.append(_NO_EXPONENT)
    values = ", ".join(
        f"j -> {_quote(c.name.lower())} AS {name}" for c, name in zip(specs, names, strict=True)
    )
    columns = ", ".join('"' + c.name.replace('"', '""') + '"' for c in specs)
    load = (
        f"WITH parsed AS MATERIALIZED (SELECT n, line, CASE WHEN pg_input_is_valid(line, 'jsonb') "
        f"THEN line::jsonb END AS j FROM {_LINES}), "
        f"checked AS MATERIALIZED (SELECT n, line, ({' AND '.join(conditions)}) IS TRUE AS plain, "
        f"{', '.join(names)} FROM (SELECT n, line, j, {values} FROM parsed) AS picked), "
        f"loaded AS (INSERT INTO {target} ({columns}) "
        f"SELECT {', '.join(expressions)} FROM checked WHERE plain) "
        "SELECT n, line FROM checked WHERE NOT plain ORDER BY n"
    )
    import psycopg2

    cur.execute("SAVEPOINT jaya_bulk")
    try:
        cur.execute(
            f"CREATE TEMP TABLE {_LINES} (n bigint GENERATED ALWAYS AS IDENTITY, line text) "
            "ON COMMIT DROP"
        )
        cur.copy_expert(_COPY_LINES, io.BytesIO(data), size=1024 * 1024)
        total = cur.rowcount
        if before_insert is not None:
            before_insert()
        cur.execute(load)
        left = cur.fetchall()
        cur.execute(f"DROP TABLE {_LINES}")
    except psycopg2.Error:
        cur.execute("ROLLBACK TO SAVEPOINT jaya_bulk")  # refused whole (not UTF-8, say)
        return None
    cur.execute("RELEASE SAVEPOINT jaya_bulk")
    ends = data.endswith(b"\n")  # each line but the last ends in a break; the last, as the data
    rest = [(n, (line or "").encode() + b"\n" * (n < total or ends)) for n, line in left]
    return total - len(rest), rest


def _safe(data: bytes) -> bool:
    """Whether every line of ``data`` reaches the database as one CSV field, unchanged."""
    if any(byte in data for byte in _UNSAFE):
        return False
    return not (
        data == b"\\." or data.startswith(b"\\.\n") or b"\n\\.\n" in data or data.endswith(b"\n\\.")
    )
