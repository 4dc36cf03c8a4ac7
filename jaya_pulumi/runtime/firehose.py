"""The body of ``MapS3ToFirehoseLambda``: map each line of each created object to Firehose records.

For every object in the S3 event the handler streams the body (of the version the event names,
when the bucket is versioned) through ``open_function`` (never reading it whole), calls
``map_function(line, bucket, key)`` on each line and sends the records it returns to the physical
delivery stream behind each logical ``firehose_name``. Events other than ``ObjectCreated:*`` are
skipped, each with a log line.

Records are packed into ``PutRecordBatch`` calls within the service limits: at most
``min(batch_size, 500)`` records and 4 MiB per call, 1,000 KiB per record (a larger record raises
:class:`RecordTooLargeError`; nothing is dropped silently). Only the records Firehose rejects
(``FailedPutCount > 0``) are sent again, at the front of the stream's next call (new records fill
the rest, so retries cost few extra calls), after an exponential backoff with full jitter; a
throttled call is retried whole. When the retry budget runs out
(a stream accepted nothing for ``max_retry_seconds``, or the function's remaining time is down to
a safety margin) the handler raises :class:`DeliveryError`, so the invocation fails and S3's
asynchronous retry runs it again: delivery is at-least-once (records sent before the failure are
sent again), never lost.

Memory stays flat whatever the object's size: one decompression buffer, one line, and at most one
call's worth of records per stream (a single line is held whole, so a "line" of gigabytes is not
supported).

Behind SQS each message is mapped on its own and the ones that fail are reported as partial batch
failures (``batchItemFailures``), so SQS retries only them (records the failed message sent before
it failed are sent again: at-least-once, as on S3's retries).

Record encoding: a ``dict`` becomes ``json.dumps(record) + "\\n"``; a ``str`` is UTF-8 encoded
with a newline appended when missing; ``bytes`` are sent as they are.
"""

from __future__ import annotations

import gzip
import json
import math
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ._batch import each_message, is_sqs_batch
from ._clients import client
from ._config import streams
from ._events import s3_objects
from ._logging import handler_logger
from ._quarantine import Quarantine, encode_json, fast_dumps
from .errors import (
    DeliveryError,
    MapResultError,
    RecordTooLargeError,
    RuntimeConfigurationError,
    UnknownFirehoseError,
    s3_access_denied,
)

if TYPE_CHECKING:
    from mypy_boto3_firehose import FirehoseClient
    from mypy_boto3_firehose.type_defs import RecordTypeDef
    from mypy_boto3_s3 import S3Client

__all__ = [
    "DEFAULT_MAX_RETRY_SECONDS",
    "MAX_BYTES_PER_CALL",
    "MAX_RECORDS_PER_CALL",
    "MAX_RECORD_BYTES",
    "THROTTLING_ERROR_CODES",
    "MapFunction",
    "handler",
]

MAX_RECORDS_PER_CALL = 500
"""Most records one ``PutRecordBatch`` call accepts."""

MAX_BYTES_PER_CALL = 4 * 1024 * 1024
"""Most bytes of record data one ``PutRecordBatch`` call accepts (4 MiB)."""

MAX_RECORD_BYTES = 1000 * 1024
"""Largest single Firehose record (1,000 KiB, before base64 encoding)."""

THROTTLING_ERROR_CODES = frozenset(
    {"ServiceUnavailableException", "ThrottlingException", "LimitExceededException"}
)
"""Error codes of a whole ``PutRecordBatch`` call that mean "slow down and retry the call"."""

DEFAULT_MAX_RETRY_SECONDS = 60.0
"""How long a stream may accept nothing before the handler gives up with DeliveryError."""

SAFETY_MARGIN_SECONDS = 10.0
"""Time left unused at the end of the invocation (at most a fifth of it) to fail cleanly."""

MapFunction = Callable[[Any, str, str], Iterable[Mapping[str, Any]] | None]
"""``map_function(line, bucket, key)`` -> ``[{"firehose_name": ..., "result": [record, ...]}]``."""

_logger_name = __name__


