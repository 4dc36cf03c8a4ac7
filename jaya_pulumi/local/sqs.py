"""SQS, locally: queues, their policies, and event source mappings polled synchronously.

A message sent to a queue a function reads (by S3, SNS, EventBridge, a handler or the test) is
delivered before the call that sent it returns: the mapping receives a batch (up to its
``BatchSize``), invokes the function, deletes what succeeded and makes the failed messages visible
again at once (no visibility-timeout wait), until the queue is empty. With
``ReportBatchItemFailures`` only the ids in ``batchItemFailures`` fail; a function error or an
invalid response fails the batch. After ``maxReceiveCount`` receives moto moves a message to the
dead-letter queue; a queue without one keeps a message in flight after
:data:`RECEIVES_WITHOUT_DLQ` receives. At creation (``_sqs_deploy.py``), as AWS does, a mapping is refused when the
queue's visibility timeout is below the function's timeout, when a batch over 10 has no batching
window, or when the role may not receive from the queue; a notification to a queue when its policy
does not let the bucket send. Not emulated: batching windows (each send is delivered alone),
FIFO ordering by message group, delays.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from jaya_pulumi.local._account import Account
from jaya_pulumi.local._account import Mapping as EventSourceMapping
from jaya_pulumi.local.awslambda import Invocation, LocalFunction
from jaya_pulumi.local.errors import HarnessError

__all__ = [
    "MAX_POLL_DEPTH",
    "POLLER_ACTIONS",
    "RECEIVES_WITHOUT_DLQ",
    "SQSDispatch",
    "queue_depths",
    "queue_name",
]

RECEIVES_WITHOUT_DLQ = 5
"""Receives after which a failing message of a queue without a dead-letter queue stays in flight."""

MAX_POLL_DEPTH = 16
"""Nested deliveries after which polling stops (a function feeding its own queue), as a cascade."""

POLLER_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
"""What Lambda's poller does with the function's role on the queue it reads."""


def queue_name(arn: str) -> tuple[str, str]:
    """``(region, name)`` of a queue ARN."""
    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        raise HarnessError(f"{arn!r} is not an SQS queue ARN")
    return parts[3], parts[5]


def _sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of the batch Lambda's SQS poller sends."""
    attributes = {
        k: message.get("Attributes", {}).get(k, "")
        for k in (
            "ApproximateReceiveCount",
            "SentTimestamp",
            "SenderId",
            "ApproximateFirstReceiveTimestamp",
        )
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": attributes,
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.get("DataType"),
            }
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class SQSDispatch:
    """The harness's SQS side: the S3 seam to queues, and event source mappings polled at once."""

    account: Account
    client: Callable[..., Any]
    _attempt: Callable[[LocalFunction, str, dict[str, Any], int], Invocation]
    _service_depth: int = 0
    _poll_depth: int = 0

    @contextlib.contextmanager
    def _as_service(self) -> Iterator[None]:
        """Calls AWS services make themselves: no handler's role applies, nothing is delivered."""
        self._service_depth += 1
        try:
            with self.account.as_service():
                yield
        finally:
            self._service_depth -= 1

    def queues(self) -> list[dict[str, Any]]:
        """Each queue: ``name``, ``url``, ``waiting``, ``in_flight`` and ``dead_letter_queue``."""
        with self._as_service():
            return queue_depths(self.client("sqs"))

    def _pipeline_queue(self, name: str) -> dict[str, Any] | None:
        """The pipeline's queue ``name`` (node or physical name) with a dead-letter queue."""
        if any(name in (f.node, f.name) for f in self.account.functions.values()):
            return None  # a function's own failure queue: the facade's path
        whole = f"{getattr(getattr(self, 'pipeline', None), 'name', '')}-{name}"
        with_dlq = [q for q in self.queues() if q["dead_letter_queue"]]
        stack = getattr(self, "stack", "")
        found = [q for q in with_dlq if q["name"] in (name, f"{whole}-{stack}")]
        found = found or [q for q in with_dlq if q["name"].startswith(whole)]
        return found[0] if len(found) == 1 else None

    def _queue_dead_letters(self, name: str) -> tuple[Any, str] | None:
        """``(client, DLQ URL)`` of the pipeline's queue ``name``, else None."""
        queue = self._pipeline_queue(name)
        if queue is None:
            return None
        sqs = self.client("sqs", queue["url"].split(".")[1])
        with self._as_service():
            return sqs, sqs.get_queue_url(QueueName=queue["dead_letter_queue"])["QueueUrl"]

    def _redrive_queue(self, name: str) -> int:
        """Move every message of queue ``name``'s dead-letter queue back to it; deliver them."""
        queue, found = self._pipeline_queue(name), self._queue_dead_letters(name)
        if queue is None or found is None:
            raise HarnessError(f"No queue {name!r} with a dead-letter queue in this harness.")
        sqs, dlq = found
        moved = 0
        with self._as_service():
            while batch := sqs.receive_message(
                QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=300
            ).get("Messages", []):
                for m in batch:
                    sqs.send_message(QueueUrl=queue["url"], MessageBody=m["Body"])
                    sqs.delete_message(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"])
                    moved += 1
        self._pump()
        return moved

    def _queue_url(self, arn: str) -> tuple[Any, str]:
        region, name = queue_name(arn)
        sqs = self.client("sqs", region)
        with self._as_service():
            return sqs, sqs.get_queue_url(QueueName=name)["QueueUrl"]

    def _deliver_to_queue(self, arn: str, body: str) -> None:
        """Send ``body`` to a queue as a service (S3, SNS, EventBridge) does, then deliver it."""
        sqs, url = self._queue_url(arn)
        with self._as_service():
            sqs.send_message(QueueUrl=url, MessageBody=body)
        self._pump()

    def _s3_to_queue(self, account_id: str, event_body: Any, queue: str, region_name: str) -> None:
        """Replacement for moto's S3-to-SQS send: the same message, then synchronous delivery."""
        self._deliver_to_queue(
            f"arn:aws:sqs:{region_name}:{account_id}:{queue}", json.dumps(event_body)
        )

    def _after_sqs_call(self, model: Any, http_response: Any, **_: Any) -> None:
        """After a successful send by a handler or a test, deliver what the queues now hold."""
        if (
            not self._service_depth
            and model.name in ("SendMessage", "SendMessageBatch", "ChangeMessageVisibility")
            and http_response.status_code < 300
        ):
            self._pump()

    def _pump(self) -> None:
        """Poll every mapping until no queue a function reads has a visible message."""
        if self._poll_depth >= MAX_POLL_DEPTH:
            return
        self._poll_depth += 1
        try:
            while any([self._poll(m) for m in list(self.account.mappings)]):
                pass
        finally:
            self._poll_depth -= 1

    def _poll(self, mapping: EventSourceMapping) -> bool:
        """One receive-invoke-delete round of ``mapping``; False when there was nothing to do."""
        if not mapping.enabled or mapping.broken:
            return False
        target = self.account.targets.get(mapping.function_arn)
        if target is None:
            return False
        fn = target[0]
        policy = self.account.policies.compiled(fn.role_arn.rsplit("/", 1)[-1])
        missing = [a for a in POLLER_ACTIONS if not policy.allows(a, mapping.queue_arn)]
        sqs, url = self._queue_url(mapping.queue_arn)
        with self._as_service():
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
            messages = self._receive(sqs, url, mapping.batch_size, attributes["Attributes"])
        if missing and messages:
            mapping.broken = (
                f"the event source mapping from {mapping.queue_arn} cannot poll: the role of "
                f"{fn.node} needs {', '.join(missing)} on {mapping.queue_arn}"
            )
            failed = Invocation(fn.node, fn.name, {"Records": []}, 1, "")
            failed.error = HarnessError(mapping.broken)
            self.account.invocations.append(failed)
            self.account.failures.append(failed)
            with self._as_service():
                for m in messages:
                    sqs.change_message_visibility(
                        QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
                    )
            return False
        if not messages:
            return False
        region = queue_name(mapping.queue_arn)[0]
        records = [_sqs_record(m, mapping.queue_arn, region) for m in messages]
        receives = max(int(m["Attributes"].get("ApproximateReceiveCount", 1)) for m in messages)
        invocation = self._attempt(
            fn, mapping.function_arn, copy.deepcopy({"Records": records}), receives
        )
        failed_ids = self._failed(invocation, mapping, {r["messageId"] for r in records})
        redrive = json.loads(attributes["Attributes"].get("RedrivePolicy") or "null")
        with self._as_service():
            for message, record in zip(messages, records, strict=True):
                message_id = message["MessageId"]
                if message_id not in failed_ids:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                    continue
                count = int(message["Attributes"].get("ApproximateReceiveCount", 1))
                last = (count >= redrive["maxReceiveCount"]) if redrive else None
                if redrive is None and count >= RECEIVES_WITHOUT_DLQ:
                    # no dead-letter queue: AWS retries until the retention period ends
                    sqs.change_message_visibility(
                        QueueUrl=url,
                        ReceiptHandle=message["ReceiptHandle"],
                        VisibilityTimeout=43200,
                    )
                    self._message_failed(invocation, record, count, None)
                    continue
                sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
                if last:
                    self._message_failed(invocation, record, count, redrive["deadLetterTargetArn"])
        return True

    def _receive(
        self, sqs: Any, url: str, batch_size: int, attributes: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        visibility = int(attributes.get("VisibilityTimeout", 30))
        while len(messages) < batch_size:
            batch = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(10, batch_size - len(messages)),
                VisibilityTimeout=visibility,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                break
            messages += batch
        return messages

    def _failed(
        self, invocation: Invocation, mapping: EventSourceMapping, ids: set[str]
    ) -> set[str]:
        """The message ids that failed: all on an error or an invalid partial batch response."""
        if not invocation.ok:
            return ids
        if not mapping.report_failures:
            return set()
        result = invocation.result
        if not isinstance(result, Mapping) or result.get("batchItemFailures") is None:
            return set()
        failures = result["batchItemFailures"]
        try:
            reported = {str(f["itemIdentifier"]) for f in failures}
        except (KeyError, TypeError):
            reported = set()
        if (
            not isinstance(failures, list)
            or not reported <= ids
            or "" in reported
            or (failures and not reported)
        ):
            invocation.logs.append(
                f"[harness] invalid partial batch response {failures!r}: the whole batch failed"
            )
            return ids
        return reported

    def _message_failed(
        self, invocation: Invocation, record: dict[str, Any], count: int, dlq: str | None
    ) -> None:
        """Record a message that failed its last receive (and where it went)."""
        where = (
            f"SQS moves it to the dead-letter queue {dlq}"
            if dlq
            else "the queue has no dead-letter queue, so it stays in flight"
        )
        outcomes = invocation.result.get("messages") if isinstance(invocation.result, dict) else []
        said = [o.get("error") for o in outcomes or [] if o.get("messageId") == record["messageId"]]
        failed = dataclasses.replace(
            invocation,
            event={"Records": [record]},
            attempt=count,
            error=invocation.error
            or HarnessError(
                f"message {record['messageId']} failed {count} receives"
                + (f" ({said[0]})" if said and said[0] else "")
                + f"; {where}"
            ),
        )
        self.account.failures.append(failed)  # the message names the queue it went to


def queue_depths(sqs: Any) -> list[dict[str, Any]]:
    """Each queue of the account: ``name``, ``url``, ``waiting`` (visible), ``in_flight`` (received,
    not deleted) and ``dead_letter_queue`` (its name, or None), by name."""
    out = []
    for url in sorted(sqs.list_queues().get("QueueUrls", [])):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes.get("RedrivePolicy") or "null")
        out.append(
            {
                "name": url.rsplit("/", 1)[-1],
                "url": url,
                "waiting": int(attributes.get("ApproximateNumberOfMessages", 0)),
                "in_flight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
                "dead_letter_queue": redrive["deadLetterTargetArn"].rsplit(":", 1)[-1]
                if redrive
                else None,
            }
        )
    return out
