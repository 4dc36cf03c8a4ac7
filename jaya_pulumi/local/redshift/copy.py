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
multibyte) and a message modelled on ``err_reason``; every other record still loads.

Not emulated: JSONPaths files, CSV/delimited/Avro/Parquet formats, ``MAXERROR`` (real Redshift,
as Firehose runs it, fails the whole COPY on the first bad record and Firehose then skips the whole
staged object; here each bad record is rejected on its own and the rest load -- see the harness
docs), ``ACCEPTINVCHARS``, ``ROUNDEC`` (values are rounded, as Redshift does by default),
``SUPER`` shredding, identity columns and column defaults other than NULL. PostgreSQL enforces
primary keys and unique constraints, which Redshift only declares: a duplicate key that Redshift
would load is rejected here (code 1216, PostgreSQL's message).
"""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from jaya_pulumi.local.errors import UnsupportedCopyOptionError
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


_INT_RANGES = {
    "SMALLINT": (-(2**15), 2**15 - 1),
    "INTEGER": (-(2**31), 2**31 - 1),
    "BIGINT": (-(2**63), 2**63 - 1),
}
_TRUE = frozenset({"t", "true", "y", "yes", "1"})
_FALSE = frozenset({"f", "false", "n", "no", "0"})
_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_DEFAULT_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?")
_DEFAULT_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AUTO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


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


class _Reject(Exception):
    def __init__(self, code: int, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.column = column


def _base(sql_type: str) -> tuple[str, list[int]]:
    name, _, args = sql_type.partition("(")
    numbers = [int(a) for a in re.findall(r"\d+", args)]
    return name.strip(), numbers


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _truncate(text: str, limit: int) -> str:
    return text.encode()[:limit].decode(errors="ignore")


def _show(value: Any) -> str:
    text = _as_text(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _parse_timestamp(text: str, auto: bool, column: ColumnSpec) -> dt.datetime:
    value = text.strip()
    if not auto and not _DEFAULT_TIMESTAMP.fullmatch(value):
        raise _Reject(
            1206,
            f"Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]: '{_show(text)}' "
            "(TIMEFORMAT 'auto' accepts ISO 8601)",
            column.name,
        )
    try:
        parsed = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise _Reject(
            1206, f"Invalid timestamp format or value: '{_show(text)}'", column.name
        ) from None
    if column.type == "TIMESTAMPTZ":
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    # Redshift keeps a TIMESTAMP's wall-clock time and ignores an offset in the input
    return parsed.replace(tzinfo=None)


def _parse_date(text: str, auto: bool, column: ColumnSpec) -> dt.date:
    value = text.strip()
    match = _AUTO_DATE.match(value) if auto else _DEFAULT_DATE.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        if not auto:
            return dt.date.fromisoformat(value)
        if match.end() != len(value) and not re.fullmatch(
            r"[T ][\d:.]*([Zz]|[+-][\d:]+)?", value[match.end() :]
        ):
            raise ValueError(value)
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise _Reject(
            1205,
            f"Invalid Date Format - length must be 10 or more: '{_show(text)}'"
            if not auto
            else f"Invalid date format or value: '{_show(text)}'",
            column.name,
        ) from None


def _convert(value: Any, column: ColumnSpec, options: CopyOptions) -> Any:
    """Convert one JSON value for ``column`` as Redshift's COPY would, or raise ``_Reject``."""
    if value is None:
        return None
    base, args = _base(column.type)
    name = column.name
    if base in ("VARCHAR", "CHAR"):
        text = _as_text(value)
        if options.empty_as_null and text == "":
            return None
        if options.blanks_as_null and text != "" and not text.strip():
            return None
        limit = args[0] if args else 256
        if base == "CHAR" and not text.isascii():
            raise _Reject(
                1220,
                f"Multibyte character not supported for CHAR (Hint: try using VARCHAR): "
                f"'{_show(text)}'",
                name,
            )
        size = len(text.encode())
        if size > limit:
            if not options.truncate_columns:
                raise _Reject(
                    1204,
                    f"String length exceeds DDL length: {size} bytes into {column.type} "
                    f"(value '{_show(text)}'; TRUNCATECOLUMNS would cut it)",
                    name,
                )
            text = _truncate(text, limit)
        return text
    if base in _INT_RANGES:
        if isinstance(value, bool | float) or not (
            isinstance(value, int)
            or (isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()))
        ):
            raise _Reject(
                1207, f"Invalid digit, Value '{_show(value)}', Type: {base.title()}", name
            )
        number = int(value)
        low, high = _INT_RANGES[base]
        if not low <= number <= high:
            raise _Reject(
                1204, f"Overflow, Value '{number}' exceeds the range of {base.title()}", name
            )
        return number
    if base in ("REAL", "DOUBLE PRECISION"):
        if isinstance(value, bool):
            raise _Reject(1208, f"Invalid float format: '{_show(value)}'", name)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _Reject(1208, f"Invalid float format: '{_show(value)}'", name) from None
    if base == "NUMERIC":
        precision, scale = [*args, 18, 0][:2] if args else (18, 0)
        if isinstance(value, bool):
            raise _Reject(1209, f"Invalid decimal format: '{_show(value)}'", name)
        try:
            amount = decimal.Decimal(str(value).strip())
        except decimal.InvalidOperation:
            raise _Reject(1209, f"Invalid decimal format: '{_show(value)}'", name) from None
        if not amount.is_finite():
            raise _Reject(1209, f"Invalid decimal format: '{_show(value)}'", name)
        rounded = amount.quantize(decimal.Decimal(1).scaleb(-scale), decimal.ROUND_HALF_UP)
        digits = len(rounded.as_tuple().digits) if rounded else 1
        if digits > precision or len(str(abs(int(rounded)))) > precision - scale:
            raise _Reject(1204, f"Numeric data overflow: '{_show(value)}' into {column.type}", name)
        return rounded
    if base == "BOOLEAN":
        if isinstance(value, bool):
            return value
        text = _as_text(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise _Reject(1210, f"Invalid boolean format: '{_show(value)}'", name)
    if base in ("TIMESTAMP", "TIMESTAMPTZ"):
        if not isinstance(value, str):
            raise _Reject(1206, f"Invalid timestamp format or value: '{_show(value)}'", name)
        return _parse_timestamp(value, options.timeformat_auto, column)
    if base == "DATE":
        if not isinstance(value, str):
            raise _Reject(1205, f"Invalid date format or value: '{_show(value)}'", name)
        return _parse_date(value, options.dateformat_auto, column)
    return _as_text(value)


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
    """Parse and convert one line of the staged object into rows, or raise ``_Reject``."""
    try:
        text = raw.decode()
    except UnicodeDecodeError as exc:
        raise _Reject(1220, f"Invalid UTF-8 in the record at byte {exc.start}") from None
    try:
        values = _objects(text)
    except json.JSONDecodeError as exc:
        raise _Reject(
            1216, f"Invalid JSON in the record: {exc.msg} at character {exc.pos}"
        ) from None
    rows = []
    for value in values:
        if not isinstance(value, dict):
            raise _Reject(
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
            converted = _convert(item, column, options)
            if converted is None and not column.nullable:
                raise _Reject(1213, f"Missing data for not-null field {column.name}", column.name)
            row.append(converted)
        rows.append(tuple(row))
    return rows


def copy_json(
    conn: Any,
    table: TableSpec,
    data: bytes,
    options: CopyOptions | str,
    columns: Sequence[str] | None = None,
) -> CopyResult:
    """Load a staged object (JSON records, one per line) into ``table`` as Redshift's COPY would.

    :param conn: an open psycopg2 connection to the PostgreSQL that holds the table.
    :param table: the table, as declared.
    :param data: the staged object's bytes (gzip-compressed when the options say ``GZIP``).
    :param options: the COPY options, parsed or as the string Firehose registered.
    :param columns: the COPY column list (Firehose's ``dataTableColumns``); default all columns.
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
    good: list[tuple[int, bytes, tuple[Any, ...]]] = []
    for lineno, raw in enumerate(data.splitlines(keepends=True), start=1):
        if not raw.strip():
            continue
        try:
            rows = _rows(raw, specs, opts)
        except _Reject as reject:
            result.rejected.append(
                RejectedRecord(raw, lineno, reject.code, reject.message, reject.column)
            )
            continue
        good.extend((lineno, raw, row) for row in rows)
    _insert(conn, table, specs, good, result)
    return result


def _insert(
    conn: Any,
    table: TableSpec,
    columns: Sequence[ColumnSpec],
    good: list[tuple[int, bytes, tuple[Any, ...]]],
    result: CopyResult,
) -> None:
    """Insert the rows in one transaction; if PostgreSQL refuses one, isolate it with savepoints."""
    if not good:
        return
    import psycopg2
    from psycopg2.extras import execute_values

    target = qualified_table_name(table, "postgresql")
    column_list = ", ".join(_quote_ident(c.name) for c in columns)
    sql = f"INSERT INTO {target} ({column_list}) VALUES %s"
    autocommit = conn.autocommit
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            try:
                execute_values(cur, sql, [row for _, _, row in good], page_size=1000)
                conn.commit()
                result.loaded += len(good)
                return
            except (psycopg2.DataError, psycopg2.IntegrityError):
                conn.rollback()  # a row the database refuses: isolate it below
            single = f"INSERT INTO {target} ({column_list}) VALUES %s"
            for lineno, raw, row in good:
                cur.execute("SAVEPOINT jaya_copy_row")
                try:
                    cur.execute(single, (row,))
                except (psycopg2.DataError, psycopg2.IntegrityError) as exc:
                    cur.execute("ROLLBACK TO SAVEPOINT jaya_copy_row")
                    message = str(getattr(exc, "pgerror", None) or exc).strip().splitlines()[0]
                    result.rejected.append(RejectedRecord(raw, lineno, 1216, message))
                    continue
                cur.execute("RELEASE SAVEPOINT jaya_copy_row")
                result.loaded += 1
            conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.autocommit = autocommit
    result.rejected.sort(key=lambda r: r.line)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
