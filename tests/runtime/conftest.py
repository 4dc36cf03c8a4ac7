"""Fixtures shared by the runtime tests: fake AWS credentials and realistic S3 events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote_plus

import pytest


def encode_key(key: str) -> str:
    """URL-encode a key the way S3 does in event notifications (space -> '+', UTF-8 -> %XX)."""
    return quote_plus(key, safe="/")


def make_s3_event(
    bucket: str, *keys: str, event_name: str = "ObjectCreated:Put", size: int = 10
) -> dict[str, Any]:
    """Build an S3 event notification naming ``keys`` in ``bucket``, keys encoded as S3 does."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-01-02T03:04:05.678Z",
                "eventName": event_name,
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "jaya",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {
                        "key": encode_key(key),
                        "size": size,
                        "eTag": "0123456789abcdef0123456789abcdef",
                        "sequencer": "0055AED6DCD90281E5",
                    },
                },
            }
            for key in keys
        ]
    }


@pytest.fixture
def s3_event() -> Callable[..., dict[str, Any]]:
    """Return the builder of realistic S3 event notifications."""
    return make_s3_event


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point boto3 at fake credentials in us-east-1 so nothing can reach a real account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield
