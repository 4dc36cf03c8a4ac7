"""Bad lines: quarantine of failing lines and unreadable objects, and record encoding (moto)."""

from __future__ import annotations

import datetime
import gzip
import json
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto import mock_aws
from runtime_stubs import StubFirehose, gzip_lines

from jaya_pulumi.runtime import MapResultError, RuntimeConfigurationError
from jaya_pulumi.runtime._quarantine import encode_json
from jaya_pulumi.runtime.firehose import handler

Event = Callable[..., dict[str, Any]]
STREAM = "orders-stream-1a2b"


@pytest.fixture
def s3(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Moto S3 with a source bucket and a holding bucket whose quarantine prefix is configured."""
    monkeypatch.setenv(
        "JAYA_DESTINATIONS", json.dumps([{"type": "firehose", "name": "orders", "stream": STREAM}])
    )
    monkeypatch.setenv(
        "JAYA_QUARANTINE", json.dumps({"bucket": "holding", "prefix": "quarantine/mapper/"})
    )
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="src")
        client.create_bucket(Bucket="holding")
        yield client


def quarantined(s3: Any) -> list[dict[str, Any]]:
    """Every quarantine record under the configured prefix, parsed."""
    listing = s3.list_objects_v2(Bucket="holding", Prefix="quarantine/mapper/")
    entries = []
    for item in listing.get("Contents", []):
        body = s3.get_object(Bucket="holding", Key=item["Key"])["Body"].read()
        entries += [json.loads(line) for line in body.splitlines()]
    return entries


def raises_on_1200(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
    """Parse the line; line 1,200 (id 1199) is bad."""
    record = json.loads(line)
    if record["id"] == 1199:
        raise ValueError("amount is not a number")
    return [{"firehose_name": "orders", "result": [record]}]


def plain(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
    """Parse the line and send it on."""
    return [{"firehose_name": "orders", "result": [json.loads(line)]}]


def test_a_bad_line_is_quarantined_and_the_rest_of_the_object_loads(
    s3: Any, s3_event: Event
) -> None:
    lines = [json.dumps({"id": i}) for i in range(1500)]
    s3.put_object(Bucket="src", Key="in/a.gz", Body=gzip_lines(lines))
    firehose = StubFirehose()

    summary = handler(
        s3_event("src", "in/a.gz"), None, map_function=raises_on_1200, firehose_client=firehose
    )

    sent = [json.loads(data)["id"] for data in firehose.accepted[STREAM]]
    assert len(sent) == len(set(sent)) == 1499
    assert 1199 not in sent
    assert summary["rejected_lines"] == 1
    assert quarantined(s3) == [
        {
            "bucket": "src",
            "key": "in/a.gz",
            "line_number": 1200,
            "error": {"type": "ValueError", "message": "amount is not a number"},
            "line": '{"id": 1199}',
        }
    ]


def test_bad_lines_fail_keeps_failing_the_invocation(s3: Any, s3_event: Event) -> None:
    lines = [json.dumps({"id": i}) for i in range(1500)]
    s3.put_object(Bucket="src", Key="in/a.gz", Body=gzip_lines(lines))

    with pytest.raises(ValueError, match="amount is not a number") as info:
        handler(
            s3_event("src", "in/a.gz"),
            None,
            map_function=raises_on_1200,
            firehose_client=StubFirehose(),
            bad_lines="fail",
        )
    assert "while mapping line 1200 of s3://src/in/a.gz" in "".join(info.value.__notes__)
    assert quarantined(s3) == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (gzip_lines([json.dumps({"id": i}) for i in range(2000)])[:-40], "EOFError"),
        (b'{"id": 1}\n{"id": 2}\n', "BadGzipFile"),
    ],
    ids=["truncated-gzip", "plain-text"],
)
def test_an_unreadable_object_is_quarantined_once_and_not_retried(
    s3: Any, s3_event: Event, body: bytes, error: str
) -> None:
    s3.put_object(Bucket="src", Key="in/bad.gz", Body=body)
    firehose = StubFirehose()

    summary = handler(
        s3_event("src", "in/bad.gz"), None, map_function=plain, firehose_client=firehose
    )

    # the invocation succeeds, so S3 does not retry it
    assert summary["unreadable_objects"] == 1
    [entry] = quarantined(s3)
    assert entry["object"] is True and entry["line"] is None
    assert (entry["bucket"], entry["key"]) == ("src", "in/bad.gz")
    assert entry["error"]["type"] == error
    assert entry["lines_read"] == summary["lines"]


def test_a_long_line_is_cut_at_64_kib(s3: Any, s3_event: Event) -> None:
    s3.put_object(Bucket="src", Key="in/long.gz", Body=gzip_lines(["x" * 100_000]))

    handler(s3_event("src", "in/long.gz"), None, map_function=raises_on_1200)

    [entry] = quarantined(s3)
    assert len(entry["line"]) == 64 * 1024
    assert entry["error"]["type"] == "JSONDecodeError"


def test_records_data_code_returns_are_encoded(s3: Any, s3_event: Event) -> None:
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")

    def typed(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
        return [
            {
                "firehose_name": "orders",
                "result": [
                    {
                        "at": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
                        "day": datetime.date(2026, 1, 2),
                        "price": Decimal("12.10"),
                        "big": Decimal("12345678901234567890.123456789"),
                        "id": ident,
                        "nested": [{"n": Decimal("1E+2")}],
                    }
                ],
            }
        ]

    s3.put_object(Bucket="src", Key="in/t.gz", Body=gzip_lines(["1"]))
    firehose = StubFirehose()
    handler(s3_event("src", "in/t.gz"), None, map_function=typed, firehose_client=firehose)

    [data] = firehose.accepted[STREAM]
    assert data == (
        b'{"at": "2026-01-02T03:04:05+00:00", "day": "2026-01-02", "price": 12.10, '
        b'"big": 12345678901234567890.123456789, '
        b'"id": "12345678-1234-5678-1234-567812345678", "nested": [{"n": 1E+2}]}\n'
    )
    assert json.loads(data, parse_float=Decimal)["big"] == Decimal("12345678901234567890.123456789")


def test_an_unencodable_value_is_quarantined_naming_type_and_line(s3: Any, s3_event: Event) -> None:
    def with_a_set(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
        result: list[Any] = [{"ok": int(line)}] if line.strip() != b"2" else [{"tags": {"a"}}]
        return [{"firehose_name": "orders", "result": result}]

    s3.put_object(Bucket="src", Key="in/s.gz", Body=gzip_lines(["1", "2", "3"]))
    firehose = StubFirehose()
    summary = handler(
        s3_event("src", "in/s.gz"), None, map_function=with_a_set, firehose_client=firehose
    )

    assert firehose.accepted[STREAM] == [b'{"ok": 1}\n', b'{"ok": 3}\n']
    assert summary["rejected_lines"] == 1
    [entry] = quarantined(s3)
    assert entry["line_number"] == 2 and entry["error"]["type"] == "MapResultError"
    assert "type set" in entry["error"]["message"]
    assert "line 2 of s3://src/in/s.gz" in entry["error"]["message"]


def test_a_line_whose_second_record_fails_sends_none_of_its_records(
    s3: Any, s3_event: Event
) -> None:
    def half_bad(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
        return [{"firehose_name": "orders", "result": [{"a": 1}, {"b": object()}]}]

    s3.put_object(Bucket="src", Key="in/h.gz", Body=gzip_lines(["1"]))
    firehose = StubFirehose()
    handler(s3_event("src", "in/h.gz"), None, map_function=half_bad, firehose_client=firehose)

    assert firehose.accepted.get(STREAM, []) == []
    assert len(quarantined(s3)) == 1


def test_a_bad_line_without_a_quarantine_location_fails_clearly(
    s3: Any, s3_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JAYA_QUARANTINE")
    s3.put_object(Bucket="src", Key="in/a.gz", Body=gzip_lines(["not json"]))

    with pytest.raises(RuntimeConfigurationError, match=r"JAYA_QUARANTINE is not set.*bad_lines"):
        handler(s3_event("src", "in/a.gz"), None, map_function=raises_on_1200)


def test_plain_json_types_encode_exactly_like_json_dumps() -> None:
    record = {"a": [1, 2.5, None, True], "b": {"c": "é\n"}, 3: "int key"}
    assert encode_json(record, 1, "s3://b/k") == json.dumps(record)
    with pytest.raises(MapResultError, match=r"Decimal NaN for line 4"):
        encode_json({"x": Decimal("NaN")}, 4, "s3://b/k")
    assert encode_json({1.5: datetime.date(2026, 1, 2)}, 1, "w") == '{"1.5": "2026-01-02"}'
    assert gzip  # the module's default open_function is gzip.open
