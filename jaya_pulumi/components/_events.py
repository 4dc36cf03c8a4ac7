"""``jaya:aws:EventRule``: an EventBridge rule (a schedule, or a pattern on S3 events) and its target.

Schedules are rules with a ``schedule_expression`` rather than EventBridge Scheduler schedules:
the same resource routes S3 events (``S3(..., via="eventbridge")``), so one mechanism serves both,
and the grant lives on the function, an invoke permission naming the one rule's ARN (Scheduler
would need a role of its own, assumed by ``scheduler.amazonaws.com``, that may invoke the
function). A failed invocation goes to the function's failure queue, as every asynchronous one
does. What Scheduler adds and rules lack, time zones and one-off ``at(...)`` schedules, the DSL
does not offer.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from jaya_pulumi.components._aws import aws

__all__ = ["EventRule"]


class EventRule(pulumi.ComponentResource):
    """One rule on the default event bus with its targets: function aliases or one queue.

    A function target gets a ``lambda.Permission`` for ``events.amazonaws.com`` scoped to this
    rule's ARN and account; a queue target needs the queue's policy to name :attr:`arn` (the
    pipeline builder writes it).
    """

    rule: aws.cloudwatch.EventRule
    """The rule."""
    targets: list[aws.cloudwatch.EventTarget]
    """The rule's targets, in the order they were added."""
    permissions: list[aws.lambda_.Permission]
    """The invoke permission of each function target."""

    def __init__(
        self,
        name: str,
        rule_name: str,
        *,
        schedule_expression: str | None = None,
        event_pattern: Mapping[str, object] | None = None,
        description: str = "",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Create the rule ``rule_name`` with a schedule or an event pattern (exactly one).

        :param name: the component's logical name.
        :param rule_name: the rule's physical name.
        :param schedule_expression: ``rate(...)`` or ``cron(...)``.
        :param event_pattern: the event pattern, as plain data.
        :param description: the rule's description.
        :param opts: resource options (provider, parent).
        """
        if (schedule_expression is None) == (event_pattern is None):
            raise ValueError("an EventRule takes a schedule_expression or an event_pattern")
        super().__init__("jaya:aws:EventRule", name, None, opts)
        self._name = name
        self.rule = aws.cloudwatch.EventRule(
            name,
            name=rule_name,
            description=description or None,
            schedule_expression=schedule_expression,
            event_pattern=(
                pulumi.Output.json_dumps(dict(event_pattern)) if event_pattern is not None else None
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn: pulumi.Output[str] = self.rule.arn
        """The rule's ARN."""
        self.targets = []
        self.permissions = []
        self.register_outputs({"arn": self.arn, "name": self.rule.name})

    def invoke(
        self, function_arn: pulumi.Input[str], account_id: pulumi.Input[str], suffix: str = ""
    ) -> aws.cloudwatch.EventTarget:
        """Target a function alias, with a permission for this rule (in this account) only.

        :param suffix: names the permission and target when the rule has several (a schedule
            feeding several functions); also the target's id.
        """
        tail = f"-{suffix}" if suffix else ""
        permission = aws.lambda_.Permission(
            f"{self._name}-allow{tail}",
            action="lambda:InvokeFunction",
            function=function_arn,
            principal="events.amazonaws.com",
            source_arn=self.rule.arn,
            source_account=account_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.permissions.append(permission)
        return self._target(function_arn, [permission], suffix)

    def send_to(
        self, queue_arn: pulumi.Input[str], policy: pulumi.Resource | None
    ) -> aws.cloudwatch.EventTarget:
        """Target a queue, after the queue policy that lets this rule send."""
        return self._target(queue_arn, [policy] if policy is not None else [], "")

    def _target(
        self, arn: pulumi.Input[str], after: list[pulumi.Resource], suffix: str
    ) -> aws.cloudwatch.EventTarget:
        if self.targets and not suffix:
            raise RuntimeError(f"EventRule {self._name!r} already has a target; name the next one")
        target = aws.cloudwatch.EventTarget(
            f"{self._name}-target{'-' + suffix if suffix else ''}",
            rule=self.rule.name,
            arn=arn,
            target_id=suffix or "jaya",
            opts=pulumi.ResourceOptions(parent=self, depends_on=after),
        )
        self.targets.append(target)
        return target
