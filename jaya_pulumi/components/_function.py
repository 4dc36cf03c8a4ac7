"""``jaya:aws:Function``: a Lambda function with its own role, log group, version and alias."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from jaya_pulumi.components._aws import aws
from jaya_pulumi.dsl import AWSLambda
from jaya_pulumi.packaging import LambdaArchive

__all__ = ["Function"]

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


class Function(pulumi.ComponentResource):
    """A published Lambda function, its alias, its role and its log group.

    The role may write only to the function's own log group, plus whatever ``statements`` the
    pipeline builder derives from the function's edges.
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
                {"Version": "2012-10-17", "Statement": [log_statement, *statements]}
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
        self.register_outputs(
            {
                "name": self.function.name,
                "arn": self.function.arn,
                "alias_arn": self.alias.arn,
                "role_arn": self.role.arn,
            }
        )

    def allow_s3(
        self, suffix: str, bucket_arn: pulumi.Input[str], account_id: pulumi.Input[str]
    ) -> aws.lambda_.Permission:
        """Let one bucket (in this account only) invoke the alias."""
        return aws.lambda_.Permission(
            f"{self._name}-allow-{suffix}",
            action="lambda:InvokeFunction",
            function=self.alias.arn,
            principal="s3.amazonaws.com",
            source_arn=bucket_arn,
            source_account=account_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
