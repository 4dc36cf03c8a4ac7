"""Redrive: invoke a function again with the events its failure queue holds.

Each message of the queue is a Lambda on-failure destination record; its ``requestPayload`` (the
original event) is sent to the function's alias as an asynchronous invocation, and the message is
deleted once Lambda has accepted the event. A message that is not such a record, or that belongs
to another function (a shared ``on_failure`` queue), is left where it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jaya_pulumi.dsl import Pipeline
from jaya_pulumi.errors import ConfigurationError

__all__ = ["RedriveResult", "redrive", "redrive_queue"]


@dataclass(frozen=True)
class RedriveResult:
    """What a redrive did, message by message."""

    queue_url: str
    """The failure queue that was read."""
    function_arn: str
    """The ARN that was invoked (the stack's alias)."""
    redriven: list[str] = field(default_factory=list)
    """Request ids of the records whose events Lambda accepted again (their messages deleted)."""
    skipped: list[str] = field(default_factory=list)
    """Message ids left in the queue: not a destination record, or another function's."""
    failed: dict[str, str] = field(default_factory=dict)
    """Message id -> why the invocation was refused; those messages stay in the queue."""

    def summary(self) -> str:
        """One line: how many events were redriven, skipped and refused."""
        return (
            f"Redrove {len(self.redriven)} event(s) from {self.queue_url} to {self.function_arn}; "
            f"{len(self.skipped)} skipped, {len(self.failed)} refused."
        )


def _function_name(arn: str) -> str:
    """``name`` of ``arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]``."""
    parts = arn.split(":")
    return parts[6] if len(parts) > 6 and parts[5] == "function" else arn


def redrive_queue(
    queue_url: str,
    function_arn: str,
    *,
    sqs: Any | None = None,
    lambda_client: Any | None = None,
    region: str | None = None,
    limit: int | None = None,
) -> RedriveResult:
    """Re-invoke ``function_arn`` asynchronously with each record's event from ``queue_url``.

    :param queue_url: the failure queue (a stack's ``failure_queue_url`` output).
    :param function_arn: the function's alias ARN; records of other functions are skipped.
    :param sqs: a boto3 SQS client; by default one for ``region``.
    :param lambda_client: a boto3 Lambda client; by default one for ``region``.
    :param region: the region of the default clients (from the queue URL when ``None``).
    :param limit: redrive at most this many events; ``None`` for all the queue holds.
    :returns: what was redriven, skipped and refused.
    """
    import boto3
    from botocore.exceptions import ClientError

    if region is None and queue_url.startswith("https://sqs."):
        region = queue_url.split(".")[1]
    sqs = sqs or boto3.client("sqs", region_name=region)
    lambda_client = lambda_client or boto3.client("lambda", region_name=region)
    result = RedriveResult(queue_url=queue_url, function_arn=function_arn)
    own_name = _function_name(function_arn)
    seen: set[str] = set()
    kept: list[str] = []  # receipt handles of messages left in the queue
    while limit is None or len(result.redriven) < limit:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=60
        ).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen.add(message["MessageId"])
            record = _record_of(message["Body"])
            arn = (record or {}).get("requestContext", {}).get("functionArn", "")
            if record is None or "requestPayload" not in record or _function_name(arn) != own_name:
                result.skipped.append(message["MessageId"])
                kept.append(message["ReceiptHandle"])
                continue
            if limit is not None and len(result.redriven) >= limit:
                kept.append(message["ReceiptHandle"])  # received past the limit: put back
                continue
            try:
                lambda_client.invoke(
                    FunctionName=function_arn,
                    InvocationType="Event",
                    Payload=json.dumps(record["requestPayload"]).encode(),
                )
            except ClientError as exc:
                error = exc.response.get("Error", {})
                result.failed[message["MessageId"]] = (
                    f"{error.get('Code', 'Error')}: {error.get('Message', exc)}"
                )
                kept.append(message["ReceiptHandle"])
                continue
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            result.redriven.append(str(record["requestContext"].get("requestId", "")))
    # Messages this run only looked at are visible again at once, not after the timeout.
    for handle in kept:
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
    return result


def _record_of(body: str) -> dict[str, Any] | None:
    try:
        record = json.loads(body)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def redrive(
    pipeline: Pipeline,
    function: str,
    stack: str = "staging",
    *,
    limit: int | None = None,
    project_name: str | None = None,
    backend_url: str | None = None,
    passphrase: str | None = None,
    pulumi_home: str | None = None,
    work_dir: str | None = None,
    stack_outputs: Mapping[str, Any] | None = None,
) -> RedriveResult:
    """Redrive the failure queue of ``pipeline``'s ``function`` on the deployed ``stack``.

    Reads the stack's outputs (``failure_queue_url`` and ``alias_arn`` of the function), then
    calls :func:`redrive_queue` with boto3's default credentials.

    :param pipeline: the deployed pipeline.
    :param function: the function node's name, e.g. ``"copy-s3"``.
    :param stack: the stack (environment).
    :param limit: redrive at most this many events.
    :param stack_outputs: the pipeline's output (``{"functions": {...}}``) when already known;
        the stack is not read then. Other parameters as for :func:`outputs`.
    :raises ConfigurationError: the function is not in the pipeline or the stack predates
        failure queues.
    """
    if function not in {fn.name for fn in pipeline.functions}:
        names = ", ".join(sorted(fn.name for fn in pipeline.functions)) or "none"
        raise ConfigurationError(
            f"Pipeline {pipeline.name!r} has no function {function!r}; its functions: {names}."
        )
    if stack_outputs is None:
        from jaya_pulumi.automation._stack import outputs

        values = outputs(
            pipeline, stack, project_name=project_name, backend_url=backend_url,
            passphrase=passphrase, pulumi_home=pulumi_home, work_dir=work_dir,
        )  # fmt: skip
        exported = values.get(pipeline.name)
        stack_outputs = exported.value if exported is not None else {}
    entry = (stack_outputs or {}).get("functions", {}).get(function, {})
    queue_url, alias_arn = entry.get("failure_queue_url"), entry.get("alias_arn")
    if not queue_url or not alias_arn:
        raise ConfigurationError(
            f"Stack {stack!r} exports no failure queue for {function!r} of {pipeline.name!r}; it "
            "was deployed before functions had one, or not at all. Run `jaya up` first."
        )
    return redrive_queue(str(queue_url), str(alias_arn), limit=limit)
