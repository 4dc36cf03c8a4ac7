"""Every exception the Lambda runtime raises on purpose.

The runtime ships alone inside each Lambda archive, so it cannot import :mod:`jaya_pulumi.errors`;
its errors share their own base class, :class:`JayaRuntimeError`, instead.
"""

from __future__ import annotations

__all__ = [
    "DeliveryError",
    "EventFormatError",
    "JayaRuntimeError",
    "MapResultError",
    "RecordTooLargeError",
    "RuntimeConfigurationError",
    "UnknownFirehoseError",
]


class JayaRuntimeError(Exception):
    """Base class of every error the Lambda runtime raises deliberately."""


class RuntimeConfigurationError(JayaRuntimeError):
    """An environment variable written by jaya_pulumi at deploy time is missing or malformed."""


class UnknownFirehoseError(RuntimeConfigurationError):
    """A map function routed records to a Firehose the pipeline does not connect to the function."""


class EventFormatError(JayaRuntimeError, ValueError):
    """The invocation event is not an S3 event notification."""


class MapResultError(JayaRuntimeError, TypeError):
    """A map function returned something other than a list of ``{firehose_name, result}`` dicts."""


class RecordTooLargeError(JayaRuntimeError, ValueError):
    """A single record exceeds Firehose's per-record limit of 1,000 KiB."""


class DeliveryError(JayaRuntimeError):
    """Firehose kept rejecting records until the retry budget ran out; the invocation must fail."""
