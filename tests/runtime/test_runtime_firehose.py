"""MapS3ToFirehoseLambda's body: streaming, routing, batching and its error messages."""

from __future__ import annotations

import codecs
import functools
import gzip
import json
import logging
import os
from collections.abc import Callable
from typing import Any

import pytest
from runtime_stubs import FakeClock, StubFirehose, StubS3, gzip_lines

from jaya_pulumi.runtime import (
    JayaRuntimeError,
    MapResultError,
    RecordTooLargeError,
    RuntimeConfigurationError,
    UnknownFirehoseError,
)
from jaya_pulumi.runtime.firehose import handler

Event = Callable[..., dict[str, Any]]
KIB = 1024
MIB = 1024 * KIB


@pytest.fixture(autouse=True)
def two_firehoses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The function writes to Firehoses 'orders' and 'audit' (and to one S3 bucket)."""
    monkeypatch.setenv(
        "JAYA_DESTINATIONS",
        json.dumps(
            [
                {"type": "firehose", "name": "orders", "stream": "orders-stream-1a2b"},
                {"type": "s3", "bucket": "side-bucket", "prefix": ""},
                {"type": "firehose", "name": "audit", "stream": "audit-stream-3c4d"},
            ]
        ),
    )


def to_orders(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
    """Send each line, parsed, to 'orders'."""
    return [{"firehose_name": "orders", "result": [json.loads(line)]}]


def run(
    objects: dict[tuple[str, str], bytes],
    event: dict[str, Any],
    map_function: Callable[..., Any] = to_orders,
    firehose: StubFirehose | None = None,
    **kwargs: Any,
) -> tuple[dict[str, Any], StubS3, StubFirehose]:
    """Run the handler as deployment does (a functools.partial) with stub clients."""
    s3 = StubS3(objects)
    firehose = firehose or StubFirehose()
    clock = FakeClock()
    deployed = functools.partial(
        handler,
        open_function=kwargs.pop("open_function", gzip.open),
        map_function=map_function,
        batch_size=kwargs.pop("batch_size", 499),
    )
    summary = deployed(
        event,
        None,
        s3_client=s3,
        firehose_client=firehose,
        clock=clock,
        sleep=clock.sleep,
        **kwargs,
    )
    return summary, s3, firehose


def test_sends_every_line_as_a_json_record(s3_event: Event) -> None:
    lines = [json.dumps({"id": i, "name": f"n{i}"}) for i in range(3)]
    summary, _, firehose = run(
        {("src", "in/a b.gz"): gzip_lines(lines)}, s3_event("src", "in/a b.gz")
    )

    assert firehose.accepted["orders-stream-1a2b"] == [
        b'{"id": 0, "name": "n0"}\n',
        b'{"id": 1, "name": "n1"}\n',
        b'{"id": 2, "name": "n2"}\n',
    ]
    assert summary == {
        "objects": [{"bucket": "src", "key": "in/a b.gz", "lines": 3, "rejected_lines": 0}],
        "lines": 3,
        "records": {"orders": 3},
        "calls": {"orders": 1},
        "put_record_batch_calls": 1,
        "retried_records": 0,
        "throttled_calls": 0,
        "rejected_lines": 0,
        "unreadable_objects": 0,
        "quarantined": [],
    }


def test_the_seed_mapper_works_unchanged(s3_event: Event) -> None:
    def a_mapper(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
        return [
            {
                "firehose_name": "orders",
                "result": [{"name": "Rajiv", "age": "65"}, {"name": "Harry", "age": "72"}],
            }
        ]

    summary, _, firehose = run(
        {("src", "k"): gzip_lines(["x", "y"])}, s3_event("src", "k"), a_mapper
    )
    assert summary["records"] == {"orders": 4}
    assert firehose.accepted["orders-stream-1a2b"][0] == b'{"name": "Rajiv", "age": "65"}\n'


def test_reads_the_object_incrementally(s3_event: Event) -> None:
    # ~24 MB of poorly compressible JSON lines, so the gzip body itself is several MB.
    lines = [json.dumps({"id": i, "v": os.urandom(48).hex()}) for i in range(200_000)]
    data = gzip_lines(lines)
    assert len(data) > 8 * MIB
    seen_at: list[int] = []
    s3_holder: list[StubS3] = []

    def watching(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
        if not seen_at:
            seen_at.append(s3_holder[0].bodies[0].position)
        return [{"firehose_name": "orders", "result": [line]}]

    s3 = StubS3({("src", "big.gz"): data})
    s3_holder.append(s3)
    firehose = StubFirehose()
    summary = handler(
        s3_event("src", "big.gz"),
        None,
        map_function=watching,
        s3_client=s3,  # type: ignore[arg-type]
        firehose_client=firehose,  # type: ignore[arg-type]
    )

    body = s3.bodies[0]
    assert summary["lines"] == 200_000
    assert max(body.reads) <= 1 * MIB, "read more than 1 MiB at once"
    assert len(body.reads) > 10
    assert seen_at[0] <= 1 * MIB, "the first line was mapped only after reading most of the body"
    assert body.closed
    assert len(firehose.accepted["orders-stream-1a2b"]) == 200_000


def test_routes_records_to_each_logical_firehose(s3_event: Event) -> None:
    def split(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
        row = json.loads(line)
        return [
            {"firehose_name": "orders", "result": [row]},
            {"firehose_name": "audit", "result": [f"{key}:{row['id']}", f"seen {row['id']}\n"]},
        ]

    lines = [json.dumps({"id": i}) for i in range(600)]
    summary, _, firehose = run({("src", "k"): gzip_lines(lines)}, s3_event("src", "k"), split)

    assert len(firehose.accepted["orders-stream-1a2b"]) == 600
    assert firehose.accepted["audit-stream-3c4d"][:2] == [b"k:0\n", b"seen 0\n"]
    assert len(firehose.accepted["audit-stream-3c4d"]) == 1200
    assert summary["records"] == {"orders": 600, "audit": 1200}
    assert summary["calls"] == {"orders": 2, "audit": 3}  # 499 records per call by default


def test_record_types_dict_str_and_bytes(s3_event: Event) -> None:
    records: list[Any] = [{"a": "é"}, "plain", "has newline\n", "ünï", b"raw bytes", b"raw\n"]

    def mapper(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
        return [{"firehose_name": "orders", "result": records}]

    run_result = run({("src", "k"): gzip_lines(["x"])}, s3_event("src", "k"), mapper)
    assert run_result[2].accepted["orders-stream-1a2b"] == [
        b'{"a": "\\u00e9"}\n',
        b"plain\n",
        b"has newline\n",
        "ünï\n".encode(),
        b"raw bytes",
        b"raw\n",
    ]


@pytest.mark.parametrize(("batch_size", "sizes"), [(500, [500, 500, 234]), (499, [499, 499, 236])])
def test_batches_hold_at_most_batch_size_records(
    s3_event: Event, batch_size: int, sizes: list[int]
) -> None:
    lines = [json.dumps({"id": i}) for i in range(1234)]
    _, _, firehose = run(
        {("src", "k"): gzip_lines(lines)}, s3_event("src", "k"), batch_size=batch_size
    )
    assert [len(records) for _, records in firehose.calls] == sizes


def test_batch_size_over_500_is_capped(s3_event: Event) -> None:
    lines = [json.dumps({"id": i}) for i in range(1001)]
    _, _, firehose = run({("src", "k"): gzip_lines(lines)}, s3_event("src", "k"), batch_size=5000)
    assert [len(records) for _, records in firehose.calls] == [500, 500, 1]


def test_batches_hold_at_most_4_mib(s3_event: Event) -> None:
    def big(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
        return [{"firehose_name": "orders", "result": [b"x" * (900 * KIB)]}]

    _, _, firehose = run(
        {("src", "k"): gzip_lines([str(i) for i in range(10)])}, s3_event("src", "k"), big
    )
    assert [len(records) for _, records in firehose.calls] == [4, 4, 2]
    assert all(sum(map(len, records)) <= 4 * MIB for _, records in firehose.calls)


def test_many_small_records_fill_calls_by_bytes_and_count(s3_event: Event) -> None:
    # 10 KiB records: 4 MiB holds 409 of them, fewer than 499.
    def medium(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
        return [{"firehose_name": "orders", "result": [b"y" * (10 * KIB)] * 10}]

    _, _, firehose = run(
        {("src", "k"): gzip_lines([str(i) for i in range(100)])}, s3_event("src", "k"), medium
    )
    sizes = [len(records) for _, records in firehose.calls]
    assert sizes == [409, 409, 182]


def test_a_record_of_exactly_1000_kib_is_sent(s3_event: Event) -> None:
    def exact(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
        return [{"firehose_name": "orders", "result": [b"z" * (1000 * KIB)]}]

    summary, _, _ = run({("src", "k"): gzip_lines(["1"])}, s3_event("src", "k"), exact)
    assert summary["records"] == {"orders": 1}


def test_an_oversized_record_names_bucket_key_and_line(s3_event: Event) -> None:
    def oversized(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
        size = 1000 * KIB if line.strip() != b"3" else 1000 * KIB + 1
        return [{"firehose_name": "orders", "result": ["a" * (size - 1)]}]  # + newline

    with pytest.raises(RecordTooLargeError) as info:
        run(
            {("src", "in/x y.gz"): gzip_lines(["1", "2", "3", "4"])},
            s3_event("src", "in/x y.gz"),
            oversized,
            bad_lines="fail",
        )
    message = str(info.value)
    assert "line 3 of s3://src/in/x y.gz" in message
    assert "1,024,001 bytes" in message and "1,000 KiB" in message
    assert "'orders'" in message


def test_an_unknown_firehose_name_lists_the_known_ones_and_the_fix(s3_event: Event) -> None:
    def typo(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
        return [{"firehose_name": "ordres", "result": [{"a": 1}]}]

    with pytest.raises(UnknownFirehoseError) as info:
        run({("src", "k"): gzip_lines(["1"])}, s3_event("src", "k"), typo)
    message = str(info.value)
    assert "'ordres'" in message
    assert "'audit', 'orders'" in message
    assert ">> Firehose('ordres', ...)" in message
    assert "line 1 of s3://src/k" in message
    assert isinstance(info.value, RuntimeConfigurationError)


@pytest.mark.parametrize(
    "result",
    [
        {"firehose_name": "orders", "result": [1]},  # a dict, not a list of dicts
        ["orders"],
        [{"name": "orders", "result": []}],
        [{"firehose_name": "orders", "result": "text"}],
        [{"firehose_name": "orders", "result": [1.5]}],
    ],
)
def test_a_malformed_map_result_explains_the_expected_shape(s3_event: Event, result: Any) -> None:
    with pytest.raises(MapResultError, match=r"line 1 of s3://src/k"):
        run(
            {("src", "k"): gzip_lines(["1"])},
            s3_event("src", "k"),
            lambda *_: result,
            bad_lines="fail",
        )


def test_a_mapper_may_return_nothing_for_a_line(s3_event: Event) -> None:
    def only_even(line: bytes, bucket: str, key: str) -> list[dict[str, Any]] | None:
        value = int(line)
        if value % 2:
            return None
        return [] if value == 0 else [{"firehose_name": "orders", "result": [{"v": value}]}]

    summary, _, _ = run(
        {("src", "k"): gzip_lines([str(i) for i in range(10)])}, s3_event("src", "k"), only_even
    )
    assert summary["records"] == {"orders": 4} and summary["lines"] == 10


def test_an_exception_in_the_mapper_carries_the_line(s3_event: Event) -> None:
    with pytest.raises(json.JSONDecodeError) as info:
        run(
            {("src", "k"): gzip_lines(['{"ok": 1}', "not json"])},
            s3_event("src", "k"),
            bad_lines="fail",
        )
    assert "while mapping line 2 of s3://src/k" in "".join(info.value.__notes__)


def test_plain_text_objects_with_a_custom_open_function(s3_event: Event) -> None:
    def open_text(body: Any) -> Any:
        return codecs.iterdecode(iter(lambda: body.read(64 * KIB), b""), "utf-8")

    def mapper(line: str, bucket: str, key: str) -> list[dict[str, Any]]:
        return [{"firehose_name": "audit", "result": line.splitlines()}]

    summary, _, firehose = run(
        {("src", "t.txt"): "été\nnext\n".encode()},
        s3_event("src", "t.txt"),
        mapper,
        open_function=open_text,
    )
    assert firehose.accepted["audit-stream-3c4d"] == ["été\n".encode(), b"next\n"]
    assert summary["lines"] == 1  # one chunk: open_function decides what a "line" is


def test_objects_of_one_event_share_batches_and_are_all_reported(s3_event: Event) -> None:
    objects = {
        ("src", f"k{i}"): gzip_lines([json.dumps({"k": i, "n": n}) for n in range(5)])
        for i in range(3)
    }
    summary, s3, firehose = run(objects, s3_event("src", "k0", "k1", "k2"))
    assert [o["key"] for o in summary["objects"]] == ["k0", "k1", "k2"]
    assert summary["lines"] == 15 and len(firehose.calls) == 1
    assert all(body.closed for body in s3.bodies)


def test_test_events_and_removals_send_nothing(
    s3_event: Event, caplog: pytest.LogCaptureFixture
) -> None:
    summary, _, firehose = run({}, {"Event": "s3:TestEvent"})
    assert summary["lines"] == 0 and firehose.calls == []
    with caplog.at_level(logging.INFO, logger="jaya_pulumi.runtime.firehose"):
        summary, _, firehose = run({}, s3_event("src", "gone", event_name="ObjectRemoved:Delete"))
    assert summary["objects"] == [] and firehose.calls == []
    assert "skipped s3://src/gone: event ObjectRemoved:Delete is not ObjectCreated" in caplog.text


def test_missing_destinations_variable(s3_event: Event, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAYA_DESTINATIONS")
    with pytest.raises(JayaRuntimeError, match="not deployed by jaya_pulumi"):
        run({("src", "k"): gzip_lines(["1"])}, s3_event("src", "k"))


def test_batch_size_must_be_positive(s3_event: Event) -> None:
    with pytest.raises(RuntimeConfigurationError, match="batch_size must be a positive integer"):
        run({("src", "k"): gzip_lines(["1"])}, s3_event("src", "k"), batch_size=0)


def test_end_to_end_with_moto_s3_and_firehose(
    s3_event: Event, aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3
    from moto import mock_aws

    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        firehose = boto3.client("firehose", region_name="us-east-1")
        s3.create_bucket(Bucket="src")
        s3.create_bucket(Bucket="landing")
        firehose.create_delivery_stream(
            DeliveryStreamName="orders-stream-1a2b",
            ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::123456789012:role/firehose",
                "BucketARN": "arn:aws:s3:::landing",
                "Prefix": "orders/",
            },
        )
        lines = [json.dumps({"id": i}) for i in range(1200)]
        s3.put_object(Bucket="src", Key="in/day 1.json.gz", Body=gzip_lines(lines))

        summary = handler(s3_event("src", "in/day 1.json.gz"), None, map_function=to_orders)

        assert summary["records"] == {"orders": 1200}
        assert summary["put_record_batch_calls"] == 3
        delivered = b"".join(
            s3.get_object(Bucket="landing", Key=item["Key"])["Body"].read()
            for item in s3.list_objects_v2(Bucket="landing", Prefix="orders/")["Contents"]
        )
        assert sorted(json.loads(x)["id"] for x in delivered.splitlines()) == list(range(1200))


def test_a_record_json_cannot_encode_carries_the_line(s3_event: Event) -> None:
    def with_a_set(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
        return [{"firehose_name": "orders", "result": [{"tags": {"a", "b"}}]}]

    with pytest.raises(MapResultError, match="value of type set") as info:
        run({("src", "k"): gzip_lines(["1"])}, s3_event("src", "k"), with_a_set, bad_lines="fail")
    assert "for line 1 of s3://src/k" in str(info.value)
    assert isinstance(info.value, TypeError)


def test_maps_the_version_the_event_names_when_the_object_was_overwritten(
    s3_event: Event, aws_credentials: None
) -> None:
    import boto3
    from moto import mock_aws

    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="src")
        s3.put_bucket_versioning(Bucket="src", VersioningConfiguration={"Status": "Enabled"})
        first = s3.put_object(Bucket="src", Key="in/a.gz", Body=gzip_lines([json.dumps({"id": 1})]))
        s3.put_object(Bucket="src", Key="in/a.gz", Body=gzip_lines([json.dumps({"id": 2})]))
        event = s3_event("src", "in/a.gz")
        event["Records"][0]["s3"]["object"]["versionId"] = first["VersionId"]
        firehose = StubFirehose()

        handler(event, None, map_function=to_orders, s3_client=s3, firehose_client=firehose)

    # the event is about the first version: its lines must not be lost to the overwrite
    assert firehose.accepted["orders-stream-1a2b"] == [b'{"id": 1}\n']
