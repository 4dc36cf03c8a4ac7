"""User handlers the Firehose harness tests deploy by module reference."""

from __future__ import annotations

import json
from typing import Any

import boto3


def send_unjoined(event: dict[str, Any], context: Any) -> None:
    """Send a record to a stream the pipeline does not join to this function (no IAM grant)."""
    boto3.client("firehose").put_record_batch(
        DeliveryStreamName="grant-stream", Records=[{"Data": b'{"name": "sneaky"}\n'}]
    )


def json_mapper(line: Any, bucket: str, key: str) -> list[dict[str, Any]]:
    """Parse each line as JSON and send it to ``grant-stream``."""
    return [{"firehose_name": "grant-stream", "result": [json.loads(line)]}]


def fails_on_1200(line: Any, bucket: str, key: str) -> list[dict[str, Any]]:
    """Like :func:`json_mapper`, but raise on the record whose ``n`` is 1200."""
    record = json.loads(line)
    if record["n"] == 1200:
        raise ValueError(f"record {record['n']} is bad")
    return [{"firehose_name": "grant-stream", "result": [record]}]


def typed_mapper(line: Any, bucket: str, key: str) -> list[dict[str, Any]]:
    """Return what data code naturally returns: a ``datetime`` and a ``Decimal``."""
    import datetime
    import decimal

    record = json.loads(line)
    at = datetime.datetime.fromisoformat(record["at"])
    return [
        {
            "firehose_name": "grant-stream",
            "result": [{"at": at, "amount": decimal.Decimal(record["amount"])}],
        }
    ]
