"""The state one local account holds: the only thing the creators in ``_deploy`` write."""

from __future__ import annotations

from dataclasses import dataclass, field

from jaya_pulumi.local.awslambda import Invocation, LocalFunction
from jaya_pulumi.local.iam import CompiledPolicy

__all__ = ["Account", "Active"]


class Active:
    """A function call in progress: whose role the handler's AWS calls use."""

    __slots__ = ("function", "invocation", "policy", "principal", "role")

    def __init__(
        self,
        function: LocalFunction,
        invocation: Invocation,
        policy: CompiledPolicy,
        role: str,
        principal: str,
    ) -> None:
        self.function = function
        self.invocation = invocation
        self.policy = policy
        self.role = role
        self.principal = principal


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
    policies: dict[str, CompiledPolicy] = field(default_factory=dict)
    """Each role's inline policies, compiled, by role name."""
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
