"""``jaya:aws:Bucket``: an S3 bucket with secure defaults and one notification for all triggers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from jaya_pulumi.components._aws import aws

__all__ = ["Bucket", "LambdaNotification"]


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


class Bucket(pulumi.ComponentResource):
    """An S3 bucket: public access blocked, encrypted at rest, TLS-only, owner-enforced ACLs."""

    bucket: aws.s3.Bucket
    """The bucket resource."""
    name: pulumi.Output[str]
    """The bucket's physical name."""
    arn: pulumi.Output[str]
    """The bucket's ARN."""
    notification: aws.s3.BucketNotification | None
    """The bucket's single notification, once :meth:`notify` has run."""

    def __init__(
        self, name: str, bucket_name: str, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Create the bucket ``bucket_name`` and its guard rails.

        :param name: the component's logical name.
        :param bucket_name: the physical bucket name.
        :param opts: resource options (provider, parent).
        """
        super().__init__("jaya:aws:Bucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(name, bucket=bucket_name, force_destroy=False, opts=child)
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=self.bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child,
        )
        access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"},
                    "bucket_key_enabled": True,
                }
            ],
            opts=child,
        )
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
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access_block]),
        )
        self.name = self.bucket.bucket
        self.arn = self.bucket.arn
        self.notification = None
        self._name = name
        self.register_outputs({"name": self.name, "arn": self.arn})

    def notify(
        self, entries: Sequence[LambdaNotification], depends_on: Sequence[pulumi.Resource]
    ) -> aws.s3.BucketNotification:
        """Create the bucket's one notification carrying every entry, after ``depends_on``.

        S3 checks that it may invoke each function when the notification is written, so the
        ``lambda.Permission`` resources must come first.
        """
        if self.notification is not None:
            raise RuntimeError(f"Bucket {self._name!r} already has its notification")
        self.notification = aws.s3.BucketNotification(
            f"{self._name}-notification",
            bucket=self.bucket.id,
            lambda_functions=[
                aws.s3.BucketNotificationLambdaFunctionArgs(
                    lambda_function_arn=e.function_arn,
                    events=list(e.events),
                    filter_prefix=e.filter_prefix or None,
                    filter_suffix=e.filter_suffix or None,
                )
                for e in entries
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
        )
        return self.notification
