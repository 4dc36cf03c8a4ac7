"""The code that runs inside every jaya_pulumi Lambda function.

This package is copied into each function's archive and imports only the standard library and
boto3 (lazily, inside handlers), so importing it costs nothing and never pulls in pulumi.
The handlers live in :mod:`jaya_pulumi.runtime.copy` (``CopyS3Lambda``) and
:mod:`jaya_pulumi.runtime.firehose` (``MapS3ToFirehoseLambda``); this module exposes what user
code running in a function may call: where the function writes, what triggered it, and its errors.
"""

from __future__ import annotations

from ._config import S3Destination, S3Source, destinations, sources, streams
from ._events import S3Object, s3_objects
from .errors import (
    DeliveryError,
    EventFormatError,
    JayaRuntimeError,
    MapResultError,
    RecordTooLargeError,
    RuntimeConfigurationError,
    S3AccessDeniedError,
    UnknownFirehoseError,
)

__all__ = [
    "DeliveryError",
    "EventFormatError",
    "JayaRuntimeError",
    "MapResultError",
    "RecordTooLargeError",
    "RuntimeConfigurationError",
    "S3AccessDeniedError",
    "S3Destination",
    "S3Object",
    "S3Source",
    "UnknownFirehoseError",
    "destinations",
    "s3_objects",
    "sources",
    "streams",
]
