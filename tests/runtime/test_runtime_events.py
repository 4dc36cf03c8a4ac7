"""s3_objects(): parsing S3 event notifications as Lambda receives them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from jaya_pulumi.runtime import EventFormatError, S3Object, s3_objects


def test_parses_bucket_key_size_event_and_time(s3_event: Callable[..., dict[str, Any]]) -> None:
    [obj] = s3_objects(s3_event("src-bucket", "a/b.csv", size=1234))
    assert obj == S3Object(
        bucket="src-bucket",
        key="a/b.csv",
        size=1234,
        event_name="ObjectCreated:Put",
        event_time="2026-01-02T03:04:05.678Z",
        version_id=None,
        etag="0123456789abcdef0123456789abcdef",
    )
    assert obj.created


def test_keys_are_url_decoded_as_aws_encodes_them() -> None:
    # Literal encodings copied from what S3 sends for these keys.
    event = {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": "b"}, "object": {"key": key, "size": 1}},
            }
            for key in [
                "reports/my+file+2024.csv",
                "donn%C3%A9es/%C3%A9t%C3%A9.json",
                "a%2Bb%3Dc%26d.txt",
                "%E6%97%A5%E6%9C%AC%E8%AA%9E/%F0%9F%93%88.txt",
            ]
        ]
    }
    assert [obj.key for obj in s3_objects(event)] == [
        "reports/my file 2024.csv",
        "données/été.json",
        "a+b=c&d.txt",
        "日本語/📈.txt",
    ]


def test_multiple_records_keep_their_order(s3_event: Callable[..., dict[str, Any]]) -> None:
    assert [o.key for o in s3_objects(s3_event("b", "1", "2", "3"))] == ["1", "2", "3"]


def test_version_id_is_kept_when_the_bucket_is_versioned(
    s3_event: Callable[..., dict[str, Any]],
) -> None:
    event = s3_event("b", "k")
    event["Records"][0]["s3"]["object"]["versionId"] = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
    assert s3_objects(event)[0].version_id == "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"


def test_removal_events_are_parsed_but_not_created(s3_event: Callable[..., dict[str, Any]]) -> None:
    [obj] = s3_objects(s3_event("b", "k", event_name="ObjectRemoved:Delete"))
    assert obj.event_name == "ObjectRemoved:Delete" and not obj.created


def test_s3_test_event_is_ignored() -> None:
    event = {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2026-01-02T03:04:05.678Z",
        "Bucket": "src-bucket",
        "RequestId": "5582815E1AEA5ADF",
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    }
    assert s3_objects(event) == []


def test_sns_and_sqs_wrapped_notifications(s3_event: Callable[..., dict[str, Any]]) -> None:
    inner = json.dumps(s3_event("b", "x y.txt"))
    sns = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": inner}}]}
    sqs = {"Records": [{"eventSource": "aws:sqs", "body": inner}]}
    assert [o.key for o in s3_objects(sns)] == ["x y.txt"]
    assert [o.key for o in s3_objects(sqs)] == ["x y.txt"]
    sqs_test = {"Records": [{"eventSource": "aws:sqs", "body": '{"Event": "s3:TestEvent"}'}]}
    assert s3_objects(sqs_test) == []


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"detail-type": "Object Created"}, "with a 'Records' list"),
        ({"Records": [{"eventSource": "aws:dynamodb"}]}, "record 0 is not an S3 event record"),
        ({"Records": [{"s3": {"bucket": {}}}]}, "record 0 lacks s3.bucket.name"),
        ({"Records": ["x"]}, "record 0 is not an object"),
        ({"Records": [{"eventSource": "aws:sqs", "body": "nope"}]}, "not a JSON S3 notification"),
    ],
)
def test_non_s3_events_raise_a_clear_error(event: dict[str, Any], message: str) -> None:
    with pytest.raises(EventFormatError, match=message):
        s3_objects(event)


def test_event_must_be_a_mapping() -> None:
    with pytest.raises(EventFormatError, match="expected an S3 event notification"):
        s3_objects([])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sent", "parsed"), [("null", None), ("", None), ("3HL4kqtJlcpXroDTDmJ", "3HL4kqtJlcpXroDTDmJ")]
)
def test_only_a_real_version_id_pins_the_object(
    s3_event: Callable[..., dict[str, Any]], sent: str, parsed: str | None
) -> None:
    event = s3_event("src-bucket", "a.csv")
    event["Records"][0]["s3"]["object"]["versionId"] = sent
    [obj] = s3_objects(event)
    assert obj.version_id == parsed
