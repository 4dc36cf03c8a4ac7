"""Handlers the local IAM tests deploy by module reference: each makes calls AWS would refuse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import ClientError

from jaya_pulumi.runtime import destinations, s3_objects

STREAM = "iam-own-stream"
"""The stream the Firehose test's function is joined to (so may only PutRecordBatch to)."""


def _outcome(call: Callable[[], Any]) -> str:
    try:
        call()
    except ClientError as exc:
        error = exc.response["Error"]
        status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
        return f"{status} {error['Code']}: {error.get('Message', '')}"
    return "allowed"


def create_backdoor_user(event: dict[str, Any], context: Any) -> None:
    """Create an IAM user: no pipeline grants this."""
    boto3.client("iam").create_user(UserName="backdoor")


def copy_with_tags(event: dict[str, Any], context: Any) -> None:
    """Write each object to every destination with tags (``s3:PutObjectTagging`` too)."""
    s3 = boto3.client("s3")
    for obj in s3_objects(event):
        for target in destinations():
            s3.put_object(
                Bucket=target.bucket, Key=target.prefix + obj.key, Body=b"x", Tagging="team=data"
            )


def manage_own_stream(event: dict[str, Any], context: Any) -> dict[str, str]:
    """Put a record to the joined stream, then try to describe and delete it."""
    firehose = boto3.client("firehose")
    return {
        "put": _outcome(
            lambda: firehose.put_record_batch(
                DeliveryStreamName=STREAM, Records=[{"Data": b'{"name": "ok"}\n'}]
            )
        ),
        "describe": _outcome(lambda: firehose.describe_delivery_stream(DeliveryStreamName=STREAM)),
        "delete": _outcome(lambda: firehose.delete_delivery_stream(DeliveryStreamName=STREAM)),
    }


def read_missing(event: dict[str, Any], context: Any) -> dict[str, str]:
    """Read the event's object, then get and head a key next to it that does not exist."""
    s3 = boto3.client("s3")
    obj = s3_objects(event)[0]
    missing = obj.key + ".missing"
    return {
        "present": _outcome(lambda: s3.get_object(Bucket=obj.bucket, Key=obj.key)),
        "get": _outcome(lambda: s3.get_object(Bucket=obj.bucket, Key=missing)),
        "head": _outcome(lambda: s3.head_object(Bucket=obj.bucket, Key=missing)),
    }


def write_back(event: dict[str, Any], context: Any) -> None:
    """Write each object back into its own bucket under ``again/``: the loop no graph shows."""
    s3 = boto3.client("s3")
    for obj in s3_objects(event):
        s3.put_object(Bucket=obj.bucket, Key=f"again/{obj.key}", Body=b"x")


def other_services(event: dict[str, Any], context: Any) -> dict[str, str]:
    """Create a queue and read a secret: no pipeline grants either."""
    return {
        "sqs": _outcome(lambda: boto3.client("sqs").create_queue(QueueName="side-channel")),
        "secret": _outcome(
            lambda: boto3.client("secretsmanager").get_secret_value(SecretId="db-creds")
        ),
        "whoami": _outcome(lambda: boto3.client("sts").get_caller_identity()),
    }
