"""CopyS3Lambda's body, against moto's S3 and against a stub that records the calls."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from moto import mock_aws

from jaya_pulumi.runtime import RuntimeConfigurationError
from jaya_pulumi.runtime.copy import handler

Event = Callable[..., dict[str, Any]]


def configure(
    monkeypatch: pytest.MonkeyPatch,
    destinations: list[tuple[str, str]],
    sources: list[tuple[str, str]],
) -> None:
    """Set JAYA_DESTINATIONS and JAYA_SOURCES as the deployment layer would."""
    monkeypatch.setenv(
        "JAYA_DESTINATIONS",
        json.dumps([{"type": "s3", "bucket": b, "prefix": p} for b, p in destinations]),
    )
    monkeypatch.setenv("JAYA_SOURCES", json.dumps([{"bucket": b, "prefix": p} for b, p in sources]))


@pytest.fixture
def s3(aws_credentials: None) -> Iterator[Any]:
    """A moto S3 client with buckets src, dst1 and dst2."""
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        for bucket in ("src", "dst1", "dst2"):
            client.create_bucket(Bucket=bucket)
        yield client


def body(client: Any, bucket: str, key: str) -> bytes:
    """Return an object's content."""
    data: bytes = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return data


def keys(client: Any, bucket: str) -> list[str]:
    """Return every key in ``bucket``."""
    return [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_copies_keys_with_spaces_and_non_ascii_characters(
    s3: Any, s3_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, [("dst1", "")], [("src", "")])
    names = ["my report 2024.csv", "données/été.json", "a+b=c&d.txt", "日本語/📈 x.txt"]
    for index, key in enumerate(names):
        s3.put_object(Bucket="src", Key=key, Body=f"content {index}".encode())

    summary = handler(s3_event("src", *names), None)

    assert sorted(keys(s3, "dst1")) == sorted(names)
    for index, key in enumerate(names):
        assert body(s3, "dst1", key) == f"content {index}".encode()
    assert [c["destination"] for c in summary["copied"]] == [f"s3://dst1/{k}" for k in names]
    assert summary["skipped"] == []


def test_source_prefix_is_stripped_and_destination_prefix_added(
    s3: Any, s3_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, [("dst1", "archive/2026/")], [("src", "incoming/")])
    s3.put_object(Bucket="src", Key="incoming/day 1/orders.csv", Body=b"id\n1\n")

    handler(s3_event("src", "incoming/day 1/orders.csv"), None)

    assert keys(s3, "dst1") == ["archive/2026/day 1/orders.csv"]
    assert body(s3, "dst1", "archive/2026/day 1/orders.csv") == b"id\n1\n"


def test_the_longest_matching_source_prefix_is_stripped(
    s3: Any, s3_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, [("dst1", "")], [("src", "in/"), ("src", "in/eu/"), ("other", "")])
    s3.put_object(Bucket="src", Key="in/eu/x.csv", Body=b"x")
    s3.put_object(Bucket="src", Key="in/us/y.csv", Body=b"y")

    handler(s3_event("src", "in/eu/x.csv", "in/us/y.csv"), None)

    assert sorted(keys(s3, "dst1")) == ["us/y.csv", "x.csv"]


def test_without_prefixes_the_key_is_unchanged(
    s3: Any, s3_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, [("dst1", "")], [("src", "")])
    s3.put_object(Bucket="src", Key="deep/path/file.bin", Body=b"\x00\x01")
    handler(s3_event("src", "deep/path/file.bin"), None)
    assert body(s3, "dst1", "deep/path/file.bin") == b"\x00\x01"


def test_copies_to_every_destination_in_edge_order(
    s3: Any, s3_event: Event, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    configure(monkeypatch, [("dst1", "a/"), ("dst2", "")], [("src", "")])
    s3.put_object(Bucket="src", Key="k.txt", Body=b"hello")

    with caplog.at_level(logging.INFO, logger="jaya_pulumi.runtime.copy"):
        summary = handler(s3_event("src", "k.txt", size=5), None)

    assert body(s3, "dst1", "a/k.txt") == b"hello"
    assert body(s3, "dst2", "k.txt") == b"hello"
    assert summary["copied"] == [
        {"source": "s3://src/k.txt", "destination": "s3://dst1/a/k.txt", "size": 5},
        {"source": "s3://src/k.txt", "destination": "s3://dst2/k.txt", "size": 5},
    ]
    copies = [r.getMessage() for r in caplog.records if r.getMessage().startswith("copied")]
    assert copies == [
        "copied s3://src/k.txt to s3://dst1/a/k.txt (5 bytes)",
        "copied s3://src/k.txt to s3://dst2/k.txt (5 bytes)",
    ]


def test_large_objects_are_copied_in_parts(
    s3: Any, s3_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, [("dst1", "")], [("src", "")])
    mib = 1024 * 1024
    data = bytes(range(256)) * (12 * mib // 256)
    s3.put_object(Bucket="src", Key="big.bin", Body=data)
    config = TransferConfig(multipart_threshold=5 * mib, multipart_chunksize=5 * mib)

    handler(s3_event("src", "big.bin", size=len(data)), None, s3_client=s3, transfer_config=config)

    copied = s3.get_object(Bucket="dst1", Key="big.bin")
    assert copied["Body"].read() == data
    assert copied["ETag"].strip('"').endswith("-3")  # a multipart object of three parts


class RecordingS3:
    """A stub S3 client that records managed copies (and fails on anything else)."""

    def __init__(self) -> None:
        self.copies: list[tuple[dict[str, str], str, str, Any]] = []

    def copy(self, CopySource: dict[str, str], Bucket: str, Key: str, Config: Any = None) -> None:
        """Record a managed copy."""
        self.copies.append((CopySource, Bucket, Key, Config))


def test_uses_boto3_managed_copy_with_the_version(
    s3_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, [("dst1", "out/")], [("src", "in/")])
    event = s3_event("src", "in/x y.csv")
    event["Records"][0]["s3"]["object"]["versionId"] = "v123"
    stub = RecordingS3()

    handler(event, None, s3_client=stub)  # type: ignore[arg-type]

    assert stub.copies == [
        ({"Bucket": "src", "Key": "in/x y.csv", "VersionId": "v123"}, "dst1", "out/x y.csv", None)
    ]


def test_removals_and_self_copies_are_skipped(
    s3_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, [("src", ""), ("dst1", "")], [("src", "")])
    stub = RecordingS3()
    event = s3_event("src", "a.txt")
    event["Records"] += s3_event("src", "b.txt", event_name="ObjectRemoved:Delete")["Records"]

    summary = handler(event, None, s3_client=stub)  # type: ignore[arg-type]

    assert [(bucket, key) for _, bucket, key, _ in stub.copies] == [("dst1", "a.txt")]
    assert summary["skipped"] == [
        {"source": "s3://src/a.txt", "reason": "destination is the source"},
        {"source": "s3://src/b.txt", "reason": "event ObjectRemoved:Delete"},
    ]


def test_s3_test_event_copies_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, [("dst1", "")], [("src", "")])
    stub = RecordingS3()
    summary = handler({"Event": "s3:TestEvent", "Bucket": "src"}, None, s3_client=stub)  # type: ignore[arg-type]
    assert summary == {"copied": [], "skipped": []} and stub.copies == []


def test_no_s3_destination_is_a_configuration_error(
    s3_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JAYA_DESTINATIONS", "[]")
    monkeypatch.setenv("JAYA_SOURCES", "[]")
    with pytest.raises(RuntimeConfigurationError, match=r"names no S3 bucket.*>> S3\(name\)"):
        handler(s3_event("src", "a"), None, s3_client=RecordingS3())  # type: ignore[arg-type]


def test_missing_environment_fails_before_any_copy(
    s3_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JAYA_DESTINATIONS", raising=False)
    stub = RecordingS3()
    with pytest.raises(RuntimeConfigurationError, match="not deployed by jaya_pulumi"):
        handler(s3_event("src", "a"), None, s3_client=stub)  # type: ignore[arg-type]
    assert stub.copies == []


def test_environ_can_be_passed_explicitly(s3_event: Event) -> None:
    environ = {
        "JAYA_DESTINATIONS": json.dumps([{"type": "s3", "bucket": "d", "prefix": "p/"}]),
        "JAYA_SOURCES": json.dumps([{"bucket": "src", "prefix": ""}]),
    }
    stub = RecordingS3()
    handler(s3_event("src", "a"), None, s3_client=stub, environ=environ)  # type: ignore[arg-type]
    assert [(b, k) for _, b, k, _ in stub.copies] == [("d", "p/a")]


def test_the_handler_makes_one_s3_client_per_container(monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    from jaya_pulumi.runtime import _clients, copy

    made: list[str] = []
    monkeypatch.setattr(_clients, "_CLIENTS", {})
    monkeypatch.setattr(boto3, "client", lambda service: made.append(service) or object())
    monkeypatch.setenv("JAYA_DESTINATIONS", '[{"type": "s3", "bucket": "dst", "prefix": ""}]')
    monkeypatch.setenv("JAYA_SOURCES", '[{"bucket": "src", "prefix": ""}]')
    removed = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete",
                            "s3": {"bucket": {"name": "src"}, "object": {"key": "k", "size": 0}}}]}  # fmt: skip
    for _ in range(3):
        copy.handler(removed, None)
    assert made == ["s3"]
