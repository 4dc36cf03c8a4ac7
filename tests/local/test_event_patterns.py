"""EventBridge pattern matching in the local cloud, on the events S3 sends EventBridge."""

from __future__ import annotations

from typing import Any

import pytest

from jaya_pulumi.local.errors import HarnessError
from jaya_pulumi.local.events import matches, s3_eventbridge_event


def created(key: str, how: str = "ObjectCreated:Put") -> dict[str, Any]:
    event = s3_eventbridge_event("123456789012", "us-east-1", "raw", key, how, 3, "e", None)
    assert event is not None
    return event


def pattern(**key: Any) -> dict[str, Any]:
    return {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": ["raw"]}, "object": {"key": [key]}},
    }


def test_overlapping_prefix_and_suffix_rules_both_match_one_object() -> None:
    event = created("in/orders.csv")
    assert matches(pattern(prefix="in/"), event)
    assert matches(pattern(suffix=".csv"), event)
    assert not matches(pattern(prefix="out/"), event)


def test_wildcard_matches_prefix_and_suffix_and_an_escaped_star_only_a_star() -> None:
    assert matches(pattern(wildcard="in/*.csv"), created("in/a/b.csv"))
    assert not matches(pattern(wildcard="in/*.csv"), created("in/a/b.json"))
    assert matches(pattern(wildcard=r"in/\*.csv"), created("in/*.csv"))
    assert not matches(pattern(wildcard=r"in/\*.csv"), created("in/a.csv"))


def test_reason_and_detail_type_select_the_event_kind() -> None:
    copy = created("k", "ObjectCreated:Copy")
    assert copy["detail"]["reason"] == "CopyObject"
    assert matches({"detail": {"reason": ["CopyObject"]}}, copy)
    assert not matches({"detail": {"reason": ["PutObject"]}}, copy)
    removed = s3_eventbridge_event(
        "1", "us-east-1", "raw", "k", "ObjectRemoved:Delete", 0, "", None
    )
    assert removed is not None and removed["detail-type"] == "Object Deleted"
    assert not matches(pattern(prefix=""), removed)


def test_anything_but_and_exists() -> None:
    event = created("in/a.csv")
    assert matches({"detail": {"bucket": {"name": [{"anything-but": ["other"]}]}}}, event)
    assert not matches({"detail": {"bucket": {"name": [{"anything-but": "raw"}]}}}, event)
    assert matches({"detail": {"object": {"etag": [{"exists": True}]}}}, event)
    assert not matches({"detail": {"object": {"version-id": [{"exists": True}]}}}, event)


def test_an_unsupported_pattern_is_an_error_not_a_silent_miss() -> None:
    with pytest.raises(HarnessError, match="numeric"):
        matches({"detail": {"object": {"size": [{"numeric": [">", 0]}]}}}, created("a"))
