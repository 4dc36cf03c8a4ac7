"""The COPY options of a Firehose stream's Redshift destination, parsed as the emulation reads them."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from jaya_pulumi.local.errors import UnsupportedCopyOptionError

__all__ = ["SUPPORTED_OPTIONS", "CopyOptions", "parse_copy_options"]

SUPPORTED_OPTIONS = (
    "JSON 'auto'",
    "JSON 'auto ignorecase'",
    "GZIP",
    "TRUNCATECOLUMNS",
    "TIMEFORMAT 'auto'",
    "DATEFORMAT 'auto'",
    "BLANKSASNULL",
    "EMPTYASNULL",
)
"""The COPY options the emulation understands."""


@dataclass(frozen=True)
class CopyOptions:
    """The parsed COPY options of one delivery stream."""

    text: str
    """The options as registered."""
    ignorecase: bool = False
    """``JSON 'auto ignorecase'``: match keys to columns case-insensitively."""
    gzip: bool = False
    """``GZIP``: the staged object is gzip-compressed."""
    truncate_columns: bool = False
    """``TRUNCATECOLUMNS``: cut over-long strings instead of rejecting the record."""
    timeformat_auto: bool = False
    """``TIMEFORMAT 'auto'``."""
    dateformat_auto: bool = False
    """``DATEFORMAT 'auto'``."""
    blanks_as_null: bool = False
    """``BLANKSASNULL``."""
    empty_as_null: bool = False
    """``EMPTYASNULL``."""


def _unsupported(option: str, text: str, why: str = "") -> UnsupportedCopyOptionError:
    return UnsupportedCopyOptionError(
        f"COPY option {option} in copy_options {text!r} is not emulated by the local harness"
        f"{': ' + why if why else ''}. Supported: {', '.join(SUPPORTED_OPTIONS)}. Change the "
        "Firehose's copy_options, or test this stream against a real Redshift cluster."
    )


def parse_copy_options(text: str) -> CopyOptions:
    """Parse a Firehose ``copyOptions`` string such as ``JSON 'auto' GZIP TRUNCATECOLUMNS``.

    :raises UnsupportedCopyOptionError: naming the first option that is not emulated, or when no
        ``JSON 'auto'`` format is given (Redshift would then read pipe-delimited text).
    """
    try:
        lexer = shlex.shlex(text, posix=False)
        lexer.whitespace_split = True
        lexer.commenters = ""
        tokens = list(lexer)
    except ValueError as exc:
        raise UnsupportedCopyOptionError(
            f"copy_options {text!r} cannot be parsed ({exc}); quote arguments with single quotes"
        ) from None
    flags: dict[str, bool] = {}
    json_seen = False
    i = 0

    def argument(option: str) -> str:
        nonlocal i
        i += 1
        if i < len(tokens) and tokens[i].upper() == "AS":
            i += 1
        if i >= len(tokens) or not (tokens[i].startswith("'") and tokens[i].endswith("'")):
            raise _unsupported(option, text, "it needs a quoted argument such as 'auto'")
        return tokens[i][1:-1]

    while i < len(tokens):
        word = tokens[i].upper().rstrip(";")
        if word == "FORMAT":
            i += 1
            if i < len(tokens) and tokens[i].upper() == "AS":
                i += 1
            if i >= len(tokens) or tokens[i].upper() != "JSON":
                found = tokens[i] if i < len(tokens) else "nothing"
                raise _unsupported(f"FORMAT {found}", text, "only JSON is emulated")
            continue
        if word == "JSON":
            value = " ".join(argument("JSON").lower().split())
            if value == "auto":
                flags["ignorecase"] = False
            elif value == "auto ignorecase":
                flags["ignorecase"] = True
            else:
                raise _unsupported(f"JSON '{value}'", text, "JSONPaths files are not emulated")
            json_seen = True
        elif word in ("TIMEFORMAT", "DATEFORMAT"):
            value = argument(word)
            if value.lower() != "auto":
                raise _unsupported(f"{word} '{value}'", text, "only 'auto' is emulated")
            flags["timeformat_auto" if word == "TIMEFORMAT" else "dateformat_auto"] = True
        elif word == "GZIP":
            flags["gzip"] = True
        elif word == "TRUNCATECOLUMNS":
            flags["truncate_columns"] = True
        elif word == "BLANKSASNULL":
            flags["blanks_as_null"] = True
        elif word == "EMPTYASNULL":
            flags["empty_as_null"] = True
        elif word:
            raise _unsupported(tokens[i], text)
        i += 1
    if not json_seen:
        raise _unsupported(
            "(no JSON format)",
            text,
            "without JSON 'auto' Redshift reads pipe-delimited text, which is not emulated",
        )
    return CopyOptions(text=text, **flags)
