"""``jaya:aws:Function``: a Lambda function with its own role, log group, version and alias."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from jaya_pulumi.components._aws import aws, queue_not_empty_alarm
from jaya_pulumi.dsl import FAILURE_QUEUE_SUFFIX, AWSLambda
from jaya_pulumi.packaging import LambdaArchive

__all__ = ["FAILURE_QUEUE_RETENTION_SECONDS", "Function", "queue_url_of"]

FAILURE_QUEUE_RETENTION_SECONDS = 14 * 24 * 3600
"""How long a failure queue keeps a record: 14 days, SQS's maximum."""

_ASSUME_ROLE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    },
    sort_keys=True,
)


def queue_url_of(queue_arn: str) -> str:
    """The URL of the SQS queue ``arn:aws:sqs:<region>:<account>:<name>``."""
    parts = queue_arn.split(":")
    partition, region, account, name = parts[1], parts[3], parts[4], parts[5]
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return f"https://sqs.{region}.{suffix}/{account}/{name}"


class Function(pulumi.ComponentResource):
    """A published Lambda function, its alias, its role, its log group and its failure queue.

    The role may write only to the function's own log group and send only to its failure queue,
    plus whatever ``statements`` the pipeline builder derives from the function's edges. An
    asynchronous event that fails every retry (or outlives ``max_event_age``) goes to the failure
    queue as Lambda's destination record; an alarm fires while the queue holds any.
    """

    function: aws.lambda_.Function
    """The function resource (``publish=True``: every code change is a new version)."""
    alias: aws.lambda_.Alias
    """The alias named after the stack; triggers point at it."""
    role: aws.iam.Role
    """The function's own execution role."""
    log_group: aws.cloudwatch.LogGroup
    """``/aws/lambda/<name>``, created before the function so retention applies."""
    policy: aws.iam.RolePolicy
    """The role's inline policy."""
    failure_queue: aws.sqs.Queue | None
    """``<function name>-failed`` (SSE, 14 days), or ``None`` when ``on_failure`` names a queue."""
    invoke_config: aws.lambda_.FunctionEventInvokeConfig
    """Retries, event age and the on-failure destination of the alias."""
    alarm: aws.cloudwatch.MetricAlarm | None
    """Fires while the created failure queue holds visible messages; ``None`` with ``on_failure``."""

    def __init__(
        self,
        name: str,
        *,
        node: AWSLambda,
        function_name: str,
        alias_name: str,
        archive: LambdaArchive,
        environment: Mapping[str, pulumi.Input[str]],
        statements: Sequence[Mapping[str, Any]],
        layers: Sequence[pulumi.Input[str]] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Create the function ``function_name`` for ``node``.

        :param name: the component's logical name.
        :param node: the DSL node (memory, timeout, description, ...).
        :param function_name: the physical function name.
        :param alias_name: the alias to publish (the stack name).
        :param archive: the function's code.
        :param environment: environment variables (wiring and the user's).
        :param statements: IAM statements derived from the function's edges.
        :param layers: layer version ARNs.
        :param opts: resource options (provider, parent).
        """
        super().__init__("jaya:aws:Function", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self._name = name
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=node.log_retention_days,
            opts=child,
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=_ASSUME_ROLE,
            description=f"Execution role of Lambda function {function_name} (jaya_pulumi)",
            opts=child,
        )
        # Annotated here, not on the class: Pulumi resolves class-level Output annotations.
        self.failure_queue_arn: pulumi.Output[str]
        """The ARN of the queue that receives failed events."""
        self.failure_queue_url: pulumi.Output[str]
        """The URL of the queue that receives failed events (what ``redrive`` reads)."""
        if node.on_failure is None:
            self.failure_queue = aws.sqs.Queue(
                f"{name}-failed",
                name=f"{function_name}{FAILURE_QUEUE_SUFFIX}",
                message_retention_seconds=FAILURE_QUEUE_RETENTION_SECONDS,
                sqs_managed_sse_enabled=True,
                opts=child,
            )
            self.failure_queue_arn = self.failure_queue.arn
            self.failure_queue_url = self.failure_queue.url
        else:
            self.failure_queue = None
            self.failure_queue_arn = pulumi.Output.from_input(node.on_failure)
            self.failure_queue_url = pulumi.Output.from_input(queue_url_of(node.on_failure))
        failure_statement = {
            "Sid": "SendFailedEvents",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [self.failure_queue_arn],
        }
        log_statement = {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [pulumi.Output.concat(self.log_group.arn, ":*")],
        }
        self.policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=self.role.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [log_statement, failure_statement, *statements],
                }
            ),
            opts=child,
        )
        self.function = aws.lambda_.Function(
            name,
            name=function_name,
            role=self.role.arn,
            runtime=archive.runtime,
            handler=archive.handler,
            code=pulumi.AssetArchive(
                {path: pulumi.StringAsset(text) for path, text in archive.files.items()}
            ),
            memory_size=node.memory,
            timeout=node.timeout,
            publish=True,
            description=node.description,
            environment={"variables": dict(environment)},
            layers=list(layers) or None,
            reserved_concurrent_executions=node.reserved_concurrency,
            logging_config={"log_format": "Text", "log_group": self.log_group.name},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_group, self.policy]),
        )
        self.alias = aws.lambda_.Alias(
            f"{name}-alias",
            name=alias_name,
            function_name=self.function.name,
            function_version=self.function.version,
            description=f"Stack {alias_name} of {function_name}",
            opts=child,
        )
        # Lambda checks the role may send to the destination when the config is written.
        self.invoke_config = aws.lambda_.FunctionEventInvokeConfig(
            f"{name}-invoke-config",
            function_name=self.function.name,
            qualifier=self.alias.name,
            maximum_retry_attempts=node.retries,
            maximum_event_age_in_seconds=node.max_event_age,
            destination_config={"on_failure": {"destination": self.failure_queue_arn}},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.policy]),
        )
        self.alarm = None
        if self.failure_queue is not None:
            topics = [node.alarm_topic] if node.alarm_topic else []
            self.alarm = queue_not_empty_alarm(
                f"{name}-failed-alarm",
                f"{function_name}{FAILURE_QUEUE_SUFFIX}",
                f"Events that {function_name} failed on every attempt wait in "
                f"{function_name}{FAILURE_QUEUE_SUFFIX}; fix the cause, then `jaya redrive`.",
                self.failure_queue.name,
                child,
                topics,
            )
        self.register_outputs(
            {
                "name": self.function.name,
                "arn": self.function.arn,
                "alias_arn": self.alias.arn,
                "role_arn": self.role.arn,
                "failure_queue_arn": self.failure_queue_arn,
                "failure_queue_url": self.failure_queue_url,
            }
        )

    def allow_s3(
        self, suffix: str, bucket_arn: pulumi.Input[str], account_id: pulumi.Input[str]
    ) -> aws.lambda_.Permission:
        """Let one bucket (in this account only) invoke the alias."""
        return self.allow_service(suffix, "s3.amazonaws.com", bucket_arn, account_id)

    def allow_service(
        self,
        suffix: str,
        principal: str,
        source_arn: pulumi.Input[str],
        account_id: pulumi.Input[str],
    ) -> aws.lambda_.Permission:
        """Let one resource (a bucket, a topic) of one service, in this account, invoke the alias."""
        return aws.lambda_.Permission(
            f"{self._name}-allow-{suffix}",
            action="lambda:InvokeFunction",
            function=self.alias.arn,
            principal=principal,
            source_arn=source_arn,
            source_account=account_id,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def read_queue(
        self, suffix: str, queue_arn: pulumi.Input[str], batch_size: int, max_batching_window: int
    ) -> aws.lambda_.EventSourceMapping:
        """Read a queue in batches; the handler reports failed records (partial batch response).

        Lambda checks that the role may receive from the queue when the mapping is created, so
        the mapping waits for the role's policy.
        """
        return aws.lambda_.EventSourceMapping(
            f"{self._name}-reads-{suffix}",
            event_source_arn=queue_arn,
            function_name=self.alias.arn,
            batch_size=batch_size,
            maximum_batching_window_in_seconds=max_batching_window or None,
            function_response_types=["ReportBatchItemFailures"],
            enabled=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.policy]),
        )
