"""Every exception the Lambda runtime raises on purpose.

The runtime ships alone inside each Lambda archive, so it cannot import :mod:`jaya_pulumi.errors`;
its errors share their own base class, :class:`JayaRuntimeError`, instead.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AccessDeniedError",
    "DeliveryError",
    "EventFormatError",
    "JayaRuntimeError",
    "MapResultError",
    "MessageTooLargeError",
    "RecordTooLargeError",
    "RuntimeConfigurationError",
    "S3AccessDeniedError",
    "UnknownFirehoseError",
    "s3_access_denied",
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


class S3AccessDeniedError(JayaRuntimeError, PermissionError):
    """S3 answered 403 to a call the function made; the message names the permission it needed."""


class AccessDeniedError(JayaRuntimeError, PermissionError):
    """SQS or SNS refused a message the function sent; the message names the permission needed."""


class MessageTooLargeError(JayaRuntimeError, ValueError):
    """A message to a queue or topic exceeds the 256 KiB SQS and SNS accept."""


_DENIED = frozenset({"403", "AccessDenied", "Forbidden"})
_READS = frozenset({"s3:GetObject", "s3:GetObjectVersion"})


def s3_access_denied(
    exc: Exception, doing: str, needs: Sequence[tuple[str, str]]
) -> S3AccessDeniedError | None:
    """An :class:`S3AccessDeniedError` for ``exc`` when it is S3's 403, else ``None``.

    :param exc: the exception an S3 call raised (a botocore ``ClientError`` carries ``response``).
    :param doing: what the function was doing, e.g. ``reading s3://b/k (version v)``.
    :param needs: ``(action, resource ARN)`` pairs the call needs.
    """
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    error = response.get("Error") or {}
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    if str(error.get("Code", "")) not in _DENIED and status != 403:
        return None
    wanted = "; ".join(f"{action} on {resource}" for action, resource in needs)
    hint = (
        " An event from a versioned bucket names the object's version, and reading a version "
        "takes s3:GetObjectVersion: declare the bucket S3(..., versioning=True) so its functions "
        "get it, and redeploy."
        if any(action == "s3:GetObjectVersion" for action, _ in needs)
        else ""
    )
    if any(action in _READS for action, _ in needs):
        # AWS answers 403, not 404, for a missing key when the role may not list the bucket
        hint += (
            " If the role has that, the object may not exist (deleted, or never written): S3 "
            "answers 403 rather than 404 for a missing key when the role lacks s3:ListBucket "
            "on the bucket."
        )
    said = str(error.get("Message") or "")
    told = f" S3 said: {said}" if said and said not in ("Access Denied", "Forbidden") else ""
    return S3AccessDeniedError(
        f"S3 denied access (403) while {doing}: the function's role needs {wanted}.{hint}{told}"
    )
