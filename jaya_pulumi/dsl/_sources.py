"""Message sources: :class:`SQS` queues, :class:`SNS` topics and :class:`Schedule` expressions.

Plain descriptions, like every node. A queue gets a dead-letter queue of its own and a redrive
policy; a function it feeds reads it through an event source mapping that reports partial batch
failures (``ReportBatchItemFailures``). A schedule is an EventBridge rule with a
``schedule_expression`` (``rate(...)`` or ``cron(...)``, both checked here), whose only target is
the function it feeds.

Not supported: FIFO queues and topics, ``at(...)`` one-off schedules and time zones (EventBridge
rules run in UTC), and queues or topics that already exist outside the pipeline.
"""

from __future__ import annotations

import re
from typing import ClassVar

from jaya_pulumi.dsl._chain import Node
from jaya_pulumi.dsl._s3 import STACK_PLACEHOLDER, check_region
from jaya_pulumi.errors import PipelineDefinitionError

__all__ = [
    "DEAD_LETTER_SUFFIX",
    "MAX_QUEUE_NAME",
    "MAX_TOPIC_NAME",
    "SNS",
    "SQS",
    "VISIBILITY_FACTOR",
    "Schedule",
    "check_schedule_expression",
]

MAX_QUEUE_NAME = 80
"""SQS's limit on a queue name's length."""
MAX_TOPIC_NAME = 256
"""SNS's limit on a topic name's length."""
DEAD_LETTER_SUFFIX = "-dlq"
"""Appended to a queue's physical name to name its dead-letter queue."""
VISIBILITY_FACTOR = 6
"""AWS's advice: a queue's visibility timeout is at least six times its consumer's timeout."""
MAX_VISIBILITY_TIMEOUT = 43200
"""SQS's longest visibility timeout, in seconds (12 hours)."""

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def _check_name(kind: str, name: object) -> str:
    if not isinstance(name, str) or not _NAME.match(name.replace(STACK_PLACEHOLDER, "x")):
        raise PipelineDefinitionError(
            f"{kind} name {name!r} may contain only letters, digits, '-' and '_' "
            f"(it becomes part of the {kind} resource's AWS name)."
        )
    if STACK_PLACEHOLDER in name:
        raise PipelineDefinitionError(
            f"{kind}({name!r}): the stack name is added for you (<pipeline>-<name>-<stack>); "
            "drop {stack} from the name."
        )
    return name


