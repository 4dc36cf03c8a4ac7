"""``send(destination, body)``: a function's message to a downstream SQS queue or SNS topic.

The deployment layer grants ``sqs:SendMessage`` / ``sns:Publish`` on exactly the queues and topics
the function's edges lead to, and lists them in ``JAYA_DESTINATIONS`` (see :func:`destinations`).
Not supported: FIFO queues and topics (no group or deduplication id is sent), message attributes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._clients import client
from ._config import QueueDestination, TopicDestination, destinations
from .errors import AccessDeniedError, MessageTooLargeError, RuntimeConfigurationError

__all__ = ["MAX_MESSAGE_BYTES", "send"]

MAX_MESSAGE_BYTES = 256 * 1024
"""Largest message SQS and SNS accept (256 KiB)."""

_DENIED = frozenset(
    {"403", "AccessDenied", "AccessDeniedException", "AuthorizationError", "Forbidden"}
)


def send(
    destination: QueueDestination | TopicDestination | str,
    body: str | bytes | Mapping[str, Any] | list[Any],
    *,
    subject: str | None = None,
    sqs_client: Any = None,
    sns_client: Any = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Send ``body`` to a queue (``SendMessage``) or a topic (``Publish``); return the message id.

    :param destination: a :class:`QueueDestination` or :class:`TopicDestination` from
        :func:`destinations`, or the pipeline's name for one (``"orders"`` for ``SQS("orders")``).
    :param body: the message: a ``str`` as is, ``bytes`` decoded as UTF-8, a dict or list as JSON.
    :param subject: the SNS message's subject (topics only).
    :param sqs_client: SQS client; defaults to the container's reused SQS client.
    :param sns_client: SNS client; defaults to the container's reused SNS client.
    :param environ: where to read ``JAYA_DESTINATIONS`` for a name; defaults to ``os.environ``.
    :raises RuntimeConfigurationError: ``destination`` names no queue or topic of the function.
    :raises MessageTooLargeError: the message is over 256 KiB.
    :raises AccessDeniedError: the function's role may not send there.
    """
    target = _resolve(destination, environ)
    text = _text(body)
    size = len(text.encode("utf-8"))
    if size > MAX_MESSAGE_BYTES:
        raise MessageTooLargeError(
            f"the message to {target.name!r} is {size} bytes; SQS and SNS accept at most "
            f"{MAX_MESSAGE_BYTES} (256 KiB). Send a reference instead (an S3 key), or split it."
        )
    try:
        if isinstance(target, QueueDestination):
            if subject is not None:
                raise TypeError("subject= is for topics; a queue message has no subject")
            sqs = sqs_client or client("sqs")
            return str(sqs.send_message(QueueUrl=target.url, MessageBody=text)["MessageId"])
        sns = sns_client or client("sns")
        kwargs: dict[str, Any] = {"TopicArn": target.arn, "Message": text}
        if subject is not None:
            kwargs["Subject"] = subject
        return str(sns.publish(**kwargs)["MessageId"])
    except Exception as exc:
        response = getattr(exc, "response", None)
        error = response.get("Error", {}) if isinstance(response, dict) else {}
        status = (response or {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
        if str(error.get("Code", "")) not in _DENIED and status != 403:
            raise
        action = "sqs:SendMessage" if isinstance(target, QueueDestination) else "sns:Publish"
        raise AccessDeniedError(
            f"{action} on {target.arn} was denied while sending to {target.name!r}: the "
            f"function's role needs {action} on {target.arn}. jaya_pulumi grants it for an edge "
            f"`AWSLambda(...) >> {'SQS' if action.startswith('sqs') else 'SNS'}"
            f"({target.name!r})`: add the edge and redeploy."
        ) from exc


def _resolve(
    destination: QueueDestination | TopicDestination | str, environ: Mapping[str, str] | None
) -> QueueDestination | TopicDestination:
    """The queue or topic ``destination`` is, or names."""
    if isinstance(destination, QueueDestination | TopicDestination):
        return destination
    if not isinstance(destination, str):
        raise TypeError(
            "send() takes a QueueDestination, a TopicDestination or a queue or topic name, got "
            f"{type(destination).__name__}"
        )
    found = [
        d
        for d in destinations(environ)
        if isinstance(d, QueueDestination | TopicDestination) and destination in (d.name, d.arn)
    ]
    if len(found) == 1:
        return found[0]
    known = [d.name for d in destinations(environ) if not hasattr(d, "bucket")]
    if not found:
        raise RuntimeConfigurationError(
            f"send({destination!r}, ...): the function has no queue or topic named "
            f"{destination!r}; its queues and topics: {', '.join(known) or 'none'}. Add the edge "
            f"`... >> AWSLambda(...) >> SQS({destination!r})` (or SNS) and redeploy."
        )
    raise RuntimeConfigurationError(
        f"send({destination!r}, ...): both a queue and a topic are named {destination!r}; pass "
        "the QueueDestination or TopicDestination from destinations() instead of the name."
    )


def _text(body: str | bytes | Mapping[str, Any] | list[Any]) -> str:
    """The message text of ``body``."""
    if isinstance(body, str):
        return body
    if isinstance(body, bytes):
        return body.decode("utf-8")
    if isinstance(body, Mapping | list):
        return json.dumps(body, default=str)
    raise TypeError(f"send() takes a str, bytes, dict or list body, got {type(body).__name__}")
