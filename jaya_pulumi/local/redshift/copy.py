"""Emulate Redshift's ``COPY ... FORMAT JSON 'auto'`` into a real PostgreSQL table.

Firehose loads a Redshift table by running ``COPY <table> (<columns>) FROM <staged object>
<copy options>``. The local harness runs the same load against PostgreSQL with this module: the
object's records are parsed, matched to the column list and converted as Redshift converts them,
then inserted in one transaction.

Emulated options (parsed from the stream's ``copyOptions`` string; anything else is refused with
:class:`UnsupportedCopyOptionError`, never silently ignored):

- ``JSON 'auto'`` / ``FORMAT [AS] JSON [AS] 'auto'``: each record is a JSON object; its keys are
  matched to the COPY column list exactly as Redshift does: column names are lower case in
  Redshift, and ``'auto'`` matching is case-sensitive, so a key ``"Name"`` does not fill column
  ``name`` (it is ignored, the column is NULL). Keys without a column are ignored; columns
  without a key are NULL. ``JSON 'auto ignorecase'`` matches keys case-insensitively.
- ``GZIP``: the staged object is gzip-compressed.
- ``TRUNCATECOLUMNS``: strings longer than a ``VARCHAR(n)``/``CHAR(n)`` are cut to ``n`` bytes
  (Redshift lengths are UTF-8 bytes, not characters; cuts fall on character boundaries).
- ``TIMEFORMAT [AS] 'auto'`` / ``DATEFORMAT [AS] 'auto'``: ISO 8601 variants (``T`` or space,
  fractional seconds, ``Z`` or offsets) load into TIMESTAMP/TIMESTAMPTZ/DATE columns (an offset
  converts a TIMESTAMPTZ to UTC and is ignored by a TIMESTAMP, as in Redshift). Without
  them only Redshift's defaults load (``YYYY-MM-DD HH:MI:SS[.ffffff]`` and ``YYYY-MM-DD``).
- ``BLANKSASNULL`` / ``EMPTYASNULL``: blank / empty strings load as NULL into character columns.

Conversions: strings into character columns; JSON numbers and booleans into character columns as
their JSON text, nested objects and arrays as compact JSON text; integers (or integer strings)
into SMALLINT/INTEGER/BIGINT within range; numbers into REAL/DOUBLE PRECISION/NUMERIC(p,s)
(rounded to the scale, precision checked); ``true``/``false`` and Redshift's boolean spellings
into BOOLEAN. Other column types receive the value as text and PostgreSQL casts it.

Errors: a record that cannot load (not JSON, not an object, a value too long or of the wrong
type, NULL into NOT NULL) is returned as a :class:`RejectedRecord` with Redshift's load error code
(``stl_load_errors.err_code``: 1204 range/length, 1205 date, 1206 timestamp, 1207 integer digits,
1208 float, 1209 decimal, 1210 boolean, 1213 NOT NULL, 1216 invalid JSON record, 1220 CHAR
multibyte, a lone surrogate or a NUL) and a message modelled on ``err_reason``; every other record
still loads.

Not emulated: JSONPaths files, CSV/delimited/Avro/Parquet formats, ``MAXERROR`` (real Redshift,
as Firehose runs it, fails the whole COPY on the first bad record and Firehose then skips the whole
staged object; here each bad record is rejected on its own and the rest load -- see the harness
docs), ``ACCEPTINVCHARS``, ``ROUNDEC`` (values are rounded, as Redshift does by default),
``SUPER`` shredding, identity columns and column defaults other than NULL. PostgreSQL enforces
primary keys and unique constraints, which Redshift only declares: a duplicate key that Redshift
would load is rejected here (code 1216, PostgreSQL's message).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from json.scanner import make_scanner
from typing import Any

from jaya_pulumi.local.errors import UnsupportedCopyOptionError
from jaya_pulumi.local.redshift.bulk import bulk_load
from jaya_pulumi.local.redshift.convert import Reject, base_type, convert
from jaya_pulumi.local.redshift.insert import insert_in_transaction
from jaya_pulumi.local.redshift.options import CopyOptions, parse_copy_options
from jaya_pulumi.redshift.ddl import qualified_table_name
from jaya_pulumi.redshift.spec import ColumnSpec, TableSpec

__all__ = [
    "CopyOptions",
    "CopyResult",
    "RejectedRecord",
    "UnsupportedCopyOptionError",
    "copy_json",
    "parse_copy_options",
]


@dataclass
class RejectedRecord:
    """A record COPY could not load, with Redshift's load error code and reason."""

    raw: bytes
    """The record's bytes as staged (one line of the object)."""
    line: int
    """Its 1-based line number in the staged object."""
    code: int
    """Redshift's ``stl_load_errors.err_code``."""
    message: str
    """What was wrong (``err_reason``, with the column)."""
    column: str | None = None
    """The column whose value failed, if one did."""


