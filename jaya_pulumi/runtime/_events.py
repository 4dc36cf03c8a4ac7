"""Parse S3 event notifications into :class:`S3Object` values.

Supported: S3 event notifications delivered straight to Lambda; the same notifications wrapped by
SNS, by SQS, or by SNS then SQS (a queue subscribed to a topic, with or without raw message
delivery); and S3's EventBridge events (``"source": "aws.s3"``, ``Object Created`` /
``Object Deleted``), straight or through an SQS queue. An EventBridge event's key is taken as it
is (EventBridge does not URL-encode it) and its ``reason`` becomes the notification's event name
(``PutObject`` -> ``ObjectCreated:Put``). ``s3:TestEvent`` messages, which S3 sends when a
notification is configured, are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from .errors import EventFormatError

__all__ = ["S3Object", "s3_objects"]


@dataclass(frozen=True, slots=True)
class S3Object:
    """One object named by an S3 event record; ``key`` is already URL-decoded."""

    bucket: str
    key: str
    size: int
    event_name: str
    """The record's ``eventName`` as S3 sends it, e.g. ``ObjectCreated:Put``."""
    event_time: str
    """The record's ``eventTime``, an ISO 8601 string such as ``2026-01-01T00:00:00.000Z``."""
    version_id: str | None = None
    etag: str | None = None

    @property
    def created(self) -> bool:
        """True when the record reports a created object (``ObjectCreated:*``)."""
        return self.event_name.startswith("ObjectCreated:")


def s3_objects(event: Mapping[str, Any]) -> list[S3Object]:
    """Return the objects named by an S3 event notification, in record order.

    Keys arrive URL-encoded (a space as ``+``, non-ASCII bytes as ``%XX``) and are decoded here.

    :param event: the Lambda event, as passed to the handler.
    :raises EventFormatError: the event is not an S3 event notification.
    """
    if not isinstance(event, Mapping):
        raise EventFormatError(f"expected an S3 event notification (a dict), got {_brief(event)}")
    if event.get("Event") == "s3:TestEvent":
        return []
    if event.get("source") == "aws.s3" and isinstance(event.get("detail"), Mapping):
        return [_parse_eventbridge(event)]
    if event.get("Type") == "Notification" and "Message" in event:  # SNS's envelope, in SQS
        return s3_objects(_unwrap(0, event["Message"]))
    records = event.get("Records")
    if not isinstance(records, list):
        raise EventFormatError(
            f"expected an S3 event notification with a 'Records' list, got {_brief(event)}"
        )
    result: list[S3Object] = []
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise EventFormatError(f"record {index} is not an object: {_brief(record)}")
        if "s3" in record:
            result.append(_parse_record(index, record))
        elif isinstance(record.get("Sns"), Mapping):
            result.extend(s3_objects(_unwrap(index, record["Sns"].get("Message"))))
        elif record.get("eventSource") == "aws:sqs":
            result.extend(s3_objects(_unwrap(index, record.get("body"))))
        else:
            raise EventFormatError(
                f"record {index} is not an S3 event record (no 's3' field): {_brief(record)}"
            )
    return result


def _parse_record(index: int, record: Mapping[str, Any]) -> S3Object:
    """Turn one ``Records[i]`` entry into an S3Object."""
    try:
        s3 = record["s3"]
        obj = s3["object"]
        return S3Object(
            bucket=str(s3["bucket"]["name"]),
            key=unquote_plus(obj["key"]),
            size=int(obj.get("size", 0)),
            event_name=str(record.get("eventName", "")),
            event_time=str(record.get("eventTime", "")),
            # Unversioned objects carry no versionId (or the string "null"): no version to pin.
            version_id=None
            if obj.get("versionId") in (None, "", "null")
            else str(obj["versionId"]),
            etag=obj.get("eTag") or None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise EventFormatError(
            f"record {index} lacks s3.bucket.name or s3.object.key ({exc!r}): {_brief(record)}"
        ) from exc


_EVENTBRIDGE_REASONS = {
    "PutObject": "ObjectCreated:Put",
    "POST Object": "ObjectCreated:Post",
    "PostObject": "ObjectCreated:Post",
    "CopyObject": "ObjectCreated:Copy",
    "CompleteMultipartUpload": "ObjectCreated:CompleteMultipartUpload",
}


def _parse_eventbridge(event: Mapping[str, Any]) -> S3Object:
    """Turn S3's EventBridge event (``detail-type`` ``Object Created``, ...) into an S3Object."""
    detail = event["detail"]
    kind = str(event.get("detail-type", ""))
    try:
        obj = detail["object"]
        if kind == "Object Created":
            reason = str(detail.get("reason", ""))
            name = _EVENTBRIDGE_REASONS.get(reason, f"ObjectCreated:{reason}")
        elif kind == "Object Deleted":
            marker = detail.get("deletion-type") == "Delete Marker Created"
            name = "ObjectRemoved:DeleteMarkerCreated" if marker else "ObjectRemoved:Delete"
        else:
            name = kind
        version = obj.get("version-id")
        return S3Object(
            bucket=str(detail["bucket"]["name"]),
            key=str(obj["key"]),
            size=int(obj.get("size", 0)),
            event_name=name,
            event_time=str(event.get("time", "")),
            version_id=None if version in (None, "", "null") else str(version),
            etag=obj.get("etag") or obj.get("eTag") or None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise EventFormatError(
            f"S3's EventBridge event lacks detail.bucket.name or detail.object.key ({exc!r}): "
            f"{_brief(event)}"
        ) from exc


def _unwrap(index: int, message: Any) -> Mapping[str, Any]:
    """Decode the JSON S3 notification carried by an SNS or SQS record."""
    try:
        inner = json.loads(message)
    except (TypeError, ValueError) as exc:
        raise EventFormatError(
            f"record {index} wraps a message that is not a JSON S3 notification: {_brief(message)}"
        ) from exc
    if not isinstance(inner, Mapping):
        raise EventFormatError(f"record {index} wraps {_brief(inner)}, not an S3 notification")
    return inner


def _brief(value: Any, limit: int = 300) -> str:
    """Return a short repr of ``value`` for error messages."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
