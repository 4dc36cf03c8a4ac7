"""Stub AWS clients and clocks for the runtime tests (no network, no real sleeping)."""

from __future__ import annotations

import gzip
import io
import random
from collections import Counter
from typing import Any

from botocore.exceptions import ClientError


class FakeClock:
    """A monotonic clock that only moves when ``sleep`` is called (or ``advance``)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        """Return the current fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the clock instead of sleeping."""
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class LambdaContext:
    """The part of the Lambda context the handlers read; its time runs on a FakeClock."""

    def __init__(self, clock: FakeClock, remaining_seconds: float) -> None:
        self._clock = clock
        self._end = clock() + remaining_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function times out."""
        return int((self._end - self._clock()) * 1000)


class RecordingBody:
    """A streaming body over ``data`` that records every read size (like botocore's)."""

    def __init__(self, data: bytes) -> None:
        self._stream = io.BytesIO(data)
        self.total = len(data)
        self.reads: list[int] = []
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        """Read up to ``size`` bytes and remember how many were returned."""
        data = self._stream.read(-1 if size is None else size)
        self.reads.append(len(data))
        return data

    @property
    def position(self) -> int:
        """Bytes handed out so far."""
        return self._stream.tell()

    def close(self) -> None:
        """Mark the body closed."""
        self.closed = True


class StubS3:
    """An S3 client whose objects are in memory and whose bodies record their reads."""

    def __init__(self, objects: dict[tuple[str, str], bytes]) -> None:
        self.objects = objects
        self.bodies: list[RecordingBody] = []

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        """Return the object's bytes as a recording streaming body."""
        body = RecordingBody(self.objects[(Bucket, Key)])
        self.bodies.append(body)
        return {"Body": body, "ContentLength": body.total}


def gzip_lines(lines: list[str] | list[bytes]) -> bytes:
    """Gzip the lines, one per line."""
    raw = b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines)
    return gzip.compress(raw)


def throttle(code: str = "ThrottlingException") -> ClientError:
    """The ClientError boto3 raises when a whole PutRecordBatch call is throttled."""
    return ClientError(
        {"Error": {"Code": code, "Message": "Rate exceeded"}, "ResponseMetadata": {}},
        "PutRecordBatch",
    )


class StubFirehose:
    """A Firehose client that accepts records, optionally failing some of them or whole calls.

    ``fail_rate``: share of records rejected per call (``ServiceUnavailableException``);
    ``throttle_rate``: share of calls rejected whole (``ThrottlingException``);
    ``always_fail``/``always_throttle``: reject everything. All randomness uses ``seed``.
    """

    def __init__(
        self,
        *,
        fail_rate: float = 0.0,
        throttle_rate: float = 0.0,
        always_fail: bool = False,
        always_throttle: bool = False,
        seed: int = 0,
    ) -> None:
        self.fail_rate = fail_rate
        self.throttle_rate = throttle_rate
        self.always_fail = always_fail
        self.always_throttle = always_throttle
        self.rng = random.Random(seed)
        self.calls: list[tuple[str, list[bytes]]] = []
        self.accepted: dict[str, list[bytes]] = {}
        self.throttled = 0

    def put_record_batch(self, *, DeliveryStreamName: str, Records: list[dict[str, Any]]) -> Any:
        """Check the service limits, then accept or reject as configured."""
        data = [record["Data"] for record in Records]
        self.calls.append((DeliveryStreamName, data))
        assert 1 <= len(data) <= 500, f"{len(data)} records in one call"
        assert sum(len(d) for d in data) <= 4 * 1024 * 1024, "over 4 MiB in one call"
        assert all(isinstance(d, bytes) and len(d) <= 1000 * 1024 for d in data)
        if self.always_throttle or self.rng.random() < self.throttle_rate:
            self.throttled += 1
            raise throttle()
        responses: list[dict[str, str]] = []
        failed = 0
        for index, item in enumerate(data):
            if self.always_fail or self.rng.random() < self.fail_rate:
                failed += 1
                responses.append(
                    {
                        "ErrorCode": "ServiceUnavailableException",
                        "ErrorMessage": "Slow down.",
                    }
                )
            else:
                self.accepted.setdefault(DeliveryStreamName, []).append(item)
                responses.append({"RecordId": f"{len(self.calls)}-{index}"})
        return {"FailedPutCount": failed, "Encrypted": False, "RequestResponses": responses}

    def accepted_counts(self, stream: str) -> Counter[bytes]:
        """How many times each record was accepted on ``stream``."""
        return Counter(self.accepted.get(stream, []))
