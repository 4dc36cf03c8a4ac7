"""The record Lambda sends to an on-failure destination after an asynchronous invocation fails.

Shaped as documented in "Capturing records of Lambda asynchronous invocations"
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html): the local
harness sends it to a function's failure queue, and tests build it to fill a queue for redrive.
"""

from __future__ import annotations

import datetime
import traceback
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["FAILURE_CONDITIONS", "destination_record", "error_payload"]

FAILURE_CONDITIONS = ("RetriesExhausted", "EventAgeExceeded")
"""Why Lambda gave up on an event: every attempt failed, or the event outlived its maximum age."""


def error_payload(error: BaseException) -> dict[str, Any]:
    """The ``responsePayload`` of a handler that raised ``error``, as the Python runtime writes it."""
    frames = traceback.format_tb(error.__traceback__)
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": "",
        "stackTrace": [frame.rstrip("\n") for frame in frames],
    }


def destination_record(
    function_arn: str,
    event: Any,
    *,
    error: BaseException | Mapping[str, Any],
    approximate_invoke_count: int = 3,
    condition: str = "RetriesExhausted",
    request_id: str | None = None,
    timestamp: datetime.datetime | None = None,
    executed_version: str = "$LATEST",
) -> dict[str, Any]:
    """The on-failure destination record of ``event``, which ``function_arn`` failed on.

    :param function_arn: the invoked ARN, qualified by version or alias
        (``arn:aws:lambda:<region>:<account>:function:<name>:<alias>``).
    :param event: the event the function was invoked with (``requestPayload``).
    :param error: the exception of the last attempt, or a ready ``responsePayload`` mapping
        with ``errorMessage``, ``errorType`` and ``stackTrace``.
    :param approximate_invoke_count: how many times Lambda invoked the function (retries + 1).
    :param condition: ``"RetriesExhausted"`` or ``"EventAgeExceeded"``.
    :param request_id: the invocation's request id; a fresh UUID by default.
    :param timestamp: when Lambda gave up; now (UTC) by default.
    :param executed_version: the version that ran.
    :raises ValueError: an unknown ``condition`` or an invoke count below 1.
    """
    if condition not in FAILURE_CONDITIONS:
        raise ValueError(
            f"condition {condition!r} is not one Lambda reports; use one of {FAILURE_CONDITIONS}."
        )
    if approximate_invoke_count < 1:
        raise ValueError(
            f"approximate_invoke_count must be at least 1, got {approximate_invoke_count}."
        )
    when = timestamp or datetime.datetime.now(datetime.UTC)
    payload = error_payload(error) if isinstance(error, BaseException) else dict(error)
    missing: Sequence[str] = [k for k in ("errorMessage", "errorType") if k not in payload]
    if missing:
        raise ValueError(f"the error payload lacks {', '.join(missing)}.")
    payload.setdefault("stackTrace", [])
    return {
        "version": "1.0",
        "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z",
        "requestContext": {
            "requestId": request_id or str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": approximate_invoke_count,
        },
        "requestPayload": event,
        "responseContext": {
            "statusCode": 200,
            "executedVersion": executed_version,
            "functionError": "Unhandled",
        },
        "responsePayload": payload,
    }
