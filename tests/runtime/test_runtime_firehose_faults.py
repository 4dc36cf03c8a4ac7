"""Fault injection for MapS3ToFirehoseLambda: partial failures, throttling, giving up in time."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from runtime_stubs import FakeClock, LambdaContext, StubFirehose, StubS3, gzip_lines, throttle

from jaya_pulumi.runtime import DeliveryError
from jaya_pulumi.runtime.firehose import handler

Event = Callable[..., dict[str, Any]]
ORDERS = "orders-stream-1a2b"
AUDIT = "audit-stream-3c4d"


@pytest.fixture(autouse=True)
def two_firehoses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The function writes to Firehoses 'orders' and 'audit'."""
    monkeypatch.setenv(
        "JAYA_DESTINATIONS",
        json.dumps(
            [
                {"type": "firehose", "name": "orders", "stream": ORDERS},
                {"type": "firehose", "name": "audit", "stream": AUDIT},
            ]
        ),
    )


def to_orders(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
    """Send each line, parsed, to 'orders'."""
    return [{"firehose_name": "orders", "result": [json.loads(line)]}]


def to_both(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
    """Send each line to 'orders' and every third line to 'audit' as well."""
    row = json.loads(line)
    outputs = [{"firehose_name": "orders", "result": [row]}]
    if row["id"] % 3 == 0:
        outputs.append({"firehose_name": "audit", "result": [f"audit {row['id']}"]})
    return outputs


def lines(count: int) -> bytes:
    """A gzip object of ``count`` distinct JSON lines."""
    return gzip_lines([json.dumps({"id": i, "pad": "x" * 40}) for i in range(count)])


def expected(count: int) -> set[bytes]:
    """The records ``to_orders`` makes from ``lines(count)``."""
    return {(json.dumps({"id": i, "pad": "x" * 40}) + "\n").encode() for i in range(count)}


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_random_partial_failures_and_throttling_lose_nothing_and_duplicate_nothing(
    s3_event: Event, seed: int
) -> None:
    count = 20_000
    firehose = StubFirehose(fail_rate=0.3, throttle_rate=0.05, seed=seed)
    clock = FakeClock()

    summary = handler(
        s3_event("src", "k"),
        LambdaContext(clock, remaining_seconds=300),
        map_function=to_both,
        batch_size=500,
        s3_client=StubS3({("src", "k"): lines(count)}),  # type: ignore[arg-type]
        firehose_client=firehose,  # type: ignore[arg-type]
        clock=clock,
        sleep=clock.sleep,
    )

    orders = firehose.accepted_counts(ORDERS)
    audit = firehose.accepted_counts(AUDIT)
    assert set(orders) == expected(count), "a record was lost"
    assert set(orders.values()) == {1}, "a record was accepted twice"
    assert set(audit) == {f"audit {i}\n".encode() for i in range(0, count, 3)}
    assert set(audit.values()) == {1}
    assert summary["records"] == {"orders": count, "audit": len(audit)}

    optimum = math.ceil(count / 500) + math.ceil(len(audit) / 500)
    assert len(firehose.calls) == summary["put_record_batch_calls"]
    assert len(firehose.calls) <= 2 * optimum, (len(firehose.calls), optimum)
    assert firehose.throttled > 0 and summary["throttled_calls"] == firehose.throttled
    assert summary["retried_records"] > 0.25 * (count + len(audit))
    assert clock.sleeps, "retries must back off"
    assert max(clock.sleeps) <= 5.0


def test_only_the_failed_records_are_sent_again(s3_event: Event) -> None:
    class FailSecondOnce(StubFirehose):
        def put_record_batch(self, **kwargs: Any) -> Any:
            self.calls.append(
                (kwargs["DeliveryStreamName"], [r["Data"] for r in kwargs["Records"]])
            )
            results: list[dict[str, str]] = []
            for record in kwargs["Records"]:
                if b'"id": 1,' in record["Data"] and len(self.calls) == 1:
                    results.append({"ErrorCode": "ServiceUnavailableException"})
                else:
                    self.accepted.setdefault(ORDERS, []).append(record["Data"])
                    results.append({"RecordId": "r"})
            failed = sum("ErrorCode" in r for r in results)
            return {"FailedPutCount": failed, "RequestResponses": results}

    firehose = FailSecondOnce()
    clock = FakeClock()
    summary = handler(
        s3_event("src", "k"),
        None,
        map_function=to_orders,
        s3_client=StubS3({("src", "k"): lines(3)}),  # type: ignore[arg-type]
        firehose_client=firehose,  # type: ignore[arg-type]
        clock=clock,
        sleep=clock.sleep,
    )

    first, second = firehose.calls
    assert len(first[1]) == 3
    assert second[1] == [first[1][1]]
    assert set(firehose.accepted_counts(ORDERS).values()) == {1}
    assert summary["retried_records"] == 1 and summary["records"] == {"orders": 3}
    assert len(clock.sleeps) == 1


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "ServiceUnavailableException", "LimitExceededException"]
)
def test_a_throttled_call_is_retried_whole(s3_event: Event, code: str) -> None:
    class ThrottleTwice(StubFirehose):
        def put_record_batch(self, **kwargs: Any) -> Any:
            if len(self.calls) < 2:
                self.calls.append((ORDERS, [r["Data"] for r in kwargs["Records"]]))
                raise throttle(code)
            return super().put_record_batch(**kwargs)

    firehose = ThrottleTwice()
    clock = FakeClock()
    summary = handler(
        s3_event("src", "k"),
        None,
        map_function=to_orders,
        s3_client=StubS3({("src", "k"): lines(10)}),  # type: ignore[arg-type]
        firehose_client=firehose,  # type: ignore[arg-type]
        clock=clock,
        sleep=clock.sleep,
    )

    assert len(firehose.calls) == 3
    assert firehose.calls[0][1] == firehose.calls[1][1] == firehose.calls[2][1]
    assert set(firehose.accepted_counts(ORDERS)) == expected(10)
    assert summary["throttled_calls"] == 2 and len(clock.sleeps) == 2