@dataclass
class CopyResult:
    """What one emulated COPY did."""

    table: str
    """``schema.table`` loaded."""
    loaded: int = 0
    """Rows inserted."""
    rejected: list[RejectedRecord] = field(default_factory=list)
    """Records that did not load."""


def _objects(line: str) -> list[Any]:
    """Every JSON value in one line (Redshift reads whitespace-separated objects)."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    index, end = 0, len(line)
    while True:
        while index < end and line[index] in " \t\r\n":
            index += 1
        if index >= end:
            return values
        value, index = decoder.raw_decode(line, index)
        values.append(value)


def _rows(raw: bytes, columns: Sequence[ColumnSpec], options: CopyOptions) -> list[tuple[Any, ...]]:
    """Parse and convert one line of the staged object into rows, or raise ``Reject``."""
    try:
        text = raw.decode()
    except UnicodeDecodeError as exc:
        raise Reject(1220, f"Invalid UTF-8 in the record at byte {exc.start}") from None
    try:
        values = _objects(text)
    except json.JSONDecodeError as exc:
        raise Reject(
            1216, f"Invalid JSON in the record: {exc.msg} at character {exc.pos}"
        ) from None
    rows = []
    for value in values:
        if not isinstance(value, dict):
            raise Reject(
                1216,
                f"Invalid JSONPath format: Member is not an object (a JSON "
                f"{type(value).__name__ if not isinstance(value, str) else 'string'}); "
                "JSON 'auto' loads one object per record",
            )
        if options.ignorecase:
            keys = {str(k).lower(): v for k, v in value.items()}
            lookup = [(c, keys.get(c.name.lower())) for c in columns]
        else:
            lookup = [(c, value.get(c.name.lower())) for c in columns]
        row = []
        for column, item in lookup:
            converted = convert(item, column, options)
            if converted is None and not column.nullable:
                raise Reject(1213, f"Missing data for not-null field {column.name}", column.name)
            row.append(converted)
        rows.append(tuple(row))
    return rows


def copy_json(
    conn: Any,
    table: TableSpec,
    data: bytes,
    options: CopyOptions | str,
    columns: Sequence[str] | None = None,
    *,
    before_insert: Callable[[], object] | None = None,
) -> CopyResult:
    """Load a staged object (JSON records, one per line) into ``table`` as Redshift's COPY would.

    :param conn: an open psycopg2 connection to the PostgreSQL that holds the table.
    :param table: the table, as declared.
    :param data: the staged object's bytes (gzip-compressed when the options say ``GZIP``).
    :param options: the COPY options, parsed or as the string Firehose registered.
    :param columns: the COPY column list (Firehose's ``dataTableColumns``); default all columns.
    :param before_insert: called once, before any row is inserted (once the lines are in the
        database on the bulk path, once they are read and converted otherwise); what it raises
        stops the load (Firehose stages the object meanwhile).
    :return: how many rows loaded and which records were rejected (and why).
    :raises UnsupportedCopyOptionError: for options that are not emulated.
    :raises ValueError: for a column the table lacks.
    """
    opts = parse_copy_options(options) if isinstance(options, str) else options
    names = list(columns) if columns is not None else [c.name for c in table.columns]
    specs: list[ColumnSpec] = []
    for name in names:
        spec = table.column(name) or next(
            (c for c in table.columns if c.name.lower() == name.strip().lower()), None
        )
        if spec is None:
            raise ValueError(
                f"COPY column list names {name!r}, but table {table.qualified_name} has only "
                f"{', '.join(c.name for c in table.columns)}"
            )
        specs.append(spec)
    result = CopyResult(table=table.qualified_name)
    if opts.gzip:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            result.rejected.append(
                RejectedRecord(data, 0, 1216, f"gzip: the staged object is not gzip data ({exc})")
            )
            return result
    target = qualified_table_name(table, "postgresql")
    fits = [_fits(c, opts) for c in specs]
    if before_insert is not None:
        before_insert = _once(before_insert)
    autocommit = conn.autocommit
    conn.autocommit = False  # one transaction, as Redshift's COPY
    try:
        with conn.cursor() as cur:
            good: list[tuple[int, bytes | str, tuple[Any, ...]]] | None = None
            bulk = None
            if not opts.ignorecase:
                bulk = bulk_load(cur, table, target, specs, opts, data, before_insert)
            if bulk is not None:  # PostgreSQL took the plain lines: read the rest here
                result.loaded, rest = bulk
                good = [row for n, raw in rest for row in _line(raw, n, specs, opts, result)]
            else:
                good = _fast_rows(data, specs, opts, result, fits)
                if good is None:  # not UTF-8, or a CR in it: line by line, as bytes
                    good = []
                    for lineno, raw in enumerate(data.splitlines(keepends=True), start=1):
                        good.extend(_line(raw, lineno, specs, opts, result))
                if before_insert is not None:
                    before_insert()
            loaded, failed = insert_in_transaction(cur, target, [c.name for c in specs], good)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.autocommit = autocommit
    result.loaded += loaded
    breaks = data.count(b"\n")  # line N of the object ends in one when N <= breaks
    result.rejected.extend(
        RejectedRecord(
            raw if isinstance(raw, bytes) else (raw + "\n" * (lineno <= breaks)).encode(),
            lineno,
            1216,
            message,
        )
        for lineno, raw, message in failed
    )
    result.rejected.sort(key=lambda r: r.line)
    return result


def _once(call: Callable[[], object]) -> Callable[[], object]:
    """``call``, made on the first call only (the bulk path may hand over to the reference)."""
    done: list[object] = []

    def once() -> object:
        if not done:
            done.append(call())
        return done[0]

    return once


def _line(
    raw: bytes, lineno: int, specs: Sequence[ColumnSpec], opts: CopyOptions, result: CopyResult
) -> list[tuple[int, bytes, tuple[Any, ...]]]:
    """The rows of one line read in full (any JSON layout), or none with its rejection noted."""
    if not raw.strip():
        return []
    try:
        rows = _rows(raw, specs, opts)
    except Reject as reject:
        result.rejected.append(
            RejectedRecord(raw, lineno, reject.code, reject.message, reject.column)
        )
        return []
    return [(lineno, raw, row) for row in rows]


def _fast_rows(
    data: bytes,
    specs: Sequence[ColumnSpec],
    opts: CopyOptions,
    result: CopyResult,
    fits: Sequence[int],
) -> list[tuple[int, bytes | str, tuple[Any, ...]]] | None:
    """The object's rows, reading the common line (exactly one JSON object) at C speed.

    The object is decoded once and split on ``\\n``; a line that is exactly one JSON object is
    scanned with the decoder's C scanner and a string that surely fits its ``VARCHAR`` is taken
    as is; every other line and value goes through :func:`_line` and :func:`_convert`, so the
    outcome is the same as reading line by line. ``None`` when the object is not UTF-8, holds
    a carriage return (then only the line-by-line reader splits lines as Redshift does) or a
    surrogate or NUL escape (refused by :func:`convert`, which the shortcut skips).
    """
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return None
    if "\r" in text or _SURROGATE_ESCAPE.search(text):
        return None  # a lone surrogate or a NUL must not take the shortcut: convert() refuses it
    scan = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # typeshed: the C scanner
    plan = [(c, c.name.lower(), fit) for c, fit in zip(specs, fits, strict=True)]
    keys = [key for _, key, _ in plan]
    shortest = min((fit for _, _, fit in plan), default=-1)  # every value a string this short
    good: list[tuple[int, bytes | str, tuple[Any, ...]]] = []
    lines = text.split("\n")
    last = len(lines) - 1
    for index, line in enumerate(lines):
        try:
            value, end = scan(line, 0)
        except (StopIteration, json.JSONDecodeError):  # not a value, or a broken one
            value, end = None, -1
        if end != len(line) or type(value) is not dict:
            raw = (line + "\n" if index < last else line).encode()
            good.extend(_line(raw, index + 1, specs, opts, result))
            continue
        if opts.ignorecase:
            value = {str(k).lower(): v for k, v in value.items()}
        values: tuple[Any, ...] = tuple(map(value.get, keys))
        if set(map(type, values)) == _STR and max(map(len, values)) <= shortest:
            good.append((index + 1, line, values))  # raw: copy_json adds its line break back
            continue
        row: list[Any] = []
        try:
            for column, key, fit in plan:
                item = value.get(key)
                if type(item) is str and len(item) <= fit:
                    row.append(item)
                    continue
                converted = convert(item, column, opts)
                if converted is None and not column.nullable:
                    raise Reject(
                        1213, f"Missing data for not-null field {column.name}", column.name
                    )
                row.append(converted)
        except Reject as reject:
            raw = (line + "\n" if index < last else line).encode()
            result.rejected.append(
                RejectedRecord(raw, index + 1, reject.code, reject.message, reject.column)
            )
            continue
        good.append((index + 1, line, tuple(row)))  # raw: copy_json adds its line break back
    return good


_STR = {str}
_SURROGATE_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")
"""A ``\\uD800``-``\\uDFFF`` escape (a surrogate, maybe a lone one) or ``\\u0000``: values
:func:`convert` must see, as Redshift cannot store them."""


def _fits(column: ColumnSpec, opts: CopyOptions) -> int:
    """Characters of a string that surely load into ``column`` unchanged (-1: check each value)."""
    base, args = base_type(column.type)
    if base != "VARCHAR" or opts.empty_as_null or opts.blanks_as_null:
        return -1
    return (args[0] if args else 256) // 4  # UTF-8 takes at most 4 bytes a character