def handler(
    event: Mapping[str, Any],
    context: Any,
    *,
    open_function: Callable[[Any], Iterable[Any]] = gzip.open,
    map_function: MapFunction,
    batch_size: int = 499,
    s3_client: S3Client | None = None,
    firehose_client: FirehoseClient | None = None,
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    max_retry_seconds: float = DEFAULT_MAX_RETRY_SECONDS,
    jitter: Callable[[], float] = random.random,
    base_delay: float = 0.05,
    max_delay: float = 5.0,
    environ: Mapping[str, str] | None = None,
    bad_lines: str = "quarantine",
) -> dict[str, Any]:
    """Map every line of every created object in the event to Firehose; return a summary.

    :param event: the S3 event notification.
    :param context: the Lambda context; its remaining time bounds the retries (may be None).
    :param open_function: turns the streaming S3 body into an iterable of lines (``gzip.open``).
    :param map_function: ``(line, bucket, key)`` -> list of ``{"firehose_name", "result"}`` dicts.
    :param batch_size: most records per ``PutRecordBatch`` call (capped at 500).
    :param s3_client: S3 client; defaults to the container's reused S3 client.
    :param firehose_client: Firehose client; defaults to the container's reused Firehose client.
    :param sleep: sleeps between retries (injectable, like ``clock``).
    :param clock: monotonic clock in seconds.
    :param max_retry_seconds: how long a stream may accept nothing before DeliveryError.
    :param jitter: uniform random number in [0, 1) for full-jitter backoff.
    :param base_delay: first backoff ceiling in seconds; doubles per attempt up to ``max_delay``.
    :param environ: where to read ``JAYA_*`` variables; defaults to ``os.environ``.
    :param bad_lines: ``"quarantine"`` (default): a line whose mapping or encoding raises is
        written to the quarantine location (``JAYA_QUARANTINE``) and the object goes on; an
        object that cannot be read is quarantined as a reference and not retried. ``"fail"``:
        the first such error fails the invocation (S3 retries it).
    :return: ``{"objects": [{"bucket", "key", "lines"}], "lines": n, "records": {firehose_name: n},
        "calls": {firehose_name: n}, "put_record_batch_calls": n, "retried_records": n,
        "throttled_calls": n}``
    :raises RecordTooLargeError: a record is over 1,000 KiB.
    :raises UnknownFirehoseError: ``map_function`` named a Firehose not connected to the function.
    :raises DeliveryError: Firehose kept rejecting records past the retry budget.

    Behind SQS the return value is the partial batch response of
    :func:`~jaya_pulumi.runtime.each_message`, with one such summary per message.
    """
    if is_sqs_batch(event):
        return each_message(
            event,
            lambda one: _map_objects(
                one,
                context,
                open_function=open_function,
                map_function=map_function,
                batch_size=batch_size,
                s3_client=s3_client,
                firehose_client=firehose_client,
                sleep=sleep,
                clock=clock,
                max_retry_seconds=max_retry_seconds,
                jitter=jitter,
                base_delay=base_delay,
                max_delay=max_delay,
                environ=environ,
                bad_lines=bad_lines,
            ),
        )
    return _map_objects(
        event,
        context,
        open_function=open_function,
        map_function=map_function,
        batch_size=batch_size,
        s3_client=s3_client,
        firehose_client=firehose_client,
        sleep=sleep,
        clock=clock,
        max_retry_seconds=max_retry_seconds,
        jitter=jitter,
        base_delay=base_delay,
        max_delay=max_delay,
        environ=environ,
        bad_lines=bad_lines,
    )


