"""Queue and topic policies: may a service (S3, SNS, EventBridge) send there from a source ARN."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jaya_pulumi.local.iam import CompiledPolicy

__all__ = ["resource_policy_allows"]


def resource_policy_allows(
    document: Mapping[str, Any] | None, service: str, action: str, resource: str, source_arn: str
) -> bool:
    """True when a queue or topic policy lets ``service`` do ``action`` for ``source_arn``.

    Evaluated: ``Allow`` statements whose principal is the service (or ``*``), whose actions
    match, whose resource matches, and whose ``aws:SourceArn`` condition (``ArnEquals``,
    ``ArnLike``, ``StringEquals``, ``StringLike``), when present, matches the source.
    """
    statements = (document or {}).get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        services = principal.get("Service") if isinstance(principal, Mapping) else principal
        if service not in _strings(services) and "*" not in _strings(services):
            continue
        probe = CompiledPolicy()
        probe.add(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": statement.get("Action", []),
                        "Resource": statement.get("Resource", "*"),
                    }
                ]
            }
        )
        if not probe.allows(action, resource):
            continue
        if _source_matches(statement.get("Condition") or {}, source_arn):
            return True
    return False


def _strings(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value or []]


def _source_matches(condition: Mapping[str, Any], source_arn: str) -> bool:
    for operator in ("ArnEquals", "ArnLike", "StringEquals", "StringLike"):
        wanted = (condition.get(operator) or {}).get("aws:SourceArn")
        if wanted is not None:
            probe = CompiledPolicy()
            probe.add({"Statement": [{"Effect": "Allow", "Action": "x:y", "Resource": wanted}]})
            return probe.allows("x:y", source_arn)
    return True
