"""Emulate Firehose delivery to Redshift: ``PutRecordBatch`` limits, buffering, staging and COPY.

moto accepts any ``PutRecordBatch`` (no size limits, never a ``FailedPutCount``) and discards
records bound for Redshift. :class:`FirehoseEmulator` does what the service does instead:

- **Limits, with AWS's errors** (raised as botocore ``ClientError``): at most 500 records per call
  and at least one (``ValidationException``), at most 1,000 KiB (1,024,000 bytes) per record
  (``ValidationException`` naming ``records.N.member.data``), at most 4 MiB of record data per call
  (``InvalidArgumentException``); an unknown stream is ``ResourceNotFoundException``.
- **Buffering per stream**: records are delivered when the buffered bytes reach
  ``bufferingSize`` MiB, when the oldest buffered record is ``bufferingInterval`` seconds old
  (checked on every put and on :meth:`FirehoseEmulator.tick`, against an injectable clock), on
  :meth:`FirehoseEmulator.flush` and on :meth:`FirehoseEmulator.close`.
- **Staging**: one object per delivery in the holding bucket, the records concatenated as sent,
  gzip-compressed when the stream's ``compressionFormat`` is ``GZIP``, under Firehose's key
  layout ``<prefix>YYYY/MM/DD/HH/<stream>-<version>-<YYYY-MM-DD-HH-MM-SS>-<uuid>`` (UTC, from
  the arrival time of the object's first record; the prefix is used verbatim, as Firehose does,
  so a prefix without a trailing ``/`` runs into the date).
- **COPY**: the staged content is loaded with :func:`~jaya_pulumi.local.redshift.copy.copy_json`
  (the stream's ``copyOptions`` and ``dataTableColumns``) into a real PostgreSQL table.
- **The delivery role**: a delivery runs inside ``acting_as(settings)``, so its S3 writes, the
  COPY's read of the staged object (``s3:GetObject``) and the secret read are checked against the
  stream's role, as AWS checks them.
- **In the background, as Firehose**: the call that fills a buffer stages the object and returns;
  the COPY runs on a worker thread (the database parses the records, in its own process) while
  the handler goes on, at most two deliveries behind. Everything that reads the outcome
  (:attr:`FirehoseEmulator.deliveries`, :meth:`~FirehoseEmulator.flush`,
  :meth:`~FirehoseEmulator.tick`, :meth:`~FirehoseEmulator.check`,
  :meth:`~FirehoseEmulator.error_records`, the harness's ``query`` and ``rows``) waits for the
  loads in flight first, so a test never sees half a delivery.
- **Errors**: records COPY rejects are written, one JSON line each, to an object under the
  stream's ``errorOutputPrefix`` (same key layout, uncompressed) with Firehose's error-record
  fields: ``attemptsMade``, ``arrivalTimestamp``, ``errorCode`` (Redshift's load error code),
  ``errorMessage``, ``attemptEndingTimestamp`` and ``rawData`` (base64 of the record's bytes).

Differs from AWS, on purpose or for now: a bad record is rejected on its own and the rest of its
object loads (Firehose's COPY fails the whole object, retries, then writes a manifest of it under
the error prefix); nothing is throttled and ``FailedPutCount`` is always 0 (inject faults with a
stub); record ids are random; no
CloudWatch logs or metrics; Lambda processors, dynamic partitioning, KMS and S3 backup are not
emulated.
"""

from __future__ import annotations

import base64
import concurrent.futures
import dataclasses
import datetime as dt
import functools
import json
import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from jaya_pulumi.local.errors import FirehoseDeliveryError
from jaya_pulumi.local.firehose.loads import IN_FLIGHT, Delivery, Loads
from jaya_pulumi.local.firehose.settings import (
    MAX_BYTES_PER_CALL,
    MAX_RECORD_BYTES,
    MAX_RECORDS_PER_CALL,
    MIB,
    StreamSettings,
    client_error,
)
from jaya_pulumi.local.firehose.staging import Staging
from jaya_pulumi.local.redshift.copy import CopyOptions, RejectedRecord, parse_copy_options

__all__ = [
    "MAX_BYTES_PER_CALL",
    "MAX_RECORDS_PER_CALL",
    "MAX_RECORD_BYTES",
    "Delivery",
    "FirehoseDeliveryError",
    "FirehoseEmulator",
    "StreamSettings",
]


