"""Rows into a PostgreSQL table in one transaction, as fast as PostgreSQL takes them.

The COPY emulation (:mod:`~jaya_pulumi.local.redshift.copy`) converts records the way Redshift
does, then hands the rows here: they stream in with ``COPY ... FROM STDIN`` (text format, produced
a page at a time, never all at once). When PostgreSQL refuses a row (a duplicate key, a value its
type rejects), the transaction is rolled back to a savepoint and the rows go in one by one under
savepoints, so each refused row is reported with PostgreSQL's message and every other row loads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

__all__ = ["copy_field", "insert_in_transaction"]

Raw = TypeVar("Raw")

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def copy_field(value: Any) -> str:
    """One value in PostgreSQL's COPY text format (``\\N`` for NULL, control characters escaped)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date):  # datetime too: ISO 8601, with its offset if it has one
        return value.isoformat()
    return str(value)  # int, float (repr round-trips), Decimal


class _CopyText:
    """A file-like reader of rows as COPY text lines, produced a page at a time."""

    def __init__(self, rows: Iterator[tuple[Any, ...]], width: int) -> None:
        self._rows = rows
        self._tabs = width - 1
        self._left = b""

    def _line(self, row: tuple[Any, ...]) -> str:
        try:  # all strings without a tab, backslash or line break: they go as they are
            line = "\t".join(row)
        except TypeError:
            line = ""
        if (
            not line
            or line.count("\t") != self._tabs
            or "\\" in line
            or "\n" in line
            or "\r" in line
        ):
            line = "\t".join([copy_field(v) for v in row])
        return line

    def read(self, size: int = -1) -> bytes:
        lines: list[str] = []
        have = len(self._left)
        for row in self._rows:
            line = self._line(row)
            lines.append(line)
            have += len(line) + 1
            if 0 <= size <= have:
                break
        data = self._left + ("\n".join(lines) + "\n").encode() if lines else self._left
        if size < 0 or len(data) <= size:
            self._left = b""
            return data
        self._left = data[size:]
        return data[:size]

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def insert_in_transaction(
    cur: Any,
    target: str,
    columns: Sequence[str],
    rows: Sequence[tuple[int, Raw, tuple[Any, ...]]],
) -> tuple[int, list[tuple[int, Raw, str]]]:
    """Insert ``rows`` (``(line, raw record, values)``) into ``target`` in the transaction ``cur``
    is in, which it leaves open (the caller commits: one transaction per COPY).

    Savepoints isolate what PostgreSQL refuses, so the transaction's earlier work stays.

    :param cur: a psycopg2 cursor in an open transaction.
    :param target: the quoted, qualified table name.
    :param columns: the column names, in the order of each row's values.
    :return: rows inserted, and ``(line, raw, PostgreSQL's message)`` of each row it refused.
    """
    if not rows:
        return 0, []
    import psycopg2

    column_list = ", ".join('"' + name.replace('"', '""') + '"' for name in columns)
    cur.execute("SAVEPOINT jaya_copy_rows")
    try:
        text = _CopyText((values for _, _, values in rows), len(columns))
        cur.copy_expert(f"COPY {target} ({column_list}) FROM STDIN", text, size=256 * 1024)
        cur.execute("RELEASE SAVEPOINT jaya_copy_rows")
        return len(rows), []
    except (psycopg2.DataError, psycopg2.IntegrityError):
        cur.execute("ROLLBACK TO SAVEPOINT jaya_copy_rows")  # a row it refuses: isolate it below
    refused: list[tuple[int, Raw, str]] = []
    loaded = 0
    single = f"INSERT INTO {target} ({column_list}) VALUES %s"
    for lineno, raw, values in rows:
        cur.execute("SAVEPOINT jaya_copy_row")
        try:
            cur.execute(single, (values,))
        except (psycopg2.DataError, psycopg2.IntegrityError) as exc:
            cur.execute("ROLLBACK TO SAVEPOINT jaya_copy_row")
            message = str(getattr(exc, "pgerror", None) or exc).strip().splitlines()[0]
            refused.append((lineno, raw, message))
            continue
        cur.execute("RELEASE SAVEPOINT jaya_copy_row")
        loaded += 1
    return loaded, refused