def _check_int(value: object, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PipelineDefinitionError(
            f"{what} is {value!r}; it must be a whole number from {low} to {high}."
        )
    return value


class SQS(Node):
    """A standard SQS queue, encrypted (SSE-SQS), with its own dead-letter queue.

    As a target (``S3(...) >> SQS(...)``, ``SNS(...) >> SQS(...)``, ``function >> SQS(...)``) it
    buffers messages; as a source (``SQS(...) >> function``) it feeds one function through an event
    source mapping that reports partial batch failures: only the failed records come back, and a
    record that fails ``max_receive_count`` times moves to the dead-letter queue.

    :param name: the node's name (letters, digits, ``-``, ``_``): the queue is deployed as
        ``<pipeline>-<name>-<stack>``, its dead-letter queue with ``-dlq`` appended.
    :param batch_size: the most records one invocation receives, 1 to 10000 (above 10 needs
        ``max_batching_window`` of at least 1 second).
    :param max_batching_window: seconds the mapping gathers records before invoking, 0 to 300.
    :param visibility_timeout: seconds a received record stays hidden; ``None`` sets six times
        the consuming function's timeout plus the batching window (AWS's advice), and a value
        below that is refused.
    :param max_receive_count: receives before a record moves to the dead-letter queue, 1 to 1000.
    :param region_name: the queue's region; ``None`` means the stack's ``aws:region``.
    """

    kind: ClassVar[str] = "SQS"

    def __init__(
        self,
        name: str,
        batch_size: int = 10,
        max_batching_window: int = 0,
        visibility_timeout: int | None = None,
        *,
        max_receive_count: int = 3,
        region_name: str | None = None,
    ) -> None:
        self.name: str = _check_name("SQS", name)
        """The node's name, unique among the pipeline's queues."""
        self.batch_size: int = _check_int(batch_size, 1, 10000, f"batch_size of SQS({name!r})")
        """The most records one invocation receives."""
        self.max_batching_window: int = _check_int(
            max_batching_window, 0, 300, f"max_batching_window of SQS({name!r})"
        )
        """Seconds the event source mapping gathers records before invoking."""
        if self.batch_size > 10 and self.max_batching_window < 1:
            raise PipelineDefinitionError(
                f"SQS({name!r}, batch_size={batch_size}) needs max_batching_window of at least 1 "
                "second: Lambda takes more than 10 records from a standard queue only while it "
                "gathers a batch. Pass max_batching_window=1 (or more), or batch_size=10."
            )
        if visibility_timeout is not None:
            _check_int(
                visibility_timeout,
                0,
                MAX_VISIBILITY_TIMEOUT,
                f"visibility_timeout of SQS({name!r})",
            )
        self.visibility_timeout: int | None = visibility_timeout
        """Seconds a received record stays hidden, or ``None`` for six times the consumer's timeout."""
        self.max_receive_count: int = _check_int(
            max_receive_count, 1, 1000, f"max_receive_count of SQS({name!r})"
        )
        """Receives before a record moves to the dead-letter queue."""
        self.region_name: str | None = check_region(region_name)
        """The queue's region, or ``None`` for the stack's region."""

    @property
    def key(self) -> str:
        """The node's name."""
        return self.name

    def required_visibility(self, function_timeout: int) -> int:
        """The least visibility timeout for a consumer with ``function_timeout`` seconds."""
        return VISIBILITY_FACTOR * function_timeout + self.max_batching_window


class SNS(Node):
    """A standard SNS topic, encrypted with a KMS key of its own, that fans messages out.

    ``SNS(...) >> [function, SQS(...)]`` subscribes each target; ``S3(...) >> SNS(...)`` publishes
    the bucket's events and ``function >> SNS(...)`` lets the function publish.

    :param name: the node's name: the topic is deployed as ``<pipeline>-<name>-<stack>``.
    :param region_name: the topic's region; ``None`` means the stack's ``aws:region``.
    """

    kind: ClassVar[str] = "SNS"

    def __init__(self, name: str, *, region_name: str | None = None) -> None:
        self.name: str = _check_name("SNS", name)
        """The node's name, unique among the pipeline's topics."""
        self.region_name: str | None = check_region(region_name)
        """The topic's region, or ``None`` for the stack's region."""

    @property
    def key(self) -> str:
        """The node's name."""
        return self.name


_RATE = re.compile(r"^rate\((?P<value>\d+) (?P<unit>minutes?|hours?|days?)\)$")
_CRON = re.compile(r"^cron\((?P<fields>[^()]*)\)$")
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
_EXAMPLES = "rate(1 hour), rate(5 minutes) or cron(0 12 * * ? *) (every day at 12:00 UTC)"


def _cron_field(text: str, low: int, high: int, names: list[str], extra: str) -> str | None:
    """Check one cron field; return what is wrong with it, or ``None``."""
    for part in text.split(","):
        if part == "*" or (part and part in tuple(extra)):
            continue
        base, slash, step = part.partition("/")
        if slash and (not step.isdigit() or int(step) < 1):
            return f"{part!r} has a step that is not a positive number"
        if base == "*" and slash:
            continue
        if "L" in extra and re.fullmatch(r"\d{1,2}L|L-?\d{0,2}|\d{1,2}W|LW", base):
            continue
        if "#" in extra and re.fullmatch(r"[1-7]#[1-5]|[A-Z]{3}#[1-5]", base):
            continue
        for bound in base.split("-", 1):
            value = names.index(bound) + low if bound in names else None
            if value is None and bound.isdigit():
                value = int(bound)
            if value is None or not low <= value <= high:
                return f"{bound!r} is not a value from {low} to {high}"
    return None


def check_schedule_expression(expression: object, label: str = "Schedule") -> str:
    """Accept an EventBridge ``rate(...)`` or ``cron(...)`` expression, or raise with the fix."""
    if not isinstance(expression, str):
        raise PipelineDefinitionError(
            f"{label}: the expression must be a string such as {_EXAMPLES}; got {expression!r}."
        )
    rate = _RATE.match(expression)
    if rate:
        value, unit = int(rate["value"]), rate["unit"]
        singular = unit.rstrip("s")
        if value < 1:
            raise PipelineDefinitionError(
                f"{label}({expression!r}): a rate must be at least 1 {singular}."
            )
        if value == 1 and unit.endswith("s"):
            raise PipelineDefinitionError(
                f"{label}({expression!r}): EventBridge wants the singular for 1: "
                f"write rate(1 {singular})."
            )
        if value > 1 and not unit.endswith("s"):
            raise PipelineDefinitionError(
                f"{label}({expression!r}): EventBridge wants the plural above 1: "
                f"write rate({value} {singular}s)."
            )
        return expression
    cron = _CRON.match(expression)
    if cron:
        fields = cron["fields"].split()
        if len(fields) != 6:
            raise PipelineDefinitionError(
                f"{label}({expression!r}): an EventBridge cron has six fields (minutes hours "
                f"day-of-month month day-of-week year), this one has {len(fields)}; e.g. "
                "cron(0 12 * * ? *)."
            )
        specs: tuple[tuple[str, int, int, list[str], str], ...] = (
            ("minutes", 0, 59, [], ""),
            ("hours", 0, 23, [], ""),
            ("day-of-month", 1, 31, [], "?L"),
            ("month", 1, 12, _MONTHS, ""),
            ("day-of-week", 1, 7, _DAYS, "?L#"),
            ("year", 1970, 2199, [], ""),
        )
        for text, (what, low, high, names, extra) in zip(fields, specs, strict=True):
            problem = _cron_field(text.upper(), low, high, names, extra)
            if problem:
                raise PipelineDefinitionError(
                    f"{label}({expression!r}): the {what} field {text!r} is invalid: {problem}."
                )
        if (fields[2] == "?") == (fields[4] == "?"):
            raise PipelineDefinitionError(
                f"{label}({expression!r}): exactly one of day-of-month and day-of-week must be "
                "'?' (EventBridge cannot combine both); e.g. cron(0 12 * * ? *) or "
                "cron(0 12 ? * MON-FRI *)."
            )
        return expression
    raise PipelineDefinitionError(
        f"{label}({expression!r}) is not a schedule expression EventBridge accepts; write "
        f"{_EXAMPLES}."
    )


class Schedule(Node):
    """A periodic trigger: an EventBridge rule whose schedule invokes the function it feeds.

    ``Schedule("rate(1 hour)") >> AWSLambda(...)``. The function receives EventBridge's
    ``Scheduled Event``. Rules run in UTC.

    :param expression: ``rate(<n> minute|minutes|hour|hours|day|days)`` or an EventBridge
        ``cron(minutes hours day-of-month month day-of-week year)``; checked here.
    :param name: the node's name (default ``schedule``, numbered when there are several): the
        rule is deployed as ``<pipeline>-<name>-<stack>``.
    :param description: the rule's description.
    """

    kind: ClassVar[str] = "Schedule"
    auto_named: bool = False
    """True when the pipeline numbers the name (``schedule``, ``schedule-2``, ...)."""

    def __init__(self, expression: str, *, name: str | None = None, description: str = "") -> None:
        self.expression: str = check_schedule_expression(expression)
        """The ``rate(...)`` or ``cron(...)`` expression."""
        self.auto_named = name is None
        self.name: str = _check_name("Schedule", name or "schedule")
        """The node's name, unique among the pipeline's schedules."""
        self.base_name: str = self.name
        """The name as given; an auto-named node's ``name`` is this, numbered per pipeline."""
        if not isinstance(description, str) or len(description) > 512:
            raise PipelineDefinitionError(
                f"The description of Schedule({expression!r}) must be a string of at most 512 "
                "characters."
            )
        self.description: str = description
        """The rule's description."""

    @property
    def key(self) -> str:
        """The node's name."""
        return self.name

    @property
    def label(self) -> str:
        """``Schedule('rate(1 hour)')``, with the name when one was given."""
        if self.auto_named:
            return f"Schedule({self.expression!r})"
        return f"Schedule({self.expression!r}, name={self.name!r})"
