"""Partial batch responses: a function behind SQS fails the messages that failed, not the batch.

An SQS event source mapping deployed by jaya_pulumi sets ``ReportBatchItemFailures``: the function
returns ``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}`` and SQS deletes every other
message of the batch; only the failed ones become visible again, to be retried and, after the
queue's ``maxReceiveCount`` receives, moved to its dead-letter queue. :func:`partial_batch` runs a
handler once per message to get there; ``CopyS3Lambda`` and ``MapS3ToFirehoseLambda`` use it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .errors import EventFormatError

__all__ = ["each_message", "is_sqs_batch", "partial_batch"]

_Handler = TypeVar("_Handler", bound=Callable[..., Any])

_logger = logging.getLogger(__name__)


def is_sqs_batch(event: Any) -> bool:
    """True when ``event`` is a batch an SQS event source mapping sent (every record from SQS)."""
    records = event.get("Records") if isinstance(event, Mapping) else None
    return (
        isinstance(records, list)
        and bool(records)
        and all(isinstance(r, Mapping) and r.get("eventSource") == "aws:sqs" for r in records)
    )


def each_message(
    event: Mapping[str, Any], process: Callable[[dict[str, Any]], Any]
) -> dict[str, Any]:
    """Run ``process`` on each message of an SQS batch as its own one-record event.

    A message whose ``process`` raises is logged with its traceback and reported in
    ``batchItemFailures``; the others succeed. The response also lists each message's outcome.

    :param event: the SQS batch (see :func:`is_sqs_batch`).
    :param process: called with ``{"Records": [record]}`` per message.
    :return: ``{"batchItemFailures": [{"itemIdentifier": id}], "messages": [{"messageId": id,
        "result": ...} or {"messageId": id, "error": "Type: message"}]}``
    :raises EventFormatError: a record has no ``messageId`` (SQS could not be told which failed).
    """
    failures: list[dict[str, str]] = []
    outcomes: list[dict[str, Any]] = []
    for index, record in enumerate(event["Records"]):
        message_id = record.get("messageId")
        if not isinstance(message_id, str) or not message_id:
            raise EventFormatError(
                f"record {index} of the SQS batch has no messageId, so a failure could not be "
                f"reported for it alone: {str(dict(record))[:300]}"
            )
        try:
            result = process({"Records": [dict(record)]})
        except Exception as exc:
            _logger.exception(
                "message %s failed (%s: %s); reported in batchItemFailures, so SQS retries it "
                "alone and, after the queue's maxReceiveCount, moves it to the dead-letter queue",
                message_id,
                type(exc).__name__,
                exc,
            )
            failures.append({"itemIdentifier": message_id})
            outcomes.append({"messageId": message_id, "error": f"{type(exc).__name__}: {exc}"})
        else:
            outcomes.append({"messageId": message_id, "result": result})
    if failures:
        _logger.warning("%d of %d messages failed", len(failures), len(outcomes))
    return {"batchItemFailures": failures, "messages": outcomes}


def partial_batch(handler: _Handler) -> _Handler:
    """Decorate a handler so that, behind SQS, it runs per message and reports partial failures.

    Any other event (S3, SNS, a schedule, a direct invoke) goes to ``handler`` unchanged::

        @partial_batch
        def handler(event, context):
            for obj in s3_objects(event):  # one message's objects
                ...
    """

    @functools.wraps(handler)
    def wrapper(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_sqs_batch(event):
            return handler(event, context, *args, **kwargs)
        return each_message(event, lambda one: handler(one, context, *args, **kwargs))

    return wrapper  # type: ignore[return-value]
