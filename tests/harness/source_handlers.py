"""Handlers the queue, topic and schedule harness tests deploy by module reference."""

from __future__ import annotations

import json
from typing import Any

import boto3

from jaya_pulumi.runtime import (
    QueueDestination,
    S3Destination,
    destinations,
    partial_batch,
    s3_objects,
    send,
)


def _buckets() -> list[S3Destination]:
    return [d for d in destinations() if isinstance(d, S3Destination)]


def shout(event: dict[str, Any], context: Any) -> list[str]:
    """Write each object upper-cased, as ``<key>.upper``, in every S3 destination."""
    s3 = boto3.client("s3")
    written = []
    for obj in s3_objects(event):
        body = s3.get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read()
        for target in _buckets():
            key = f"{target.prefix}{obj.key}.upper"
            s3.put_object(Bucket=target.bucket, Key=key, Body=body.upper())
            written.append(f"s3://{target.bucket}/{key}")
    return written


@partial_batch
def picky(event: dict[str, Any], context: Any) -> list[str]:
    """As :func:`shout`, per message; an object whose key holds ``bad`` fails its message."""
    for obj in s3_objects(event):
        if "bad" in obj.key:
            raise ValueError(f"refusing {obj.key}")
    return shout(event, context)


def nightly(event: dict[str, Any], context: Any) -> str:
    """Write the scheduled event's detail type and time to every S3 destination."""
    s3 = boto3.client("s3")
    for target in _buckets():
        key = f"{target.prefix}nightly/{event['time'][:10]}.json"
        s3.put_object(Bucket=target.bucket, Key=key, Body=json.dumps(event).encode())
    return str(event["detail-type"])


def forward(event: dict[str, Any], context: Any) -> list[str]:
    """Send each object's bucket and key to every queue and topic the function writes to."""
    sent = []
    for obj in s3_objects(event):
        for target in destinations():
            if not isinstance(target, S3Destination):
                sent.append(send(target, {"bucket": obj.bucket, "key": obj.key}))
    return sent


def from_messages(event: dict[str, Any], context: Any) -> list[str]:
    """Behind SQS: each message names ``{"bucket", "key"}``; write the message under that key."""
    s3 = boto3.client("s3")
    written = []
    for record in event["Records"]:
        named = json.loads(record["body"])
        for target in _buckets():
            key = f"{target.prefix}{named['key']}.relayed"
            s3.put_object(Bucket=target.bucket, Key=key, Body=record["body"].encode())
            written.append(f"s3://{target.bucket}/{key}")
    return written


def echo_back(event: dict[str, Any], context: Any) -> str:
    """Send each message back to the queue it came from (the role may only read that queue)."""
    for record in event["Records"]:
        arn = record["eventSourceARN"]
        region, account, name = arn.split(":")[3:6]
        url = f"https://sqs.{region}.amazonaws.com/{account}/{name}"
        send(QueueDestination(name, url, arn), record["body"])
    return "sent"