def _map_objects(
    event: Mapping[str, Any],
    context: Any,
    *,
    open_function: Callable[[Any], Iterable[Any]] = gzip.open,
    map_function: MapFunction,
    batch_size: int = 499,
    s3_client: S3Client | None = None,
    firehose_client: FirehoseClient | None = None,
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    max_retry_seconds: float = DEFAULT_MAX_RETRY_SECONDS,
    jitter: Callable[[], float] = random.random,
    base_delay: float = 0.05,
    max_delay: float = 5.0,
    environ: Mapping[str, str] | None = None,
    bad_lines: str = "quarantine",
) -> dict[str, Any]:
    """The mapping of one event's objects (see :func:`handler`)."""
    logger = handler_logger(_logger_name)
    if bad_lines not in ("quarantine", "fail"):
        raise RuntimeConfigurationError(
            f"bad_lines must be 'quarantine' or 'fail', got {bad_lines!r}"
        )
    if not isinstance(batch_size, int) or batch_size < 1:
        raise RuntimeConfigurationError(
            f"batch_size must be a positive integer, got {batch_size!r}"
        )
    objects = []
    for obj in s3_objects(event):
        if obj.created:
            objects.append(obj)
        else:
            logger.info(
                "skipped s3://%s/%s: event %s is not ObjectCreated",
                obj.bucket,
                obj.key,
                obj.event_name,
            )
    physical = streams(environ)
    s3_client = s3_client or client("s3")
    firehose_client = firehose_client or client("firehose")
    sender = _Sender(
        client=firehose_client,
        clock=clock,
        sleep=sleep,
        jitter=jitter,
        base_delay=base_delay,
        max_delay=max_delay,
        max_retry_seconds=max_retry_seconds,
        deadline=_deadline(context, clock),
        limit=min(batch_size, MAX_RECORDS_PER_CALL),
        logger_name=_logger_name,
    )
    buffers: dict[str, _Buffer] = {}
    limit = sender.limit
    # locals, not globals, in the per-record loop
    fast = fast_dumps
    failing = bad_lines == "fail"
    quarantine = Quarantine(s3_client, environ, _request_id(context))
    max_record = MAX_RECORD_BYTES
    max_call = MAX_BYTES_PER_CALL
    summary_objects: list[dict[str, Any]] = []
    total_lines = 0
    for obj in objects:
        bucket, key = obj.bucket, obj.key
        sender.where = f"s3://{bucket}/{key}"
        try:
            if obj.version_id is None:
                body = s3_client.get_object(Bucket=bucket, Key=key)["Body"]
            else:
                # the version the event names, not whatever overwrote it since (or on S3's retry)
                body = s3_client.get_object(Bucket=bucket, Key=key, VersionId=obj.version_id)[
                    "Body"
                ]
        except Exception as exc:
            version = obj.version_id
            denied = s3_access_denied(
                exc,
                f"reading {sender.where}" + (f" (version {version})" if version else ""),
                [
                    (
                        "s3:GetObject" if version is None else "s3:GetObjectVersion",
                        f"arn:aws:s3:::{bucket}/{key}",
                    )
                ],
            )
            if denied is None:
                raise
            raise denied from exc
        lineno = 0
        rejected_before = quarantine.rejected
        line: Any = None
        failed_line = False
        try:
            reader = open_function(body)
            try:
                for line in reader:
                    lineno += 1
                    try:
                        outputs = map_function(line, bucket, key)
                        if outputs is None:
                            continue
                        # encode the whole line first: a bad record sends none of its line
                        staged: list[tuple[_Buffer, bytes]] = []
                        for output in outputs:
                            try:
                                name = output["firehose_name"]
                                records = output["result"]
                                buf = buffers[name]
                            except KeyError:
                                buf = _resolve(
                                    buffers, physical, output, outputs, lineno, sender.where
                                )
                                records = output["result"]
                            except TypeError:
                                raise _bad_result(outputs, lineno, sender.where) from None
                            if type(records) is not list and isinstance(
                                records, str | bytes | Mapping
                            ):
                                raise _bad_result(outputs, lineno, sender.where)
                            for record in records:
                                kind = type(record)
                                if kind is dict:
                                    try:
                                        data = (fast(record) + "\n").encode()
                                    except (TypeError, ValueError, RecursionError):
                                        text = encode_json(record, lineno, sender.where)
                                        data = (text + "\n").encode()
                                elif kind is bytes:
                                    data = record
                                elif kind is str:
                                    data = (
                                        record if record[-1:] == "\n" else record + "\n"
                                    ).encode()
                                else:
                                    data = _encode(record, lineno, sender.where)
                                if len(data) > max_record:
                                    raise _too_large(len(data), buf.name, lineno, sender.where)
                                staged.append((buf, data))
                    except _FATAL:
                        raise
                    except Exception as exc:
                        if failing:
                            failed_line = True
                            exc.add_note(
                                f"jaya_pulumi: while mapping line {lineno} of {sender.where}"
                            )
                            raise
                        quarantine.line(bucket, key, lineno, line, exc)
                        continue
                    for buf, data in staged:
                        size = len(data)
                        if len(buf.entries) >= limit or buf.size + size > max_call:
                            sender.make_room(buf, size, lineno)
                        buf.entries.append({"Data": data})
                        buf.size += size
            finally:
                close = getattr(reader, "close", None)
                if close is not None:
                    close()
        except _FATAL:
            raise
        except Exception as exc:
            if failing or failed_line:
                raise
            # the object itself cannot be read (not gzip, truncated, undecodable): retrying
            # the invocation reads the same bytes, so keep a reference to it and go on
            quarantine.unreadable(bucket, key, obj.version_id, lineno, exc)
            logger.error(
                "could not read %s after %d lines (%s: %s); quarantined a reference to it in %s",
                sender.where,
                lineno,
                type(exc).__name__,
                exc,
                quarantine.location(),
            )
        finally:
            body.close()
        quarantine.flush()
        rejected = quarantine.rejected - rejected_before
        total_lines += lineno
        summary_objects.append(
            {"bucket": bucket, "key": key, "lines": lineno, "rejected_lines": rejected}
        )
        if rejected:
            logger.warning(
                "rejected %d of %d lines of %s; quarantined them in %s",
                rejected,
                lineno,
                sender.where,
                quarantine.location(),
            )
        logger.info("mapped %d lines of %s", lineno, sender.where)
    sender.where = "the end of the invocation"
    for buf in buffers.values():
        while buf.entries:
            sender.flush(buf, None)
    summary = {
        "objects": summary_objects,
        "lines": total_lines,
        "records": {buf.name: buf.accepted for buf in buffers.values()},
        "calls": {buf.name: buf.calls for buf in buffers.values()},
        "put_record_batch_calls": sum(buf.calls for buf in buffers.values()),
        "retried_records": sum(buf.retried for buf in buffers.values()),
        "throttled_calls": sum(buf.throttled for buf in buffers.values()),
        "rejected_lines": quarantine.rejected,
        "unreadable_objects": quarantine.objects,
        "quarantined": quarantine.written,
    }
    if quarantine.rejected or quarantine.objects:
        logger.warning(
            "rejected %d lines and %d unreadable objects in this invocation; quarantined in %s",
            quarantine.rejected,
            quarantine.objects,
            ", ".join(quarantine.written),
        )
    else:
        logger.info("rejected 0 lines")
    logger.info(
        "sent %s records in %d PutRecordBatch calls (%d records retried, %d calls throttled)",
        summary["records"],
        summary["put_record_batch_calls"],
        summary["retried_records"],
        summary["throttled_calls"],
    )
    return summary


