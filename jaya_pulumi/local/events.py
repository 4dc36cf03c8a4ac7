"""EventBridge, locally: S3 events routed by rules, and schedules fired on demand.

A bucket whose notification configuration turns on EventBridge sends each event to the default
bus; every rule whose pattern matches delivers it to its targets at once (rules match
independently, so overlapping filters all fire): a function asynchronously (with Lambda's
retries), a queue by ``SendMessage`` then synchronous delivery. A rule may invoke a function only
with a ``lambda.Permission`` for ``events.amazonaws.com`` from the rule, and send to a queue only
when the queue's policy allows it. Schedules (a rule with a ``scheduleExpression``, as the
components deploy them) never run by themselves: ``h.fire(schedule)`` runs their targets once.
EventBridge Scheduler (``aws.scheduler.Schedule``) is not emulated. Patterns support exact
values, ``prefix``, ``suffix``, ``wildcard``, ``anything-but`` (of values) and ``exists``; not
emulated: numeric matching, ``$or``, input transformers, custom buses.
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from jaya_pulumi.local._account import Account, Rule, Target
from jaya_pulumi.local._resource_policy import resource_policy_allows
from jaya_pulumi.local.awslambda import Invocation
from jaya_pulumi.local.errors import HarnessError

if TYPE_CHECKING:
    from pulumi.runtime import MockResourceArgs

    from jaya_pulumi.local.harness import Harness

__all__ = [
    "EventsDispatch",
    "create_rule",
    "create_target",
    "matches",
    "s3_eventbridge_event",
]

_REASONS = {
    "Put": "PutObject",
    "Post": "POST Object",
    "Copy": "CopyObject",
    "CompleteMultipartUpload": "CompleteMultipartUpload",
}


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def s3_eventbridge_event(
    account: str,
    region: str,
    bucket: str,
    key: str,
    event_name: str,
    size: int,
    etag: str,
    version_id: str | None,
) -> dict[str, Any] | None:
    """The event S3 sends EventBridge for a notification event name, or None for other kinds."""
    kind, _, how = event_name.removeprefix("s3:").partition(":")
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": bucket},
        "object": {"key": key, "sequencer": uuid.uuid4().hex[:16].upper()},
        "request-id": uuid.uuid4().hex[:16].upper(),
        "requester": account,
        "source-ip-address": "127.0.0.1",
    }
    if kind == "ObjectCreated":
        detail["object"].update({"size": size, "etag": etag})
        detail["reason"] = _REASONS.get(how, how)
        detail_type = "Object Created"
    elif kind == "ObjectRemoved":
        detail["reason"] = "DeleteObject"
        marker = how == "DeleteMarkerCreated"
        detail["deletion-type"] = "Delete Marker Created" if marker else "Permanently Deleted"
        detail_type = "Object Deleted"
    else:
        return None
    if version_id and version_id != "null":
        detail["object"]["version-id"] = version_id
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "aws.s3",
        "account": account,
        "time": _now(),
        "region": region,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": detail,
    }


def matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """True when ``event`` matches an EventBridge event ``pattern``."""
    for field, wanted in pattern.items():
        value = event.get(field) if isinstance(event, Mapping) else None
        if isinstance(wanted, Mapping):
            if not isinstance(value, Mapping) or not matches(wanted, value):
                return False
        elif isinstance(wanted, list):
            values = value if isinstance(value, list) else [value]
            if not any(_one(w, v, field in event) for w in wanted for v in values):
                return False
        else:
            raise HarnessError(f"event pattern field {field!r} must be a list or an object")
    return True


def _one(wanted: Any, value: Any, present: bool) -> bool:
    if not isinstance(wanted, Mapping):
        return present and wanted == value
    if "exists" in wanted:
        return bool(wanted["exists"]) == present
    if not present or not isinstance(value, str | int | float):
        return False
    text = str(value)
    if "prefix" in wanted:
        return text.startswith(str(wanted["prefix"]))
    if "suffix" in wanted:
        return text.endswith(str(wanted["suffix"]))
    if "wildcard" in wanted:
        return _wildcard(str(wanted["wildcard"])).fullmatch(text) is not None
    if "anything-but" in wanted:
        but = wanted["anything-but"]
        return value not in (but if isinstance(but, list) else [but])
    raise HarnessError(f"event pattern {dict(wanted)!r} is not emulated")


def _wildcard(pattern: str) -> re.Pattern[str]:
    """EventBridge's ``wildcard``: ``*`` matches any run of characters, ``\\*`` a star."""
    parts = re.split(r"(\\\\|\\\*|\*)", pattern)
    regex = "".join(
        ".*" if part == "*" else re.escape(part[1:]) if part.startswith("\\") else re.escape(part)
        for part in parts
    )
    return re.compile(regex, re.DOTALL)


