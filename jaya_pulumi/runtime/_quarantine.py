"""Bad lines of ``MapS3ToFirehoseLambda``: encode what data code returns, and quarantine what fails.

Encoding (:func:`encode_json`): plain JSON types go through ``json.dumps`` unchanged (the fast
path); only a record it refuses is walked again, turning ``datetime``/``date`` into ISO 8601
strings, ``Decimal`` into an exact JSON number and ``UUID`` into a string. Any other type raises
:class:`~jaya_pulumi.runtime.errors.MapResultError` naming it.

Quarantine (:class:`Quarantine`): every rejected line becomes one JSON line ``{"bucket", "key",
"line_number", "error": {"type", "message"}, "line"}`` (the raw line cut at 64 KiB); an object that
cannot be read at all becomes one ``{"bucket", "key", "version_id", "line_number": None,
"lines_read", "error", "line": None, "object": true}`` reference. They are written as JSON-lines
objects under the prefix ``JAYA_QUARANTINE`` names (``{"bucket": ..., "prefix": ...}``, set by the
deployment): ``<prefix><source bucket>/<source key>/<token>-<part>.jsonl``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .errors import MapResultError, RuntimeConfigurationError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = [
    "MAX_QUARANTINED_LINE_BYTES",
    "QUARANTINE_VARIABLE",
    "Quarantine",
    "encode_json",
    "fast_dumps",
    "quarantine_location",
]

QUARANTINE_VARIABLE = "JAYA_QUARANTINE"
"""Environment variable naming where rejected lines go: ``{"bucket": ..., "prefix": ...}``."""

MAX_QUARANTINED_LINE_BYTES = 64 * 1024
"""A quarantined line keeps at most its first 64 KiB."""

_PART_BYTES = 4 * 1024 * 1024
"""Quarantine records are written out whenever this many bytes are waiting."""

_dumps = json.dumps


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make_fast() -> Callable[[Any], str]:
    """``json.dumps`` with its defaults, minus the per-call encoder set-up (the fast path)."""
    try:
        from _json import encode_basestring_ascii, make_encoder
    except ImportError:  # pragma: no cover - CPython always has the C encoder
        return _dumps
    encoder = make_encoder(
        None, _refuse, encode_basestring_ascii, None, ": ", ", ", False, False, True
    )
    join = "".join

    def fast(record: Any) -> str:
        return join(encoder(record, 0))

    return fast


fast_dumps: Callable[[Any], str] = _make_fast()
"""``fast_dumps(record) == json.dumps(record)`` for plain JSON types; TypeError for the others."""


def encode_json(record: Any, lineno: int, where: str) -> str:
    """Return ``record`` as JSON, with datetime, date, Decimal and UUID values encoded.

    :param record: the record (a mapping) map_function returned.
    :param lineno: the line it came from, for the error.
    :param where: ``s3://bucket/key`` of the object, for the error.
    :raises MapResultError: a value (or key) of a type JSON has no encoding for.
    """
    try:
        return fast_dumps(record)
    except (TypeError, ValueError, RecursionError):
        pass
    parts: list[str] = []
    _walk(record, parts, lineno, where)
    return "".join(parts)


def _walk(value: Any, out: list[str], lineno: int, where: str) -> None:
    """Append the JSON text of ``value`` to ``out`` (the slow path of :func:`encode_json`)."""
    if value is None or isinstance(value, str | bool | int | float):
        out.append(_dumps(value))
    elif isinstance(value, Mapping):
        out.append("{")
        first = True
        for key, item in value.items():
            if not first:
                out.append(", ")
            first = False
            out.append(_dumps(_key(key, lineno, where)))
            out.append(": ")
            _walk(item, out, lineno, where)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(", ")
            _walk(item, out, lineno, where)
        out.append("]")
    elif isinstance(value, datetime.date | datetime.time):
        out.append(_dumps(value.isoformat()))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise MapResultError(
                f"map_function returned the Decimal {value} for line {lineno} of {where}; JSON "
                "has no encoding for NaN or infinity. Return None (NULL) or a finite number"
            )
        out.append(str(value))
    elif isinstance(value, uuid.UUID):
        out.append(_dumps(str(value)))
    else:
        raise MapResultError(
            f"map_function returned a value of type {type(value).__name__} ({_short(value)}) in a "
            f"record for line {lineno} of {where}; records may hold JSON types, datetime, date, "
            "Decimal and UUID. Convert it in map_function (e.g. str() or a list)"
        )


def _key(key: Any, lineno: int, where: str) -> str:
    """A dict key as JSON encodes it (str, or int/float/bool/None turned into text)."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool):
        return {None: "null", True: "true", False: "false"}[key]
    if isinstance(key, int | float):
        return (float.__repr__ if isinstance(key, float) else int.__repr__)(key)
    raise MapResultError(
        f"map_function returned a record with a key of type {type(key).__name__} "
        f"({_short(key)}) for line {lineno} of {where}; JSON keys must be strings"
    )


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def quarantine_location(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Return ``(bucket, prefix)`` from ``JAYA_QUARANTINE``.

    :param environ: where to read it; defaults to ``os.environ``.
    :raises RuntimeConfigurationError: the variable is missing or malformed.
    """
    env = os.environ if environ is None else environ
    raw = env.get(QUARANTINE_VARIABLE)
    fix = (
        "It is written by jaya_pulumi when it deploys a MapS3ToFirehoseLambda; redeploy the "
        "pipeline, or pass bad_lines='fail' to fail the invocation on a bad line instead."
    )
    if raw is None:
        raise RuntimeConfigurationError(
            f"{QUARANTINE_VARIABLE} is not set, so a bad line has nowhere to go. {fix}"
        )
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("bucket"), str)
        or not value["bucket"]
        or not isinstance(value.get("prefix", ""), str)
    ):
        raise RuntimeConfigurationError(
            f"{QUARANTINE_VARIABLE} is malformed: expected {{'bucket': ..., 'prefix': ...}}, "
            f"got {_short(raw, 200)}. {fix}"
        )
    return value["bucket"], value.get("prefix", "")


def _raw_line(line: Any) -> str:
    """The raw line (without its newline) as text, cut at 64 KiB (UTF-8, bad bytes replaced)."""
    if isinstance(line, bytes | bytearray | memoryview):
        raw = bytes(line)
        raw = raw[:-1] if raw.endswith(b"\n") else raw
        return raw[:MAX_QUARANTINED_LINE_BYTES].decode("utf-8", "replace")
    if isinstance(line, str):
        text: str = line[:-1] if line.endswith("\n") else line
        data = text.encode("utf-8", "surrogatepass")
        if len(data) <= MAX_QUARANTINED_LINE_BYTES:
            return text
        return data[:MAX_QUARANTINED_LINE_BYTES].decode("utf-8", "ignore")
    return _raw_line(repr(line))


def _error(exc: BaseException) -> dict[str, str]:
    return {"type": type(exc).__name__, "message": str(exc)}


class Quarantine:
    """Collects the rejected lines of one invocation and writes them to the quarantine prefix."""

    def __init__(
        self,
        s3_client: S3Client,
        environ: Mapping[str, str] | None,
        token: str,
    ) -> None:
        """Prepare a quarantine; the location is read on the first rejection.

        :param s3_client: the client that writes the quarantine objects.
        :param environ: where to read ``JAYA_QUARANTINE``.
        :param token: distinguishes this invocation's objects (the request id).
        """
        self._s3 = s3_client
        self._environ = environ
        self._token = token
        self._location: tuple[str, str] | None = None
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._source: tuple[str, str] = ("", "")
        self._part = 0
        self.rejected = 0
        """Lines rejected so far in this invocation."""
        self.objects = 0
        """Objects that could not be read at all."""
        self.written: list[str] = []
        """``s3://`` URLs of the quarantine objects written."""

    def line(self, bucket: str, key: str, lineno: int, line: Any, exc: BaseException) -> None:
        """Quarantine line ``lineno`` of ``bucket/key``, which failed with ``exc``."""
        self.rejected += 1
        self._add(
            bucket,
            key,
            {
                "bucket": bucket,
                "key": key,
                "line_number": lineno,
                "error": _error(exc),
                "line": _raw_line(line),
            },
        )

    def unreadable(
        self, bucket: str, key: str, version_id: str | None, lines_read: int, exc: BaseException
    ) -> None:
        """Quarantine a reference to an object that could not be read (after ``lines_read``)."""
        self.objects += 1
        self._add(
            bucket,
            key,
            {
                "bucket": bucket,
                "key": key,
                "version_id": version_id,
                "line_number": None,
                "lines_read": lines_read,
                "error": _error(exc),
                "line": None,
                "object": True,
            },
        )

    def location(self) -> str:
        """``s3://bucket/prefix`` of the quarantine (reads ``JAYA_QUARANTINE``)."""
        bucket, prefix = self._where()
        return f"s3://{bucket}/{prefix}"

    def flush(self) -> None:
        """Write the waiting quarantine records as one object."""
        if not self._pending:
            return
        bucket, prefix = self._where()
        source_bucket, source_key = self._source
        self._part += 1
        name = f"{source_bucket}/{source_key}"
        key = f"{prefix}{name}/{self._token}-{self._part:04d}.jsonl"
        if len(key.encode()) > 1024:
            digest = hashlib.sha256(name.encode()).hexdigest()
            key = f"{prefix}{source_bucket}/{digest}/{self._token}-{self._part:04d}.jsonl"
        self._s3.put_object(
            Bucket=bucket, Key=key, Body=b"".join(self._pending), ContentType="application/x-ndjson"
        )
        self.written.append(f"s3://{bucket}/{key}")
        self._pending = []
        self._pending_bytes = 0

    def _where(self) -> tuple[str, str]:
        if self._location is None:
            self._location = quarantine_location(self._environ)
        return self._location

    def _add(self, bucket: str, key: str, entry: dict[str, Any]) -> None:
        self._where()  # a missing location fails on the first bad line, not at the end
        if self._source != (bucket, key):
            self.flush()
            self._source = (bucket, key)
        data = (json.dumps(entry) + "\n").encode()
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes >= _PART_BYTES:
            self.flush()