def test_other_client_errors_are_not_retried(s3_event: Event) -> None:
    class Missing(StubFirehose):
        def put_record_batch(self, **kwargs: Any) -> Any:
            self.calls.append((ORDERS, []))
            raise ClientError(
                {"Error": {"Code": "ResourceNotFoundException", "Message": "no such stream"}},
                "PutRecordBatch",
            )

    firehose = Missing()
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        handler(
            s3_event("src", "k"),
            None,
            map_function=to_orders,
            s3_client=StubS3({("src", "k"): lines(10)}),  # type: ignore[arg-type]
            firehose_client=firehose,  # type: ignore[arg-type]
            sleep=pytest.fail,
        )
    assert len(firehose.calls) == 1


@pytest.mark.parametrize("mode", ["always_fail", "always_throttle"])
def test_a_stream_that_never_accepts_raises_delivery_error_within_max_retry_seconds(
    s3_event: Event, mode: str
) -> None:
    firehose = StubFirehose(**{mode: True})
    clock = FakeClock()
    start = clock()

    with pytest.raises(DeliveryError) as info:
        handler(
            s3_event("src", "in/k.gz"),
            LambdaContext(clock, remaining_seconds=900),
            map_function=to_orders,
            s3_client=StubS3({("src", "in/k.gz"): lines(700)}),  # type: ignore[arg-type]
            firehose_client=firehose,  # type: ignore[arg-type]
            clock=clock,
            sleep=clock.sleep,
            max_retry_seconds=30,
        )

    assert clock() - start <= 30
    assert clock() - start >= 20, "gave up long before the retry budget was used"
    assert len(firehose.calls) < 60
    message = str(info.value)
    assert f"'orders' (stream '{ORDERS}')" in message
    assert "max_retry_seconds=30" in message
    assert "at-least-once" in message and "none are lost" in message
    assert "s3://src/in/k.gz" in message
    expected_error = (
        "ServiceUnavailableException" if mode == "always_fail" else "ThrottlingException"
    )
    assert expected_error in message


def test_gives_up_before_the_function_times_out(s3_event: Event) -> None:
    firehose = StubFirehose(always_fail=True)
    clock = FakeClock()
    context = LambdaContext(clock, remaining_seconds=20)

    with pytest.raises(DeliveryError, match="remaining time"):
        handler(
            s3_event("src", "k"),
            context,
            map_function=to_orders,
            s3_client=StubS3({("src", "k"): lines(10)}),  # type: ignore[arg-type]
            firehose_client=firehose,  # type: ignore[arg-type]
            clock=clock,
            sleep=clock.sleep,
            max_retry_seconds=600,
        )

    # a safety margin (a fifth of the remaining time, at most 10 s) is left to fail cleanly
    assert context.get_remaining_time_in_millis() >= 4000


def test_backoff_is_exponential_with_full_jitter(s3_event: Event) -> None:
    clock = FakeClock()
    with pytest.raises(DeliveryError):
        handler(
            s3_event("src", "k"),
            None,
            map_function=to_orders,
            s3_client=StubS3({("src", "k"): lines(1)}),  # type: ignore[arg-type]
            firehose_client=StubFirehose(always_fail=True),  # type: ignore[arg-type]
            clock=clock,
            sleep=clock.sleep,
            jitter=lambda: 1.0,  # the top of each jitter range
            max_retry_seconds=20,
        )
    assert clock.sleeps[:9] == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0])

    half = FakeClock()
    with pytest.raises(DeliveryError):
        handler(
            s3_event("src", "k"),
            None,
            map_function=to_orders,
            s3_client=StubS3({("src", "k"): lines(1)}),  # type: ignore[arg-type]
            firehose_client=StubFirehose(always_fail=True),  # type: ignore[arg-type]
            clock=half,
            sleep=half.sleep,
            jitter=lambda: 0.5,
            max_retry_seconds=20,
        )
    assert half.sleeps[:3] == pytest.approx([0.025, 0.05, 0.1])


def test_a_stream_that_still_accepts_some_records_is_not_given_up(s3_event: Event) -> None:
    # Half of every call fails for a long time, but each call makes progress: no DeliveryError
    # while the function has time left, even though it takes far longer than max_retry_seconds.
    firehose = StubFirehose(fail_rate=0.5, seed=7)
    clock = FakeClock(start=0.0)
    summary = handler(
        s3_event("src", "k"),
        LambdaContext(clock, remaining_seconds=900),
        map_function=to_orders,
        batch_size=500,
        s3_client=StubS3({("src", "k"): lines(5000)}),  # type: ignore[arg-type]
        firehose_client=firehose,  # type: ignore[arg-type]
        clock=clock,
        sleep=clock.sleep,
        max_retry_seconds=20,
    )
    assert clock() > 20
    assert summary["records"] == {"orders": 5000}
    assert set(firehose.accepted_counts(ORDERS).values()) == {1}


def test_the_stall_message_says_how_long_nothing_was_accepted(s3_event: Event) -> None:
    clock = FakeClock(start=0.0)
    with pytest.raises(DeliveryError, match=r"accepted no record for \d+\.\ds"):
        handler(
            s3_event("src", "k"),
            None,
            map_function=to_orders,
            s3_client=StubS3({("src", "k"): lines(3)}),  # type: ignore[arg-type]
            firehose_client=StubFirehose(always_fail=True),  # type: ignore[arg-type]
            clock=clock,
            sleep=clock.sleep,
            max_retry_seconds=10,
        )
