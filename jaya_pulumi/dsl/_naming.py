"""Logical (Pulumi) and physical (AWS) names for everything the builder creates.

Logical names are stable across stacks: they never contain the stack name, so one program
deploys to ``staging`` and ``production`` with the same URNs. Physical names carry the stack.
Plain Python: the DSL, the builder and the pictures (``jaya_pulumi.diagram``) all name things here.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from jaya_pulumi.dsl._function import MAX_FUNCTION_NAME
from jaya_pulumi.dsl._s3 import STACK_PLACEHOLDER, validate_bucket_name
from jaya_pulumi.errors import ConfigurationError, PipelineDefinitionError

if TYPE_CHECKING:
    from jaya_pulumi.dsl._firehose import Firehose
    from jaya_pulumi.dsl._function import AWSLambda
    from jaya_pulumi.dsl._pipeline import BucketGroup, Pipeline
    from jaya_pulumi.dsl._sources import SNS, SQS, Schedule
    from jaya_pulumi.dsl._table import Table

__all__ = [
    "MAX_RULE_NAME",
    "bucket_component_name",
    "expand",
    "firehose_component_name",
    "function_component_name",
    "function_name_template",
    "physical_bucket_name",
    "physical_function_name",
    "physical_name",
    "source_component_name",
    "table_component_name",
]

MAX_RULE_NAME = 64
"""EventBridge's limit on a rule name's length."""


def expand(template: str, stack: str) -> str:
    """Expand ``{stack}`` (:data:`STACK_PLACEHOLDER`) in a name."""
    return template.replace(STACK_PLACEHOLDER, stack)


def bucket_component_name(group: BucketGroup) -> str:
    """The logical name of a bucket's component, e.g. ``raw`` or ``raw-stack`` for ``raw-{stack}``."""
    return expand(group.bucket_name, "stack")


def function_component_name(pipeline: Pipeline, function: AWSLambda) -> str:
    """The logical name of a function's component: ``<pipeline>-<node name>``."""
    return f"{pipeline.name}-{function.name}"


def firehose_component_name(pipeline: Pipeline, firehose: Firehose) -> str:
    """The logical name of a delivery stream's component: ``<pipeline>-<firehose name>``."""
    return f"{pipeline.name}-{expand(firehose.firehose_name, 'stack')}"


def table_component_name(pipeline: Pipeline, table: Table) -> str:
    """The logical name of a table's component: ``<pipeline>-table-<schema.table>``."""
    return f"{pipeline.name}-table-{table.key}"


def physical_bucket_name(group: BucketGroup | str, stack: str) -> str:
    """The bucket's AWS name with ``{stack}`` expanded, checked against S3's rules again."""
    name = expand(group if isinstance(group, str) else group.bucket_name, stack)
    try:
        validate_bucket_name(name)
    except PipelineDefinitionError as exc:
        raise ConfigurationError(f"For stack {stack!r}: {exc}") from None
    return name


def function_name_template(pipeline: Pipeline, function: AWSLambda) -> str:
    """The function's AWS name before expansion: ``function_name`` or ``<pipeline>-<node>-{stack}``.

    Derived names are shortened to Lambda's limit only once the stack is known
    (:func:`physical_function_name`).
    """
    if function.function_name is not None:
        return function.function_name
    return f"{pipeline.name}-{function.name}-{STACK_PLACEHOLDER}"


def physical_function_name(pipeline: Pipeline, function: AWSLambda, stack: str) -> str:
    """The function's AWS name: ``function_name`` expanded, or ``<pipeline>-<node>-<stack>``.

    A derived name longer than Lambda's 64 characters is shortened, keeping a hash of the full
    name so two long names stay distinct; an explicit name that is too long is an error.
    """
    if function.function_name is not None:
        name = expand(function.function_name, stack)
        if len(name) > MAX_FUNCTION_NAME:
            raise ConfigurationError(
                f"function_name {name!r} of {function.label} is {len(name)} characters for stack "
                f"{stack!r}; Lambda allows {MAX_FUNCTION_NAME}. Shorten it."
            )
        return name
    name = f"{pipeline.name}-{function.name}-{stack}"
    if len(name) <= MAX_FUNCTION_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    keep = MAX_FUNCTION_NAME - len(digest) - 1
    return f"{name[:keep].rstrip('-_')}-{digest}"


def source_component_name(pipeline: Pipeline, node: SQS | SNS | Schedule) -> str:
    """The logical name of a queue's, topic's or schedule's component: ``<pipeline>-<kind>-<name>``."""
    kind = {"SQS": "queue", "SNS": "topic", "Schedule": "schedule"}[node.kind]
    return f"{pipeline.name}-{kind}-{node.key}"


def physical_name(pipeline: Pipeline, name: str, stack: str, limit: int) -> str:
    """``<pipeline>-<name>-<stack>``, shortened to ``limit`` characters keeping a hash of the whole.

    Queues (80 characters less the dead-letter suffix), topics (256) and EventBridge rules (64)
    are named this way, as derived function names are.
    """
    whole = f"{pipeline.name}-{name}-{stack}"
    if len(whole) <= limit:
        return whole
    digest = hashlib.sha256(whole.encode()).hexdigest()[:8]
    return f"{whole[: limit - len(digest) - 1].rstrip('-_')}-{digest}"