class _Buffer:
    """Records waiting for one delivery stream; rejected records stay at the front."""

    __slots__ = (
        "accepted",
        "calls",
        "entries",
        "last_error",
        "last_failure_at",
        "name",
        "retried",
        "retry_attempts",
        "size",
        "stalled_since",
        "stream",
        "throttled",
    )

    def __init__(self, name: str, stream: str) -> None:
        self.name = name
        self.stream = stream
        self.entries: list[RecordTypeDef] = []
        self.size = 0
        # failed sends so far of each of entries[: len(retry_attempts)] (the records to retry)
        self.retry_attempts: list[int] = []
        # clock time of the first call that accepted nothing since the last one that did
        self.stalled_since: float | None = None
        # clock time of the last rejection; waiting in the buffer counts towards the backoff
        self.last_failure_at = -math.inf
        self.accepted = 0
        self.calls = 0
        self.retried = 0
        self.throttled = 0
        self.last_error = ""


class _Sender:
    """Makes the PutRecordBatch calls of one invocation and owns the retry policy.

    Backoff: a call that carries records Firehose rejected before goes out a random time in
    ``[0, min(max_delay, base_delay * 2 ** (attempts - 1)))`` (full jitter) after the last
    rejection, where ``attempts`` is the most times one of those records was rejected (plus
    throttled tries of this call); time spent mapping lines meanwhile counts towards the wait.
    Giving up: when a stream has accepted nothing for ``max_retry_seconds``, or the next sleep
    would run into the function's safety margin. A stream that keeps accepting part of each call
    keeps going until that margin.
    """

    def __init__(
        self,
        *,
        client: FirehoseClient,
        clock: Callable[[], float],
        sleep: Callable[[float], object],
        jitter: Callable[[], float],
        base_delay: float,
        max_delay: float,
        max_retry_seconds: float,
        deadline: float,
        limit: int,
        logger_name: str,
    ) -> None:
        self.client = client
        self.clock = clock
        self.sleep = sleep
        self.jitter = jitter
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_seconds = max_retry_seconds
        self.deadline = deadline
        self.limit = limit
        self.logger = handler_logger(logger_name)
        self.where = ""

    def make_room(self, buf: _Buffer, size: int, lineno: int) -> None:
        """Flush ``buf`` until one more record of ``size`` bytes fits in the next call."""
        while len(buf.entries) >= self.limit or buf.size + size > MAX_BYTES_PER_CALL:
            self.flush(buf, lineno)

    def flush(self, buf: _Buffer, lineno: int | None) -> None:
        """Send ``buf``'s records in one call (retried whole if throttled); keep rejected ones."""
        entries, previous = buf.entries, buf.retry_attempts
        buf.entries, buf.retry_attempts, buf.size = [], [], 0
        attempt = max(previous, default=0)
        throttles = 0
        while True:
            if attempt:
                self._wait(buf, attempt, len(entries), lineno)
            buf.calls += 1
            try:
                response = self.client.put_record_batch(
                    DeliveryStreamName=buf.stream, Records=entries
                )
            except Exception as exc:
                code = _error_code(exc)
                if code not in THROTTLING_ERROR_CODES:
                    raise
                throttles += 1
                attempt += 1
                buf.throttled += 1
                buf.last_failure_at = self.clock()
                if buf.stalled_since is None:
                    buf.stalled_since = buf.last_failure_at
                buf.last_error = f"{code} on the whole call: {exc}"
                self.logger.info("%s throttled (%s); retrying the call", buf.stream, code)
                continue
            break
        if not response.get("FailedPutCount"):
            buf.accepted += len(entries)
            buf.stalled_since = None
            return
        results = response.get("RequestResponses", [])
        if len(results) != len(entries):
            raise DeliveryError(
                f"Firehose {buf.name!r} (stream {buf.stream!r}) answered {len(results)} results "
                f"for {len(entries)} records, so the failed ones cannot be told apart; failing the "
                "invocation so S3 retries it (records may be delivered twice, never lost)"
            )
        codes: Counter[str] = Counter()
        kept: list[RecordTypeDef] = []
        kept_attempts: list[int] = []
        size = 0
        known = len(previous)
        for index, (entry, result) in enumerate(zip(entries, results, strict=True)):
            error_code = result.get("ErrorCode")
            if error_code:
                kept.append(entry)
                kept_attempts.append((previous[index] if index < known else 0) + 1 + throttles)
                size += len(entry["Data"])  # type: ignore[arg-type]
                codes[f"{error_code}: {result.get('ErrorMessage', '')}".rstrip(": ")] += 1
        buf.last_failure_at = self.clock()
        if len(kept) < len(entries):
            buf.stalled_since = None
        elif buf.stalled_since is None:
            buf.stalled_since = buf.last_failure_at
        buf.accepted += len(entries) - len(kept)
        buf.retried += len(kept)
        buf.entries, buf.retry_attempts, buf.size = kept, kept_attempts, size
        buf.last_error = "; ".join(f"{count} x {code}" for code, count in codes.most_common(3))
        self.logger.info(
            "%s rejected %d of %d records (%s); retrying them",
            buf.stream,
            len(kept),
            len(entries),
            buf.last_error,
        )

    def _wait(self, buf: _Buffer, attempt: int, pending: int, lineno: int | None) -> None:
        """Sleep a full-jitter backoff, or raise DeliveryError if that would pass the budget."""
        backoff = self.jitter() * min(self.max_delay, self.base_delay * 2.0 ** min(attempt - 1, 60))
        now = self.clock()
        delay = max(0.0, backoff - (now - buf.last_failure_at))
        stalled_until = (
            math.inf if buf.stalled_since is None else buf.stalled_since + self.max_retry_seconds
        )
        if now + delay <= min(stalled_until, self.deadline):
            if delay > 0:
                self.sleep(delay)
            return
        position = self.where if lineno is None else f"line {lineno} of {self.where}"
        if buf.stalled_since is not None and stalled_until <= self.deadline:
            stalled = now - buf.stalled_since
            reason = (
                f"it has accepted no record for {stalled:.1f}s "
                f"(max_retry_seconds={self.max_retry_seconds:g})"
            )
        else:
            reason = "retrying longer would run into the end of the function's remaining time"
        raise DeliveryError(
            f"Firehose {buf.name!r} (stream {buf.stream!r}) still rejects {pending} records after "
            f"{attempt} attempts (last error: {buf.last_error or 'unknown'}); giving up at "
            f"{position} because {reason}. The invocation fails so S3 retries it: records "
            "already sent will be delivered again (at-least-once), none are lost. If this "
            "persists, raise the stream's throughput limits or the function's timeout."
        )


