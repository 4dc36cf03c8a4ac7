"""One JSON value into one column, converted as Redshift's ``COPY ... JSON 'auto'`` converts it.

The conversion rules and load error codes are described in :mod:`~jaya_pulumi.local.redshift.copy`;
:func:`convert` raises :class:`Reject` with Redshift's code when a value cannot load.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import re
from typing import Any

from jaya_pulumi.local.redshift.options import CopyOptions
from jaya_pulumi.redshift.spec import ColumnSpec

__all__ = ["INT_RANGES", "Reject", "base_type", "convert"]

INT_RANGES = {
    "SMALLINT": (-(2**15), 2**15 - 1),
    "INTEGER": (-(2**31), 2**31 - 1),
    "BIGINT": (-(2**63), 2**63 - 1),
}
"""The values each integer type holds, as ``(lowest, highest)``."""
_TRUE = frozenset({"t", "true", "y", "yes", "1"})
_FALSE = frozenset({"f", "false", "n", "no", "0"})
_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_DEFAULT_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?")
_DEFAULT_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AUTO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


class Reject(Exception):
    """A value (or record) COPY cannot load: Redshift's load error code, why, and the column."""

    def __init__(self, code: int, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.column = column


@functools.lru_cache(maxsize=256)
def base_type(sql_type: str) -> tuple[str, tuple[int, ...]]:
    """``VARCHAR(20)`` -> ``("VARCHAR", (20,))``; cached, as COPY asks once per value."""
    name, _, args = sql_type.partition("(")
    numbers = tuple(int(a) for a in re.findall(r"\d+", args))
    return name.strip(), numbers


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _truncate(text: str, limit: int) -> str:
    return text.encode()[:limit].decode(errors="ignore")


def _utf8_size(text: str, column: ColumnSpec) -> int:
    """Bytes of ``text`` in UTF-8, or :class:`Reject` 1220 for a lone surrogate (``"\\ud800"``)
    or a NUL (``"\\u0000"``), which neither Redshift's VARCHAR nor the local PostgreSQL holds."""
    try:
        size = len(text.encode())
    except UnicodeEncodeError as exc:
        raise Reject(
            1220,
            f"String contains invalid or unsupported UTF8 codepoints: a lone surrogate "
            f"U+{ord(text[exc.start]):04X} at character {exc.start}",
            column.name,
        ) from None
    if "\x00" in text:
        raise Reject(
            1220,
            f"String contains a NUL (U+0000) at character {text.index(chr(0))}; load NULs as "
            "NULL with NULL AS '\\0' in Redshift (not emulated), or drop them in the mapper",
            column.name,
        )
    return size


def _show(value: Any) -> str:
    text = _as_text(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _parse_timestamp(text: str, auto: bool, column: ColumnSpec) -> dt.datetime:
    value = text.strip()
    if not auto and not _DEFAULT_TIMESTAMP.fullmatch(value):
        raise Reject(
            1206,
            f"Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]: '{_show(text)}' "
            "(TIMEFORMAT 'auto' accepts ISO 8601)",
            column.name,
        )
    try:
        parsed = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise Reject(
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
        raise Reject(
            1205,
            f"Invalid Date Format - length must be 10 or more: '{_show(text)}'"
            if not auto
            else f"Invalid date format or value: '{_show(text)}'",
            column.name,
        ) from None


def convert(value: Any, column: ColumnSpec, options: CopyOptions) -> Any:
    """Convert one JSON value for ``column`` as Redshift's COPY would, or raise ``_Reject``."""
    if value is None:
        return None
    base, args = base_type(column.type)
    name = column.name
    if base in ("VARCHAR", "CHAR"):
        text = _as_text(value)
        if options.empty_as_null and text == "":
            return None
        if options.blanks_as_null and text != "" and not text.strip():
            return None
        limit = args[0] if args else 256
        if base == "CHAR" and not text.isascii():
            raise Reject(
                1220,
                f"Multibyte character not supported for CHAR (Hint: try using VARCHAR): "
                f"'{_show(text)}'",
                name,
            )
        size = _utf8_size(text, column)
        if size > limit:
            if not options.truncate_columns:
                raise Reject(
                    1204,
                    f"String length exceeds DDL length: {size} bytes into {column.type} "
                    f"(value '{_show(text)}'; TRUNCATECOLUMNS would cut it)",
                    name,
                )
            text = _truncate(text, limit)
        return text
    if base in INT_RANGES:
        if isinstance(value, bool | float) or not (
            isinstance(value, int)
            or (isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()))
        ):
            raise Reject(1207, f"Invalid digit, Value '{_show(value)}', Type: {base.title()}", name)
        number = int(value)
        low, high = INT_RANGES[base]
        if not low <= number <= high:
            raise Reject(
                1204, f"Overflow, Value '{number}' exceeds the range of {base.title()}", name
            )
        return number
    if base in ("REAL", "DOUBLE PRECISION"):
        if isinstance(value, bool):
            raise Reject(1208, f"Invalid float format: '{_show(value)}'", name)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise Reject(1208, f"Invalid float format: '{_show(value)}'", name) from None
    if base == "NUMERIC":
        precision, scale = [*args, 18, 0][:2] if args else (18, 0)
        if isinstance(value, bool):
            raise Reject(1209, f"Invalid decimal format: '{_show(value)}'", name)
        try:
            amount = decimal.Decimal(str(value).strip())
        except decimal.InvalidOperation:
            raise Reject(1209, f"Invalid decimal format: '{_show(value)}'", name) from None
        if not amount.is_finite():
            raise Reject(1209, f"Invalid decimal format: '{_show(value)}'", name)
        rounded = amount.quantize(decimal.Decimal(1).scaleb(-scale), decimal.ROUND_HALF_UP)
        digits = len(rounded.as_tuple().digits) if rounded else 1
        if digits > precision or len(str(abs(int(rounded)))) > precision - scale:
            raise Reject(1204, f"Numeric data overflow: '{_show(value)}' into {column.type}", name)
        return rounded
    if base == "BOOLEAN":
        if isinstance(value, bool):
            return value
        text = _as_text(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise Reject(1210, f"Invalid boolean format: '{_show(value)}'", name)
    if base in ("TIMESTAMP", "TIMESTAMPTZ"):
        if not isinstance(value, str):
            raise Reject(1206, f"Invalid timestamp format or value: '{_show(value)}'", name)
        return _parse_timestamp(value, options.timeformat_auto, column)
    if base == "DATE":
        if not isinstance(value, str):
            raise Reject(1205, f"Invalid date format or value: '{_show(value)}'", name)
        return _parse_date(value, options.dateformat_auto, column)
    text = _as_text(value)
    _utf8_size(text, column)
    return text
