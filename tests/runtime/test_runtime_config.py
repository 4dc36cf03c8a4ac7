"""destinations(), streams() and sources(): reading what the deployment layer wrote."""

from __future__ import annotations

import json

import pytest

from jaya_pulumi.runtime import (
    JayaRuntimeError,
    RuntimeConfigurationError,
    S3Destination,
    S3Source,
    destinations,
    sources,
    streams,
)

DESTINATIONS = json.dumps(
    [
        {"type": "s3", "bucket": "raw-1a2b", "prefix": "in/"},
        {"type": "firehose", "name": "my-firehose", "stream": "my-firehose-9f8e"},
        {"type": "s3", "bucket": "archive-3c4d", "prefix": ""},
        {"type": "firehose", "name": "audit", "stream": "audit-7a6b"},
    ]
)


def test_destinations_are_the_s3_entries_in_edge_order() -> None:
    result = destinations({"JAYA_DESTINATIONS": DESTINATIONS})
    assert result == [S3Destination("raw-1a2b", "in/"), S3Destination("archive-3c4d", "")]
    assert result[0].bucket == "raw-1a2b" and result[0].prefix == "in/"


def test_destination_is_frozen() -> None:
    destination = destinations({"JAYA_DESTINATIONS": DESTINATIONS})[0]
    with pytest.raises(AttributeError):
        destination.bucket = "other"  # type: ignore[misc]


def test_streams_map_logical_names_to_physical_streams() -> None:
    assert streams({"JAYA_DESTINATIONS": DESTINATIONS}) == {
        "my-firehose": "my-firehose-9f8e",
        "audit": "audit-7a6b",
    }


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAYA_DESTINATIONS", DESTINATIONS)
    monkeypatch.setenv("JAYA_SOURCES", json.dumps([{"bucket": "src-1", "prefix": "incoming/"}]))
    assert [d.bucket for d in destinations()] == ["raw-1a2b", "archive-3c4d"]
    assert streams()["audit"] == "audit-7a6b"
    assert sources() == [S3Source("src-1", "incoming/")]


def test_sources_prefix_may_be_empty_or_absent() -> None:
    raw = json.dumps([{"bucket": "a", "prefix": ""}, {"bucket": "b"}])
    assert sources({"JAYA_SOURCES": raw}) == [S3Source("a", ""), S3Source("b", "")]


def test_empty_lists_are_valid() -> None:
    assert destinations({"JAYA_DESTINATIONS": "[]"}) == []
    assert streams({"JAYA_DESTINATIONS": "[]"}) == {}
    assert sources({"JAYA_SOURCES": "[]"}) == []


def test_missing_variable_says_the_function_was_not_deployed_by_jaya() -> None:
    with pytest.raises(RuntimeConfigurationError) as info:
        destinations({})
    message = str(info.value)
    assert "JAYA_DESTINATIONS is not set" in message
    assert "not deployed by jaya_pulumi" in message
    assert "edited" in message
    with pytest.raises(RuntimeConfigurationError, match="JAYA_SOURCES is not set"):
        sources({})
    with pytest.raises(RuntimeConfigurationError, match="JAYA_DESTINATIONS is not set"):
        streams({})


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("{not json", "not valid JSON"),
        ('{"type": "s3", "bucket": "b"}', "expected a JSON list"),
        ('["s3://b"]', "entry 0 is not a JSON object"),
        ('[{"type": "s3"}]', "entry 0 needs a non-empty string 'bucket'"),
        ('[{"type": "s3", "bucket": ""}]', "non-empty string 'bucket'"),
        ('[{"type": "s3", "bucket": "b", "prefix": 3}]', "'prefix'"),
        ('[{"type": "kinesis", "stream": "k"}]', "entry 0 has type 'kinesis'"),
        ('[{"type": "firehose", "name": "f"}]', "'stream'"),
    ],
)
def test_malformed_destinations_name_the_problem_and_the_fix(raw: str, problem: str) -> None:
    with pytest.raises(RuntimeConfigurationError) as info:
        destinations({"JAYA_DESTINATIONS": raw})
    message = str(info.value)
    assert message.startswith("JAYA_DESTINATIONS is malformed")
    assert problem in message
    assert "edited by hand" in message and "Redeploy" in message
    # streams() reads the same variable and rejects the same input
    with pytest.raises(RuntimeConfigurationError):
        streams({"JAYA_DESTINATIONS": raw})


def test_one_logical_firehose_cannot_map_to_two_streams() -> None:
    raw = json.dumps(
        [
            {"type": "firehose", "name": "f", "stream": "f-1"},
            {"type": "firehose", "name": "f", "stream": "f-2"},
        ]
    )
    with pytest.raises(RuntimeConfigurationError, match="'f' maps to two streams"):
        streams({"JAYA_DESTINATIONS": raw})


def test_malformed_sources() -> None:
    with pytest.raises(RuntimeConfigurationError, match=r"JAYA_SOURCES is malformed.*'bucket'"):
        sources({"JAYA_SOURCES": '[{"prefix": "x/"}]'})


def test_configuration_errors_share_the_runtime_base_class() -> None:
    with pytest.raises(JayaRuntimeError):
        sources({})
