"""The code that runs inside every jaya_pulumi Lambda function.

This package is copied into each function's archive and imports only the standard library and
boto3 (lazily, inside handlers), so importing it costs nothing and never pulls in pulumi.
The handlers live in :mod:`jaya_pulumi.runtime.copy` (``CopyS3Lambda``) and
:mod:`jaya_pulumi.runtime.firehose` (``MapS3ToFirehoseLambda``); this module exposes what user
code running in a function may call: where the function writes (:func:`destinations`,
:func:`streams`) and how to send there (:func:`send`), what triggered it (:func:`s3_objects`,
:func:`sources`), partial batch responses behind SQS (:func:`partial_batch`), and its errors.
"""

from __future__ import annotations

from ._batch import each_message, is_sqs_batch, partial_batch
from ._config import (
    Destination,
    QueueDestination,
    S3Destination,
    S3Source,
    TopicDestination,
    destinations,
    sources,
    streams,
)
from ._events import S3Object, s3_objects
from ._send import MAX_MESSAGE_BYTES, send
from .errors import (
    AccessDeniedError,
    DeliveryError,
    EventFormatError,
    JayaRuntimeError,
    MapResultError,
    MessageTooLargeError,
    RecordTooLargeError,
    RuntimeConfigurationError,
    S3AccessDeniedError,
    UnknownFirehoseError,
)

__all__ = [
    "MAX_MESSAGE_BYTES",
    "AccessDeniedError",
    "DeliveryError",
    "Destination",
    "EventFormatError",
    "JayaRuntimeError",
    "MapResultError",
    "MessageTooLargeError",
    "QueueDestination",
    "RecordTooLargeError",
    "RuntimeConfigurationError",
    "S3AccessDeniedError",
    "S3Destination",
    "S3Object",
    "S3Source",
    "TopicDestination",
    "UnknownFirehoseError",
    "destinations",
    "each_message",
    "is_sqs_batch",
    "partial_batch",
    "s3_objects",
    "send",
    "sources",
    "streams",
]