_FATAL = (DeliveryError, RuntimeConfigurationError)
"""Errors that are not about one line: they fail the invocation whatever ``bad_lines`` says."""


def _request_id(context: Any) -> str:
    """The invocation's request id (names its quarantine objects), or a fresh UUID."""
    request_id = getattr(context, "aws_request_id", None)
    return request_id if isinstance(request_id, str) and request_id else str(uuid.uuid4())


def _deadline(context: Any, clock: Callable[[], float]) -> float:
    """Clock time after which retries must stop, from the Lambda context's remaining time."""
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining_ms):
        return math.inf
    remaining = float(remaining_ms()) / 1000.0
    return clock() + remaining - min(SAFETY_MARGIN_SECONDS, remaining / 5.0)


def _error_code(exc: Exception) -> str:
    """Return the AWS error code of a botocore ClientError (or '' for any other exception)."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error")
        if isinstance(error, Mapping):
            return str(error.get("Code", ""))
    return ""


def _resolve(
    buffers: dict[str, _Buffer],
    physical: Mapping[str, str],
    output: Any,
    outputs: Any,
    lineno: int,
    where: str,
) -> _Buffer:
    """Create the buffer for ``output``'s Firehose, or explain why it cannot exist."""
    if not isinstance(output, Mapping) or "firehose_name" not in output or "result" not in output:
        raise _bad_result(outputs, lineno, where)
    name = output["firehose_name"]
    if name not in physical:
        known = ", ".join(repr(known) for known in sorted(physical)) or "none"
        raise UnknownFirehoseError(
            f"map_function sent records to Firehose {name!r} (line {lineno} of {where}), but this "
            f"function only writes to these Firehoses: {known}. Connect it in the pipeline with "
            f"`>> Firehose({name!r}, ...)` and redeploy, or fix the firehose_name map_function "
            "returns."
        )
    buf = buffers[name] = _Buffer(name, physical[name])
    return buf