@dataclass
class _Stream:
    settings: StreamSettings
    options: CopyOptions | None
    records: list[bytes] = field(default_factory=list)
    size: int = 0
    first_arrival: float | None = None


def _no_role(settings: StreamSettings) -> AbstractContextManager[object]:
    return nullcontext()


class FirehoseEmulator:
    """Delivery streams that enforce AWS's limits, buffer, stage into S3 and COPY into PostgreSQL.

    :param s3: a boto3 S3 client the staged and error objects are written with.
    :param connect: opens a new DB-API (psycopg2) connection to the PostgreSQL holding the tables;
        ``None`` stages objects without loading them.
    :param clock: wall-clock seconds (``time.time``); inject one to drive interval flushes.
    :param account_id: the account named in error messages.
    :param acting_as: a context manager for a stream's delivery role, entered for each delivery.
    """

    def __init__(
        self,
        s3: Any,
        *,
        connect: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.time,
        account_id: str = "123456789012",
        acting_as: Callable[[StreamSettings], AbstractContextManager[object]] = _no_role,
    ) -> None:
        self.acting_as = acting_as
        """Enters the stream's delivery role around each delivery (default: unchecked)."""
        self.s3 = s3
        """The S3 client objects are written with."""
        self.connect = connect
        """Opens a connection to the database COPY loads."""
        self.clock = clock
        """The clock buffering intervals are measured with."""
        self.account_id = account_id
        """The account in error messages."""
        self._deliveries: list[Delivery] = []
        self._loads = Loads(connect)
        self._streams: dict[str, _Stream] = {}
        self._reported = 0
        self._errors: list[tuple[str, dict[str, Any]]] = []

    # -- streams ----------------------------------------------------------------------

    def create_stream(self, settings: StreamSettings) -> None:
        """Add a delivery stream; its COPY options are checked now, not at the first delivery.

        :raises UnsupportedCopyOptionError: for COPY options the emulation does not support.
        """
        options = parse_copy_options(settings.copy_options) if settings.table else None
        if options is not None and options.gzip != (settings.compression == "GZIP"):
            raise ValueError(
                f"stream {settings.name!r}: compressionFormat {settings.compression} does not match "
                f"the COPY options {settings.copy_options!r} (GZIP in one, not in the other); "
                "Redshift could not read the staged objects"
            )
        self._streams[settings.name] = _Stream(settings, options)

    def stream(self, name: str) -> StreamSettings:
        """The settings of stream ``name`` (physical name or ARN)."""
        return self._get(name, "DescribeDeliveryStream").settings

    @property
    def streams(self) -> list[str]:
        """The names of all streams."""
        return list(self._streams)

    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivery so far, oldest first (once the loads in flight are done)."""
        self.settle()
        return list(self._deliveries)

    def settle(self) -> None:
        """Wait for the COPYs still running in the background and record their outcome."""
        self._loads.settle()

    def _get(self, name: str, operation: str) -> _Stream:
        key = name.rsplit("/", 1)[-1] if name.startswith("arn:") else name
        stream = self._streams.get(key)
        if stream is None:
            raise client_error(
                "ResourceNotFoundException",
                f"Firehose {key} under account {self.account_id} not found.",
                operation,
            )
        return stream

    # -- the API ------------------------------------------------------------------------

    def put_record_batch(
        self, DeliveryStreamName: str, Records: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        """``firehose.put_record_batch`` with the service's limits; returns its response shape.

        :raises botocore.exceptions.ClientError: ``ValidationException`` (over 500 records, none,
            or a record over 1,024,000 bytes), ``InvalidArgumentException`` (over 4 MiB in the
            call), ``ResourceNotFoundException`` (unknown stream).
        """
        stream = self._get(DeliveryStreamName, "PutRecordBatch")
        count = len(Records)
        if count > MAX_RECORDS_PER_CALL or count < 1:
            bound = (
                f"less than or equal to {MAX_RECORDS_PER_CALL}"
                if count > MAX_RECORDS_PER_CALL
                else "greater than or equal to 1"
            )
            raise client_error(
                "ValidationException",
                f"1 validation error detected: Value at 'records' failed to satisfy constraint: "
                f"Member must have length {bound}",
            )
        try:  # the common call: every record a {"Data": bytes}, read at C speed
            datas = [record["Data"] for record in Records]
        except (KeyError, TypeError):
            datas = []
        if set(map(type, datas)) != {bytes}:
            datas = [_data(record) for record in Records]
        sizes = list(map(len, datas))
        if max(sizes) > MAX_RECORD_BYTES:
            too_big = [i for i, n in enumerate(sizes, start=1) if n > MAX_RECORD_BYTES]
            problems = "; ".join(
                f"Value at 'records.{i}.member.data' failed to satisfy constraint: Member must "
                f"have length less than or equal to {MAX_RECORD_BYTES}"
                for i in too_big
            )
            plural = "s" if len(too_big) > 1 else ""
            raise client_error(
                "ValidationException",
                f"{len(too_big)} validation error{plural} detected: {problems}",
            )
        total = sum(sizes)
        if total > MAX_BYTES_PER_CALL:
            raise client_error(
                "InvalidArgumentException",
                f"Records size exceeds 4 MB limit: the {count} records of this call total "
                f"{total:,} bytes; PutRecordBatch accepts at most {MAX_BYTES_PER_CALL:,} bytes",
            )
        self._deliver_due(stream)
        now = self.clock()
        if stream.first_arrival is None:
            stream.first_arrival = now
        stream.records.extend(datas)
        stream.size += total
        settings = stream.settings
        if stream.size >= settings.buffering_size_mb * MIB:
            self._deliver(stream, "size")
        elif settings.buffering_interval == 0:
            self._deliver(stream, "interval")
        return {
            "FailedPutCount": 0,
            "Encrypted": False,
            "RequestResponses": [{"RecordId": record_id} for record_id in _record_ids(count)],
        }

    def put_record(self, DeliveryStreamName: str, Record: Mapping[str, Any]) -> dict[str, Any]:
        """``firehose.put_record``: one record, the same limits and buffering."""
        try:
            response = self.put_record_batch(DeliveryStreamName, [Record])
        except ClientError as exc:
            error = exc.response.get("Error", {})
            message = str(error.get("Message", "")).replace("records.1.member.data", "record.data")
            raise client_error(str(error.get("Code")), message, "PutRecord") from None
        return {"RecordId": response["RequestResponses"][0]["RecordId"], "Encrypted": False}

    # -- delivery -----------------------------------------------------------------------

    def tick(self) -> list[Delivery]:
        """Deliver every stream whose oldest buffered record is ``bufferingInterval`` old."""
        done = len(self._deliveries)
        for stream in self._streams.values():
            self._deliver_due(stream)
        self.settle()
        return self._deliveries[done:]

    def flush(self, stream: str | None = None) -> list[Delivery]:
        """Deliver what every stream (or ``stream``) has buffered now; raise if one failed.

        :raises FirehoseDeliveryError: when staging or COPY failed as a whole.
        """
        done = len(self._deliveries)
        targets = [self._get(stream, "Flush")] if stream else list(self._streams.values())
        for target in targets:
            if target.records:
                self._deliver(target, "flush")
        self.check()  # settles first
        return self._deliveries[done:]

    def close(self) -> list[Delivery]:
        """Deliver everything still buffered (the harness calls this at exit), then disconnect."""
        done = len(self._deliveries)
        try:
            for stream in self._streams.values():
                if stream.records:
                    self._deliver(stream, "exit")
        finally:
            self._loads.close()
        return self._deliveries[done:]

    def check(self) -> None:
        """Raise :class:`FirehoseDeliveryError` for failed deliveries not yet reported."""
        self.settle()
        pending = [d for d in self._deliveries[self._reported :] if d.error is not None]
        self._reported = len(self._deliveries)
        if pending:
            lines = [
                f"{d.stream}: {d.records} records staged as s3://{self._bucket(d)}/{d.key} did "
                f"not load: {type(d.error).__name__}: {d.error}"
                for d in pending
            ]
            raise FirehoseDeliveryError("Firehose delivery failed:\n  " + "\n  ".join(lines))

    def _bucket(self, delivery: Delivery) -> str:
        return self._streams[delivery.stream].settings.bucket

    def _deliver_due(self, stream: _Stream) -> None:
        if (
            stream.records
            and stream.first_arrival is not None
            and self.clock() - stream.first_arrival >= stream.settings.buffering_interval
        ):
            self._deliver(stream, "interval")

    def _deliver(self, stream: _Stream, reason: str) -> Delivery:
        """Stage the stream's buffer now and start its COPY on the worker thread."""
        settings = stream.settings
        records, size = stream.records, stream.size
        arrival = stream.first_arrival if stream.first_arrival is not None else self.clock()
        stream.records, stream.size, stream.first_arrival = [], 0, None
        body = b"".join(records)
        key = _object_key(settings, settings.prefix, arrival)
        delivery = Delivery(settings.name, key, len(records), size, reason)
        self._deliveries.append(delivery)
        try:
            with self.acting_as(settings):  # the role's S3 writes and secret, checked
                stage = Staging(self.s3, settings, key, body)
                if settings.table is None or stream.options is None or self.connect is None:
                    stage()
                    return delivery
                # COPY reads the object just staged: the body in hand is its content,
                # uncompressed; the worker streams it into the database while gzip compresses
                # the staged copy here, and inserts no row until it is staged, as Firehose
                # stages, then loads (a staging error stops the load)
                staged: concurrent.futures.Future[None] = concurrent.futures.Future()
                options = dataclasses.replace(stream.options, gzip=False)
                loaded = functools.partial(self._loaded, stream, arrival)
                self._loads.submit(delivery, settings, options, body, staged.result, loaded)
                try:
                    stage()
                    # Redshift's COPY reads the staged object with the stream's role: it needs
                    # s3:GetObject there, or nothing loads (the body in hand is what it would read)
                    self.s3.get_object(Bucket=settings.bucket, Key=key)["Body"].close()
                except BaseException as exc:
                    staged.set_exception(exc)
                    raise
                staged.set_result(None)
        except Exception as exc:  # recorded; check() and flush() raise it
            delivery.error = exc
        self._loads.settle(IN_FLIGHT)
        return delivery

    def _loaded(self, stream: _Stream, arrival: float, delivery: Delivery) -> None:
        """A load is done: its rejected records go under the error prefix, written by the role."""
        if delivery.rejected:
            with self.acting_as(stream.settings):
                delivery.error_key = self._write_errors(stream, delivery.rejected, arrival)

    def _write_errors(self, stream: _Stream, rejected: list[RejectedRecord], arrival: float) -> str:
        settings = stream.settings
        ended = int(self.clock() * 1000)
        records = [
            {
                "attemptsMade": 1,
                "arrivalTimestamp": int(arrival * 1000),
                "errorCode": str(r.code),
                "errorMessage": r.message,
                "attemptEndingTimestamp": ended,
                "rawData": base64.b64encode(r.raw).decode(),
            }
            for r in rejected
        ]
        key = _object_key(settings, settings.error_prefix, arrival)
        body = "".join(json.dumps(record) + "\n" for record in records).encode()
        self.s3.put_object(Bucket=settings.bucket, Key=key, Body=body)
        self._errors.extend((settings.name, record) for record in records)
        return key

    # -- reading back ------------------------------------------------------------------

    def error_records(self, stream: str | None = None) -> list[dict[str, Any]]:
        """Every error record written so far (``rawData`` decoded to ``bytes``), oldest first.

        Kept as written, so the records of the deliveries made at exit can be read after the
        ``with`` block too, when the emulated S3 is gone.
        """
        self.settle()
        return [
            {**record, "rawData": base64.b64decode(record["rawData"])}
            for name, record in self._errors
            if stream in (None, name)
        ]


def _data(record: Mapping[str, Any]) -> bytes:
    data = record.get("Data") if isinstance(record, Mapping) else None
    if isinstance(data, str):
        return data.encode()
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    raise client_error(
        "ValidationException",
        "1 validation error detected: Value null at 'records.member.data' failed to satisfy "
        "constraint: Member must not be null",
    )


def _record_ids(count: int) -> list[str]:
    """``count`` random 40-character record ids, from one ``os.urandom`` call (30 bytes each)."""
    text = base64.b64encode(os.urandom(30 * count)).decode()
    return [text[i : i + 40] for i in range(0, 40 * count, 40)]


def _object_key(settings: StreamSettings, prefix: str, arrival: float) -> str:
    """``<prefix>YYYY/MM/DD/HH/<stream>-<version>-<YYYY-MM-DD-HH-MM-SS>-<uuid>`` (UTC)."""
    when = dt.datetime.fromtimestamp(arrival, tz=dt.UTC)
    return (
        f"{prefix}{when:%Y/%m/%d/%H}/{settings.name}-{settings.version}-"
        f"{when:%Y-%m-%d-%H-%M-%S}-{uuid.uuid4()}"
    )
