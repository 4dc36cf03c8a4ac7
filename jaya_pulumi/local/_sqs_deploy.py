"""SQS resources created on the local account: queues, their policies, event source mappings.

Each creator is registered in ``_deploy.CREATORS``; a mapping is checked as Lambda checks it (see
:mod:`jaya_pulumi.local.sqs`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jaya_pulumi.local._account import Mapping as EventSourceMapping
from jaya_pulumi.local.errors import HarnessError
from jaya_pulumi.local.sqs import POLLER_ACTIONS, queue_name

if TYPE_CHECKING:
    from pulumi.runtime import MockResourceArgs

    from jaya_pulumi.local.harness import Harness

__all__ = [
    "create_event_source_mapping",
    "create_queue",
    "create_queue_policy",
    "create_redrive_allow_policy",
    "create_redrive_policy",
]


def create_queue(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    """``aws.sqs.Queue``: SSE, retention, visibility timeout and redrive policy as given."""
    i = args.inputs
    attributes = {"SqsManagedSseEnabled": "true"}
    if i.get("kmsMasterKeyId"):
        attributes = {"KmsMasterKeyId": str(i["kmsMasterKeyId"])}
    for field, name in (
        ("messageRetentionSeconds", "MessageRetentionPeriod"),
        ("visibilityTimeoutSeconds", "VisibilityTimeout"),
        ("delaySeconds", "DelaySeconds"),
        ("receiveWaitTimeSeconds", "ReceiveMessageWaitTimeSeconds"),
    ):
        if i.get(field) is not None:
            attributes[name] = str(int(i[field]))
    if i.get("redrivePolicy"):
        attributes["RedrivePolicy"] = str(i["redrivePolicy"])
    h.client("sqs", region).create_queue(QueueName=str(state["name"]), Attributes=attributes)


def _queue_attribute(
    attribute: str, field: str, what: str
) -> Callable[[Harness, MockResourceArgs, str, dict[str, Any], str], None]:
    """A creator that sets one attribute of an existing queue from the resource's input."""

    def create(
        h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
    ) -> None:
        h.client("sqs", region).set_queue_attributes(
            QueueUrl=str(args.inputs["queueUrl"]), Attributes={attribute: str(args.inputs[field])}
        )

    create.__doc__ = what
    return create


create_redrive_policy = _queue_attribute(
    "RedrivePolicy",
    "redrivePolicy",
    "``aws.sqs.RedrivePolicy``: the queue's dead-letter queue and ``maxReceiveCount``.",
)
create_redrive_allow_policy = _queue_attribute(
    "RedriveAllowPolicy",
    "redriveAllowPolicy",
    "``aws.sqs.RedriveAllowPolicy``: which queues may use this one as their dead-letter queue.",
)


def create_queue_policy(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    """``aws.sqs.QueuePolicy``: stored in moto and kept, parsed, for S3/SNS/EventBridge checks."""
    sqs = h.client("sqs", region)
    url = str(args.inputs["queueUrl"])
    document = str(args.inputs["policy"])
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": document})
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    h.account.resource_policies[arn["QueueArn"]] = json.loads(document)


def create_event_source_mapping(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    """``aws.lambda_.EventSourceMapping`` from an SQS queue, checked as Lambda checks it."""
    i = args.inputs
    source = str(i.get("eventSourceArn") or "")
    if ":sqs:" not in source:
        raise HarnessError(f"event source {source!r} is not an SQS queue; only SQS is emulated")
    function = str(i["functionName"])
    arn = function if function in h.account.targets else None
    for fn in h.account.functions.values():
        if arn is None and function in (fn.name, fn.arn):
            arn = fn.arn
    if arn is None:
        raise HarnessError(f"Function not found: {function}")
    fn = h.account.targets[arn][0]
    batch = int(i.get("batchSize") or 10)
    window = int(i.get("maximumBatchingWindowInSeconds") or 0)
    if not 1 <= batch <= 10000 or (batch > 10 and window < 1):
        raise HarnessError(
            f"BatchSize {batch} is invalid: SQS takes 1 to 10000, and over 10 only with a "
            "MaximumBatchingWindowInSeconds of at least 1"
        )
    sqs = h.client("sqs", region)
    url = sqs.get_queue_url(QueueName=queue_name(source)[1])["QueueUrl"]
    visibility = int(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"][
            "VisibilityTimeout"
        ]
    )
    if visibility < fn.timeout:
        raise HarnessError(
            f"Queue visibility timeout: {visibility} seconds is less than Function timeout: "
            f"{fn.timeout} seconds"
        )
    role = fn.role_arn.rsplit("/", 1)[-1]
    if h.account.policies.documents(role):  # the policy may come later; polling checks it then
        policy = h.account.policies.compiled(role)
        missing = [a for a in POLLER_ACTIONS if not policy.allows(a, source)]
        if missing:
            raise HarnessError(
                f"The provided execution role does not have permissions to call "
                f"{missing[0].split(':')[1]} on SQS: {fn.node}'s role needs "
                f"{', '.join(missing)} on {source}"
            )
    types = [str(t) for t in i.get("functionResponseTypes") or []]
    h.account.mappings.append(
        EventSourceMapping(
            queue_arn=source,
            function_arn=arn,
            batch_size=batch,
            report_failures="ReportBatchItemFailures" in types,
            enabled=i.get("enabled") is not False,
        )
    )