def _bad_result(outputs: Any, lineno: int, where: str) -> MapResultError:
    """Build the error for a map_function result of the wrong shape."""
    text = repr(outputs)
    if len(text) > 300:
        text = text[:300] + "..."
    return MapResultError(
        "map_function must return a list of {'firehose_name': name, 'result': [record, ...]} "
        f"dicts; for line {lineno} of {where} it returned {text}"
    )


def _encode(record: Any, lineno: int, where: str) -> bytes:
    """Encode a record that is not exactly a dict, str or bytes."""
    if isinstance(record, Mapping):
        return (json.dumps(dict(record)) + "\n").encode()
    if isinstance(record, str):
        return (record if record.endswith("\n") else record + "\n").encode()
    if isinstance(record, bytes | bytearray | memoryview):
        return bytes(record)
    raise MapResultError(
        f"map_function returned a record of type {type(record).__name__} for line {lineno} of "
        f"{where}; records must be dicts (sent as JSON lines), str or bytes"
    )


def _too_large(size: int, name: str, lineno: int, where: str) -> RecordTooLargeError:
    """Build the error for a record over Firehose's per-record limit."""
    return RecordTooLargeError(
        f"a record for Firehose {name!r} from line {lineno} of {where} is {size:,} bytes, over "
        f"Firehose's limit of {MAX_RECORD_BYTES:,} bytes (1,000 KiB) per record; split or trim it "
        "in map_function. The invocation fails rather than drop the record"
    )
