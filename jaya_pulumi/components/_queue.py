"""``jaya:aws:Queue`` and ``jaya:aws:Topic``: an SQS queue with its dead-letter queue, an SNS topic.

Both are encrypted at rest (the queue with SSE-SQS, the topic with a KMS key of its own, because
S3 can publish to an encrypted topic only when the key's policy lets it) and both carry a resource
policy that lets in exactly their sources: each statement names one service principal, the one
source ARN and the account, with ``aws:SourceArn`` and ``aws:SourceAccount``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from jaya_pulumi.components._aws import aws, queue_not_empty_alarm

__all__ = ["DEAD_LETTER_RETENTION_SECONDS", "Queue", "ServiceSource", "Topic"]

DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600
"""How long a dead-letter queue keeps a record: 14 days, SQS's maximum."""


@dataclass(frozen=True)
class ServiceSource:
    """One AWS service allowed to send to a queue or topic, from one resource of one account."""

    sid: str
    """The statement id (alphanumeric)."""
    principal: str
    """The service principal, e.g. ``s3.amazonaws.com``."""
    source_arn: pulumi.Input[str]
    """The one resource (bucket, topic, rule) the service acts for."""
    account_id: pulumi.Input[str]
    """The account that owns the source."""


def _statement(
    action: str, resource: pulumi.Input[str], source: ServiceSource
) -> dict[str, object]:
    return {
        "Sid": source.sid,
        "Effect": "Allow",
        "Principal": {"Service": source.principal},
        "Action": action,
        "Resource": resource,
        "Condition": {
            "ArnEquals": {"aws:SourceArn": source.source_arn},
            "StringEquals": {"aws:SourceAccount": source.account_id},
        },
    }


