"""Firehose's service limits, its errors as botocore raises them, and a stream's settings."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from jaya_pulumi.redshift.spec import TableSpec

__all__ = [
    "MAX_BYTES_PER_CALL",
    "MAX_RECORDS_PER_CALL",
    "MAX_RECORD_BYTES",
    "MIB",
    "StreamSettings",
    "client_error",
]

MAX_RECORDS_PER_CALL = 500
"""Most records one ``PutRecordBatch`` call accepts."""
MAX_RECORD_BYTES = 1_024_000
"""Largest record Firehose accepts: 1,000 KiB of data (before base64)."""
MAX_BYTES_PER_CALL = 4 * 1024 * 1024
"""Most record data one ``PutRecordBatch`` call accepts: 4 MiB."""
MIB = 1024 * 1024


def client_error(code: str, message: str, operation: str = "PutRecordBatch") -> ClientError:
    """An error exactly as botocore raises it for a 400 answer from Firehose."""
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {
            "HTTPStatusCode": 400,
            "RequestId": str(uuid.uuid4()),
            "HTTPHeaders": {},
            "RetryAttempts": 0,
        },
    }
    return ClientError(response, operation)


@dataclass(frozen=True)
class StreamSettings:
    """One delivery stream as registered: where it stages records and which table it loads."""

    name: str
    """The stream's physical name."""
    arn: str
    """The stream's ARN."""
    bucket: str
    """The holding bucket's name."""
    prefix: str = ""
    """Key prefix of staged objects (verbatim)."""
    error_prefix: str = "errors/"
    """Key prefix of error objects (``errorOutputPrefix``)."""
    buffering_interval: int = 300
    """Seconds after which buffered records are delivered."""
    buffering_size_mb: int = 5
    """MiB of buffered records that trigger a delivery."""
    compression: str = "UNCOMPRESSED"
    """``GZIP`` or ``UNCOMPRESSED``."""
    copy_options: str = "JSON 'auto'"
    """The COPY options (``copyOptions``)."""
    columns: tuple[str, ...] | None = None
    """The COPY column list (``dataTableColumns``); ``None`` for all of the table's."""
    table: TableSpec | None = None
    """The table COPY loads; ``None`` stages only."""
    version: int = 1
    """The stream's version id, part of every object name."""

    @classmethod
    def from_inputs(
        cls, inputs: Mapping[str, Any], *, arn: str, table: TableSpec | None
    ) -> StreamSettings:
        """Read a ``FirehoseDeliveryStream``'s registered Pulumi inputs (Redshift destination).

        :raises ValueError: when the stream has no Redshift configuration or no holding bucket.
        """
        redshift = inputs.get("redshiftConfiguration") or {}
        s3 = redshift.get("s3Configuration") or {}
        if not redshift or not s3.get("bucketArn"):
            raise ValueError(
                f"only Redshift destinations with an s3Configuration are emulated; "
                f"{inputs.get('name')!r} has destination {inputs.get('destination')!r}"
            )
        columns = str(redshift.get("dataTableColumns") or "")
        return cls(
            name=str(inputs["name"]),
            arn=arn,
            bucket=str(s3["bucketArn"]).split(":::", 1)[-1],
            prefix=str(s3.get("prefix") or ""),
            error_prefix=str(s3.get("errorOutputPrefix") or "errors/"),
            buffering_interval=int(s3.get("bufferingInterval", 300)),
            buffering_size_mb=int(s3.get("bufferingSize", 5)),
            compression=str(s3.get("compressionFormat") or "UNCOMPRESSED").upper(),
            copy_options=str(redshift.get("copyOptions") or ""),
            columns=tuple(c.strip() for c in columns.split(",") if c.strip()) or None,
            table=table,
        )
