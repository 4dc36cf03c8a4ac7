"""``jaya:aws:Bucket``: an S3 bucket with secure defaults and one notification for all triggers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from jaya_pulumi.components._aws import aws

__all__ = ["Bucket", "LambdaNotification", "Notification"]


@dataclass(frozen=True)
class LambdaNotification:
    """One entry of a bucket notification: which events invoke which function alias."""

    function_arn: pulumi.Input[str]
    """The alias ARN S3 invokes."""
    events: Sequence[str]
    """S3 event types."""
    filter_prefix: str = ""
    """Key prefix filter ('' for none)."""
    filter_suffix: str = ""
    """Key suffix filter ('' for none)."""


@dataclass(frozen=True)
class Notification:
    """One entry of a bucket notification sent to a function, a queue or a topic."""

    destination: str
    """``"lambda"``, ``"queue"`` or ``"topic"``."""
    arn: pulumi.Input[str]
    """The function alias, queue or topic ARN."""
    events: Sequence[str]
    """S3 event types."""
    filter_prefix: str = ""
    """Key prefix filter ('' for none)."""
    filter_suffix: str = ""
    """Key suffix filter ('' for none)."""

    @classmethod
    def of(cls, entry: LambdaNotification | Notification) -> Notification:
        """The entry as a :class:`Notification` (a :class:`LambdaNotification` targets ``lambda``)."""
        if isinstance(entry, Notification):
            return entry
        return cls(
            "lambda", entry.function_arn, entry.events, entry.filter_prefix, entry.filter_suffix
        )


class Bucket(pulumi.ComponentResource):
    """An S3 bucket: public access blocked, encrypted at rest, TLS-only, owner-enforced ACLs.

    S3 refuses concurrent configuration writes to one bucket (``OperationAborted: A conflicting
    conditional operation is currently in progress``), so every resource that configures the
    bucket depends on the one before, in this order: ownership controls, public access block,
    encryption, versioning, lifecycle, policy, notification.
    """

    bucket: aws.s3.Bucket
    """The bucket resource."""
    name: pulumi.Output[str]
    """The bucket's physical name."""
    arn: pulumi.Output[str]
    """The bucket's ARN."""
    versioned: bool
    """True when the bucket keeps object versions."""
    notification: aws.s3.BucketNotification | None
    """The bucket's single notification, once :meth:`notify` has run."""

    def __init__(
        self,
        name: str,
        bucket_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        versioning: bool = False,
        noncurrent_days: int = 30,
    ) -> None:
        """Create the bucket ``bucket_name`` and its guard rails, one configuration at a time.

        :param name: the component's logical name.
        :param bucket_name: the physical bucket name.
        :param opts: resource options (provider, parent).
        :param versioning: enable versioning, with a lifecycle rule expiring noncurrent versions.
        :param noncurrent_days: days after which noncurrent versions expire (with versioning).
        """
        super().__init__("jaya:aws:Bucket", name, None, opts)
        self.bucket = aws.s3.Bucket(
            name, bucket=bucket_name, force_destroy=False, opts=pulumi.ResourceOptions(parent=self)
        )
        self._last: pulumi.Resource = self.bucket
        self._name = name
        self.versioned = versioning
        self._chain(
            aws.s3.BucketOwnershipControls(
                f"{name}-ownership",
                bucket=self.bucket.id,
                rule={"object_ownership": "BucketOwnerEnforced"},
                opts=self._next(),
            )
        )
        self._chain(
            aws.s3.BucketPublicAccessBlock(
                f"{name}-public-access-block",
                bucket=self.bucket.id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
                opts=self._next(),
            )
        )
        self._chain(
            aws.s3.BucketServerSideEncryptionConfiguration(
                f"{name}-encryption",
                bucket=self.bucket.id,
                rules=[
                    {
                        "apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"},
                        "bucket_key_enabled": True,
                    }
                ],
                opts=self._next(),
            )
        )
        if versioning:
            self._chain(
                aws.s3.BucketVersioning(
                    f"{name}-versioning",
                    bucket=self.bucket.id,
                    versioning_configuration={"status": "Enabled"},
                    opts=self._next(),
                )
            )
            self._chain(
                aws.s3.BucketLifecycleConfiguration(
                    f"{name}-lifecycle",
                    bucket=self.bucket.id,
                    rules=[
                        {
                            "id": "expire-noncurrent-versions",
                            "status": "Enabled",
                            "filter": {},
                            "noncurrent_version_expiration": {"noncurrent_days": noncurrent_days},
                        }
                    ],
                    opts=self._next(),
                )
            )
        self._chain(
            aws.s3.BucketPolicy(
                f"{name}-tls-only",
                bucket=self.bucket.id,
                policy=pulumi.Output.json_dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "DenyInsecureTransport",
                                "Effect": "Deny",
                                "Principal": "*",
                                "Action": "s3:*",
                                "Resource": [
                                    self.bucket.arn,
                                    pulumi.Output.concat(self.bucket.arn, "/*"),
                                ],
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        ],
                    }
                ),
                opts=self._next(),
            )
        )
        self.name = self.bucket.bucket
        self.arn = self.bucket.arn
        self.notification = None
        self.register_outputs({"name": self.name, "arn": self.arn})

    def _next(self, *extra: pulumi.Resource) -> pulumi.ResourceOptions:
        """Options for the next configuration resource: after the previous one (and ``extra``)."""
        return pulumi.ResourceOptions(parent=self, depends_on=[self._last, *extra])

    def _chain(self, resource: pulumi.Resource) -> None:
        self._last = resource

    def notify(
        self,
        entries: Sequence[LambdaNotification | Notification],
        depends_on: Sequence[pulumi.Resource],
        *,
        eventbridge: bool = False,
    ) -> aws.s3.BucketNotification:
        """Create the bucket's one notification carrying every entry, after ``depends_on``.

        S3 checks that it may deliver to each destination when the notification is written, so
        the ``lambda.Permission``, queue and topic policies must come first; the notification is
        also the last link of the bucket's configuration chain. ``eventbridge`` also sends every
        event to EventBridge, where rules route them.
        """
        if self.notification is not None:
            raise RuntimeError(f"Bucket {self._name!r} already has its notification")
        items = [Notification.of(e) for e in entries]

        def pick(kind: str) -> list[Notification]:
            return [e for e in items if e.destination == kind]

        self.notification = aws.s3.BucketNotification(
            f"{self._name}-notification",
            bucket=self.bucket.id,
            lambda_functions=[
                aws.s3.BucketNotificationLambdaFunctionArgs(
                    lambda_function_arn=e.arn,
                    events=list(e.events),
                    filter_prefix=e.filter_prefix or None,
                    filter_suffix=e.filter_suffix or None,
                )
                for e in pick("lambda")
            ]
            or None,
            queues=[
                aws.s3.BucketNotificationQueueArgs(
                    queue_arn=e.arn,
                    events=list(e.events),
                    filter_prefix=e.filter_prefix or None,
                    filter_suffix=e.filter_suffix or None,
                )
                for e in pick("queue")
            ]
            or None,
            topics=[
                aws.s3.BucketNotificationTopicArgs(
                    topic_arn=e.arn,
                    events=list(e.events),
                    filter_prefix=e.filter_prefix or None,
                    filter_suffix=e.filter_suffix or None,
                )
                for e in pick("topic")
            ]
            or None,
            eventbridge=eventbridge or None,
            opts=self._next(*depends_on),
        )
        self._chain(self.notification)
        return self.notification