class Queue(pulumi.ComponentResource):
    """A standard queue (SSE-SQS) whose records move to its own dead-letter queue after
    ``max_receive_count`` receives; the dead-letter queue accepts redrives from this queue only,
    and an alarm fires while it holds any record."""

    queue: aws.sqs.Queue
    """The queue."""
    dead_letter: aws.sqs.Queue
    """Its dead-letter queue (``<name>-dlq``)."""
    alarm: aws.cloudwatch.MetricAlarm
    """Fires while the dead-letter queue holds any record."""
    policy: aws.sqs.QueuePolicy | None
    """The queue policy letting the sources in, once :meth:`allow` has run."""

    def __init__(
        self,
        name: str,
        queue_name: str,
        *,
        visibility_timeout: int,
        max_receive_count: int,
        dead_letter_name: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Create the queue ``queue_name`` and its dead-letter queue.

        :param name: the component's logical name.
        :param queue_name: the queue's physical name.
        :param visibility_timeout: seconds a received record stays hidden.
        :param max_receive_count: receives before a record moves to the dead-letter queue.
        :param dead_letter_name: the dead-letter queue's physical name.
        :param opts: resource options (provider, parent).
        """
        super().__init__("jaya:aws:Queue", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self._name = name
        self.dead_letter = aws.sqs.Queue(
            f"{name}-dlq",
            name=dead_letter_name,
            message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            opts=child,
        )
        self.queue = aws.sqs.Queue(
            name,
            name=queue_name,
            visibility_timeout_seconds=visibility_timeout,
            sqs_managed_sse_enabled=True,
            redrive_policy=pulumi.Output.json_dumps(
                {"deadLetterTargetArn": self.dead_letter.arn, "maxReceiveCount": max_receive_count}
            ),
            opts=child,
        )
        self.redrive_allow = aws.sqs.RedriveAllowPolicy(
            f"{name}-dlq-redrive-allow",
            queue_url=self.dead_letter.url,
            redrive_allow_policy=pulumi.Output.json_dumps(
                {"redrivePermission": "byQueue", "sourceQueueArns": [self.queue.arn]}
            ),
            opts=child,
        )
        self.alarm = queue_not_empty_alarm(
            f"{name}-dlq-alarm",
            dead_letter_name,
            f"Records of {queue_name} that failed {max_receive_count} receive(s) wait in "
            f"{dead_letter_name}; fix the cause, then redrive them to {queue_name}.",
            self.dead_letter.name,
            child,
        )
        self.policy = None
        self.arn: pulumi.Output[str] = self.queue.arn
        """The queue's ARN."""
        self.url: pulumi.Output[str] = self.queue.url
        """The queue's URL."""
        self.name: pulumi.Output[str] = self.queue.name
        """The queue's physical name."""
        self.register_outputs(
            {
                "arn": self.arn,
                "url": self.url,
                "dead_letter_arn": self.dead_letter.arn,
                "dead_letter_url": self.dead_letter.url,
            }
        )

    def allow(self, sources: Sequence[ServiceSource]) -> aws.sqs.QueuePolicy | None:
        """Let exactly ``sources`` send messages (``sqs:SendMessage``); none: no policy at all."""
        if self.policy is not None:
            raise RuntimeError(f"Queue {self._name!r} already has its policy")
        if not sources:
            return None
        self.policy = aws.sqs.QueuePolicy(
            f"{self._name}-policy",
            queue_url=self.queue.url,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        _statement("sqs:SendMessage", self.queue.arn, s) for s in sources
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return self.policy


class Topic(pulumi.ComponentResource):
    """A standard topic encrypted with its own KMS key (rotated yearly).

    The key's policy keeps the account in charge (IAM policies then decide who may use it) and lets
    each service source generate data keys for this topic only; the topic policy lets exactly
    those sources publish.
    """

    key: aws.kms.Key
    """The topic's KMS key."""
    topic: aws.sns.Topic
    """The topic."""
    policy: aws.sns.TopicPolicy | None
    """The topic policy letting the service sources in (``None`` without any)."""

    def __init__(
        self,
        name: str,
        topic_name: str,
        *,
        account_id: pulumi.Input[str],
        partition: str = "aws",
        sources: Sequence[ServiceSource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Create the key, the topic ``topic_name`` and, with ``sources``, its policy.

        :param name: the component's logical name.
        :param topic_name: the topic's physical name.
        :param account_id: the account that owns the key.
        :param partition: the AWS partition of the account's root ARN.
        :param sources: the services that publish (S3 buckets), each from one resource.
        :param opts: resource options (provider, parent).
        """
        super().__init__("jaya:aws:Topic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self._name = name
        # In a key policy, "Resource": "*" means this key and nothing else (AWS's only form).
        key_statements: list[dict[str, object]] = [
            {
                "Sid": "AccountAdministersTheKey",
                "Effect": "Allow",
                "Principal": {
                    "AWS": pulumi.Output.concat(f"arn:{partition}:iam::", account_id, ":root")
                },
                "Action": "kms:*",
                "Resource": "*",
            }
        ]
        for source in sources:
            statement = _statement("", "*", source)
            statement["Sid"] = f"{source.sid}UsesKey"
            statement["Action"] = ["kms:GenerateDataKey*", "kms:Decrypt"]
            key_statements.append(statement)
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"Encrypts SNS topic {topic_name} (jaya_pulumi)",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": key_statements}),
            opts=child,
        )
        self.topic = aws.sns.Topic(
            name, name=topic_name, kms_master_key_id=self.key.arn, opts=child
        )
        self.policy = None
        if sources:
            self.policy = aws.sns.TopicPolicy(
                f"{name}-policy",
                arn=self.topic.arn,
                policy=pulumi.Output.json_dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            _statement("sns:Publish", self.topic.arn, s) for s in sources
                        ],
                    }
                ),
                opts=child,
            )
        self.arn: pulumi.Output[str] = self.topic.arn
        """The topic's ARN."""
        self.name: pulumi.Output[str] = self.topic.name
        """The topic's physical name."""
        self.register_outputs({"arn": self.arn, "key_arn": self.key.arn})

    def subscribe(
        self,
        suffix: str,
        protocol: str,
        endpoint: pulumi.Input[str],
        depends_on: Sequence[pulumi.Resource] = (),
    ) -> aws.sns.TopicSubscription:
        """Subscribe a queue (``sqs``) or a function alias (``lambda``) to the topic.

        A queue gets raw message delivery: its records' bodies are the published messages
        themselves (an S3 event, as S3 sends it), not SNS's JSON envelope.
        """
        return aws.sns.TopicSubscription(
            f"{self._name}-to-{suffix}",
            topic=self.topic.arn,
            protocol=protocol,
            endpoint=endpoint,
            raw_message_delivery=True if protocol == "sqs" else None,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
        )
