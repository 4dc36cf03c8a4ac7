"""S3 event notifications shaped exactly as S3 delivers them to Lambda (event version 2.1).

See https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html.
Keys are URL-encoded the way S3 encodes them (``quote_plus`` keeping ``/``: a space becomes ``+``).
Not emulated: the ``glacierEventData`` of restore events and ``s3:TestEvent`` messages.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import secrets
from typing import Any
from urllib.parse import quote_plus

from jaya_pulumi.mocks._mocks import DEFAULT_REGION

__all__ = ["s3_event", "s3_record"]

_OWNER = "A3NL1KOZZKEXAMPLE"
_sequence = itertools.count(0x0055AED6DCD90281E5)


def _event_time() -> str:
    now = datetime.datetime.now(datetime.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def s3_record(
    bucket: str,
    key: str,
    *,
    event_name: str = "ObjectCreated:Put",
    size: int | None = None,
    etag: str | None = None,
    version_id: str | None = None,
    region: str = DEFAULT_REGION,
    configuration_id: str = "jaya-local",
    principal_id: str = "AWS:AIDAJAYATESTUSER",
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """One ``Records[i]`` entry as S3 sends it; ``key`` is given decoded and encoded here."""
    name = event_name[3:] if event_name.startswith("s3:") else event_name
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/")}
    if not name.startswith(("ObjectRemoved:", "LifecycleExpiration:")):
        obj["size"] = 0 if size is None else size
        obj["eTag"] = (
            etag if etag is not None else hashlib.md5(b"", usedforsecurity=False).hexdigest()
        )
    if version_id and version_id != "null":
        obj["versionId"] = version_id
    obj["sequencer"] = f"{next(_sequence):018X}"
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": _event_time(),
        "eventName": name,
        "userIdentity": {"principalId": principal_id},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {
            "x-amz-request-id": secrets.token_hex(8).upper(),
            "x-amz-id-2": secrets.token_urlsafe(48),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": _OWNER},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }


def s3_event(
    bucket: str,
    key: str,
    *,
    body: bytes | None = None,
    event_name: str = "ObjectCreated:Put",
    size: int | None = None,
    etag: str | None = None,
    version_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """An S3 event notification for one object, as Lambda receives it (for ``h.invoke``).

    :param bucket: the bucket name.
    :param key: the object key, not encoded (it is URL-encoded in the event, as S3 does).
    :param body: the object's bytes, from which ``size`` and ``eTag`` are computed.
    :param event_name: ``ObjectCreated:Put`` by default (the ``s3:`` prefix is dropped).
    :param size: the object size, when ``body`` is not given.
    :param etag: the entity tag, when ``body`` is not given.
    :param version_id: the version, for versioned buckets.
    :param region: the bucket's region.
    """
    if body is not None:
        size = len(body) if size is None else size
        etag = etag or hashlib.md5(body, usedforsecurity=False).hexdigest()
    record = s3_record(
        bucket,
        key,
        event_name=event_name,
        size=size,
        etag=etag,
        version_id=version_id,
        region=region,
    )
    return {"Records": [record]}
