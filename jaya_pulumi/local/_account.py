"""The state one local account holds: the only thing the creators in ``_deploy`` write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from jaya_pulumi.local.awslambda import Invocation, LocalFunction
from jaya_pulumi.local.iam import RolePolicies

__all__ = ["Account", "Active", "Mapping", "Rule", "Subscription", "Target"]


class Active:
    """A function call in progress: whose role the handler's AWS calls use."""

    __slots__ = ("function", "invocation", "principal", "role")

    def __init__(
        self, function: LocalFunction, invocation: Invocation, role: str, principal: str
    ) -> None:
        self.function = function
        self.invocation = invocation
        self.role = role
        self.principal = principal


@dataclass
class Mapping:
    """An SQS event source mapping: the queue it polls and the function ARN it invokes."""

    queue_arn: str
    function_arn: str
    batch_size: int = 10
    report_failures: bool = False
    """``FunctionResponseTypes`` holds ``ReportBatchItemFailures``: partial batch responses."""
    enabled: bool = True
    broken: str | None = None
    """Why polling stopped (the role may not read the queue), once it has."""


@dataclass
class Subscription:
    """An SNS subscription, which the harness delivers itself (protocol ``lambda`` or ``sqs``)."""

    topic_arn: str
    endpoint: str
    arn: str
    protocol: str = "lambda"
    raw: bool = False
    """Raw message delivery (``sqs``): the queue gets the message, not SNS's JSON envelope."""


@dataclass
class Target:
    """Where an EventBridge rule or a schedule sends its event."""

    arn: str
    input: str | None = None
    id: str = ""


@dataclass
class Rule:
    """An EventBridge rule: an event pattern or a schedule."""

    name: str
    arn: str
    pattern: dict[str, object] | None = None
    schedule: str | None = None
    targets: list[Target] = field(default_factory=list)


@dataclass
class Account:
    """Functions, invocation targets, permissions, policies and calls of one local account."""

    rejected: list[str] = field(default_factory=list)
    """Why resources were refused at deployment (``type 'name' was rejected: ...``)."""
    functions: dict[str, LocalFunction] = field(default_factory=dict)
    """Deployed functions by unqualified ARN."""
    targets: dict[str, tuple[LocalFunction, str]] = field(default_factory=dict)
    """What an ARN (unqualified, version or alias) invokes: the function and its qualifier."""
    permissions: list[tuple[str, str, str]] = field(default_factory=list)
    """``lambda.Permission`` grants: (function, principal, source ARN)."""
    policies: RolePolicies = field(default_factory=RolePolicies)
    """Each role's inline policies and their compiled form (written through ``PutRolePolicy``)."""
    workgroups: dict[str, str] = field(default_factory=dict)
    """Redshift Serverless workgroup ARNs by name, for IAM checks of Data API calls."""
    role_ids: dict[str, str] = field(default_factory=dict)
    """Each role's id (``AROA...``) by role name."""
    invocations: list[Invocation] = field(default_factory=list)
    """Every attempt so far, oldest first."""
    failures: list[Invocation] = field(default_factory=list)
    """The last attempt of every event still failing after its retries."""
    active: list[Active] = field(default_factory=list)
    """The function calls in progress, innermost last (a cascade nests them)."""
    on_failure: dict[str, str] = field(default_factory=dict)
    """Each function's on-failure destination (an SQS queue ARN), by physical function name."""
    dead_lettered: list[tuple[Invocation, str]] = field(default_factory=list)
    """Each event that failed every attempt, with the queue its destination record went to."""
    mappings: list[Mapping] = field(default_factory=list)
    """SQS event source mappings, in creation order."""
    subscriptions: list[Subscription] = field(default_factory=list)
    """SNS subscriptions (moto holds none: the harness delivers each publish itself)."""
    resource_policies: dict[str, dict[str, object]] = field(default_factory=dict)
    """Queue and topic policies, parsed, by queue or topic ARN."""
    rules: dict[str, Rule] = field(default_factory=dict)
    """EventBridge rules (S3 routes and schedules) by name."""

    delegated: tuple[str, str] | None = None
    """``(role name, principal)`` a service acts with (Firehose's delivery role), or ``None``."""

    def caller(self) -> tuple[str, str] | None:
        """``(role name, principal)`` of the innermost handler running, of the role a service
        acts with (:meth:`as_role`), or ``None`` for a service's own unchecked calls."""
        if not self.active:
            return self.delegated
        active = self.active[-1]
        return active.role, active.principal

    @contextmanager
    def as_service(self) -> Iterator[None]:
        """Calls made inside are the services' own (Lambda's, Firehose's), not a handler's."""
        saved, self.active = self.active, []
        delegated, self.delegated = self.delegated, None
        try:
            yield
        finally:
            self.active, self.delegated = saved, delegated

    @contextmanager
    def as_role(self, role: str, session: str) -> Iterator[None]:
        """Calls made inside are a service's made with ``role`` (assumed as ``role/session``),
        checked against that role's policies as AWS checks them."""
        saved, self.active = self.active, []
        delegated, self.delegated = self.delegated, (role, f"{role}/{session}")
        try:
            yield
        finally:
            self.active, self.delegated = saved, delegated