class EventsDispatch:
    """The harness's EventBridge side: S3 events routed by rules; schedules fired on demand."""

    account: Account
    client: Callable[..., Any]
    _on_notification: Callable[[str, Any, str, str], None]
    _deliver_to_queue: Callable[[str, str], None]

    def _s3_to_eventbridge(self, account_id: str, bucket: Any, event_name: Any, key: Any) -> None:
        """Replacement for moto's S3-to-EventBridge send: route the event through the rules."""
        etag = getattr(key, "etag", "") or ""
        event = s3_eventbridge_event(
            account_id,
            bucket.region_name,
            bucket.name,
            key.name,
            str(getattr(event_name, "value", event_name)),
            int(getattr(key, "size", 0) or 0),
            etag.strip('"'),
            getattr(key, "version_id", None) if getattr(bucket, "is_versioned", False) else None,
        )
        if event is None:
            return
        for rule in list(self.account.rules.values()):
            if rule.pattern is not None and matches(rule.pattern, event):
                for target in rule.targets:
                    self._send_rule_event(rule, target, event)

    def _send_rule_event(self, rule: Rule, target: Target, event: dict[str, Any]) -> None:
        """Deliver one event from ``rule`` to one of its targets, as EventBridge would."""
        payload = json.loads(target.input) if target.input else event
        if ":sqs:" in target.arn:
            policy = self.account.resource_policies.get(target.arn)
            if resource_policy_allows(
                policy, "events.amazonaws.com", "sqs:SendMessage", target.arn, rule.arn
            ):
                self._deliver_to_queue(target.arn, json.dumps(payload))
            else:
                self._refused(
                    rule,
                    target,
                    payload,
                    f"the policy of {target.arn} does not let events.amazonaws.com "
                    f"sqs:SendMessage from {rule.arn}",
                )
            return
        found = self.account.targets.get(target.arn)
        if found is None:
            return
        fn = found[0]
        allowed = any(
            principal == "events.amazonaws.com"
            and source in (rule.arn, "")
            and function in (fn.name, fn.arn, target.arn)
            for function, principal, source in self.account.permissions
        )
        problem = (
            f"EventBridge may not invoke {target.arn}: add a lambda.Permission for principal "
            f"events.amazonaws.com with source ARN {rule.arn}"
        )
        if not allowed:
            self._refused(rule, target, payload, problem)
            return
        self._on_notification(rule.arn.split(":")[4], payload, target.arn, fn.region)

    def _refused(self, rule: Rule, target: Target, event: Any, problem: str) -> None:
        found = self.account.targets.get(target.arn)
        node, name = (found[0].node, found[0].name) if found else (rule.name, target.arn)
        failed = Invocation(node, name, event, 1, str(uuid.uuid4()))
        failed.error = HarnessError(f"{rule.name} could not deliver: {problem}")
        self.account.invocations.append(failed)
        self.account.failures.append(failed)

    def _fire(self, schedule: Any) -> list[Invocation]:
        """Run the targets of the one schedule ``schedule`` (a node, a name or an expression)."""
        schedules = [r for r in self.account.rules.values() if r.schedule is not None]
        wanted = {str(getattr(schedule, a)) for a in ("name", "expression") if hasattr(schedule, a)}
        wanted |= {schedule} if isinstance(schedule, str) else set()
        found = [r for r in schedules if r.name in wanted]
        found = found or [r for r in schedules if any(w and w in r.name for w in wanted)]
        found = found if len(found) < 2 else [r for r in found if r.schedule in wanted]
        found = found or [r for r in schedules if r.schedule in wanted]
        if len(found) != 1:
            known = ", ".join(f"{r.name} ({r.schedule})" for r in schedules) or "none"
            raise HarnessError(
                f"{'No' if not found else 'More than one'} schedule matches {schedule!r}; the "
                f"pipeline's schedules: {known}. Pass the Schedule node or its name."
            )
        rule = found[0]
        before = len(self.account.invocations)
        event: dict[str, Any] = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": rule.arn.split(":")[4],
            "time": _now(),
            "region": rule.arn.split(":")[3],
            "resources": [rule.arn],
            "detail": {},
        }
        for target in rule.targets:
            self._send_rule_event(rule, target, event)
        return self.account.invocations[before:]


# -- creators (registered in _deploy.CREATORS) ---------------------------------------------


def create_rule(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    """``aws.cloudwatch.EventRule``: an event pattern or a schedule, validated by moto."""
    i = args.inputs
    name = str(state.get("name") or id_)
    kwargs: dict[str, Any] = {"Name": name, "State": "ENABLED"}
    if i.get("eventPattern"):
        kwargs["EventPattern"] = str(i["eventPattern"])
    if i.get("scheduleExpression"):
        kwargs["ScheduleExpression"] = str(i["scheduleExpression"])
    arn = h.client("events", region).put_rule(**kwargs)["RuleArn"]
    h.account.rules[name] = Rule(
        name=name,
        arn=arn,
        pattern=json.loads(kwargs["EventPattern"]) if "EventPattern" in kwargs else None,
        schedule=kwargs.get("ScheduleExpression"),
    )


def create_target(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    """``aws.cloudwatch.EventTarget``: a function or a queue of a rule."""
    i = args.inputs
    rule = h.account.rules.get(str(i["rule"]))
    if rule is None:
        raise HarnessError(f"Rule {i['rule']} does not exist on EventBus default.")
    target = Target(
        arn=str(i["arn"]),
        input=str(i["input"]) if i.get("input") else None,
        id=str(i.get("targetId") or id_),
    )
    entry: dict[str, Any] = {"Id": target.id, "Arn": target.arn}
    if target.input:
        entry["Input"] = target.input
    h.client("events", region).put_targets(Rule=rule.name, Targets=[entry])
    rule.targets.append(target)
