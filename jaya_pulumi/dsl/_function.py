"""Function nodes: :class:`AWSLambda` and the ready-made :class:`CopyS3Lambda`."""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from jaya_pulumi.dsl._chain import Node
from jaya_pulumi.dsl._s3 import STACK_PLACEHOLDER, check_region
from jaya_pulumi.errors import PipelineDefinitionError

__all__ = [
    "BY_REFERENCE_RUNTIME",
    "FAILURE_QUEUE_SUFFIX",
    "INVOKED_BY",
    "LAMBDA_PYTHON_RUNTIMES",
    "LOG_RETENTION_DAYS",
    "MAX_EVENT_AGE",
    "MAX_RETRIES",
    "AWSLambda",
    "CopyS3Lambda",
    "HandlerRef",
    "LambdaRuntime",
    "check_settings",
    "check_signature",
]

LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
"""Retention periods CloudWatch Logs accepts, in days."""

MAX_FUNCTION_NAME = 64
"""Lambda's limit on a function name's length."""

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_ENV_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESERVED_ENV = frozenset(
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    }
)  # fmt: skip


@dataclass(frozen=True)
class LambdaRuntime:
    """One of Lambda's Python runtimes: its operating system and the day Lambda deprecates it."""

    identifier: str
    """The runtime identifier, e.g. ``python3.13``."""
    operating_system: str
    """The Amazon Linux release the runtime runs on."""
    deprecation: str
    """The date (ISO 8601) Lambda stops patching the runtime."""


LAMBDA_PYTHON_RUNTIMES: Mapping[str, LambdaRuntime] = {
    r.identifier: r
    for r in (
        LambdaRuntime("python3.14", "Amazon Linux 2023", "2029-06-30"),
        LambdaRuntime("python3.13", "Amazon Linux 2023", "2029-06-30"),
        LambdaRuntime("python3.12", "Amazon Linux 2023", "2028-10-31"),
        LambdaRuntime("python3.11", "Amazon Linux 2", "2027-06-30"),
    )
}
"""Lambda's current Python runtimes, newest first.

Source: AWS Lambda Developer Guide, "Lambda runtimes", table "Supported runtimes" (Python rows),
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html (python3.14's date as
https://endoflife.date/aws-lambda records it; python3.11's is the extended date issue 11 records,
where an older copy of the page read 2026-06-30). ``python3.11`` is the last one on Amazon Linux 2,
whose end of life was 2026-06-30; python3.10 and older can no longer be created or updated. Update
this table when that page changes.
"""

BY_REFERENCE_RUNTIME = "python3.13"
"""The runtime of a function whose handler ships by module reference, unless ``runtime=`` says."""

_SQS_ARN = re.compile(r"^arn:aws[a-z-]*:sqs:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,80}$")
_SNS_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$")

MAX_RETRIES = 2
"""The most retries Lambda makes of a failed asynchronous invocation."""
MAX_EVENT_AGE = 21600
"""The longest Lambda keeps an asynchronous event, in seconds (6 hours); the least is 60."""
FAILURE_QUEUE_SUFFIX = "-failed"
"""Appended to a function's physical name to name its failure queue."""
INVOKED_BY: tuple[str, ...] = ("external",)
"""What ``AWSLambda(..., invoked_by=...)`` accepts: who invokes a function no trigger feeds."""


def check_signature(
    func: Callable[..., Any], params: Sequence[str], what: str, **bound: Any
) -> None:
    """Refuse ``func`` unless it can be called with ``params`` positionally (plus ``bound``).

    ``functools.partial``, ``*args`` and ``**kwargs`` are accepted as Python would accept them;
    a callable whose signature cannot be read (a builtin, say) is accepted unchecked.
    """
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*params, **bound)
    except TypeError as exc:
        shown = ", ".join(params)
        raise PipelineDefinitionError(
            f"{what} {getattr(func, '__name__', func)!r} has signature {signature}, but it is "
            f"called as ({shown}) ({exc}); every invocation would fail with a TypeError. "
            f"Define it as def {getattr(func, '__name__', 'f')}({shown}): ..."
        ) from None


@dataclass(frozen=True)
class HandlerRef:
    """A handler named by import path (``"package.module:function"``), with keyword arguments bound.

    The packager imports it at build time; with no ``kwargs`` it ships as a module reference, with
    ``kwargs`` as a ``functools.partial`` pickled by value.
    """

    target: str
    """``"module:attribute"`` of the function to call with ``(event, context, **kwargs)``."""
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    """Keyword arguments bound to the function (user callables among them)."""

    def __post_init__(self) -> None:
        module, _, attr = self.target.partition(":")
        if not module or not attr:
            raise PipelineDefinitionError(
                f"Handler reference {self.target!r} must read 'package.module:function'."
            )


class AWSLambda(Node):
    """A Python Lambda function whose code is a handler ``handler(event, context)``.

    :param name: the node's name (letters, digits, ``-``, ``_``): the function is deployed as
        ``<pipeline>-<name>-<stack>`` unless ``function_name`` is given.
    :param handler: the callable AWS invokes, or ``"package.module:function"``. Importable
        functions ship by module reference; functions in ``__main__``, lambdas and closures
        (``functools.partial`` included) ship by value.
    :param region_name: the function's region; ``None`` means the stack's ``aws:region``.
    :param memory: memory in MB, 128 to 10240.
    :param timeout: timeout in seconds, 1 to 900.
    :param alias: the alias to publish; must equal the stack name (the default) when given.
    :param environment: extra environment variables (names starting ``JAYA_`` are reserved).
    :param description: the function's description.
    :param requirements: third-party requirements (pip specifiers) built into a layer.
    :param reserved_concurrency: reserved concurrent executions, or ``None`` for none.
    :param log_retention_days: how long CloudWatch keeps the function's logs.
    :param runtime: the Lambda runtime, one of :data:`LAMBDA_PYTHON_RUNTIMES`; ``None`` means
        ``python3.13`` for a handler that ships by module reference and the deploying
        interpreter's ``pythonX.Y`` for one that ships by value (pickled code needs it).
    :param function_name: an explicit physical name (``{stack}`` expands), used as given.
    :param retries: how often Lambda retries a failed asynchronous invocation, 0 to 2.
    :param max_event_age: how long Lambda keeps retrying an event, 60 to 21600 seconds.
    :param on_failure: the ARN of an existing standard SQS queue that receives the events that
        fail every attempt; ``None`` (the default) creates ``<function name>-failed``.
    :param alarm_topic: the ARN of an SNS topic the failure-queue alarm notifies, or ``None``.
    :param invoked_by: ``"external"`` when something outside the pipeline invokes the function
        (another service, a script); without it a function no trigger feeds is refused.
    """

    kind: ClassVar[str] = "AWSLambda"
    auto_named: bool = False
    """True when the pipeline numbers the name (``copy-s3``, ``copy-s3-2``, ...)."""

    def __init__(
        self,
        name: str,
        handler: Callable[..., Any] | str | HandlerRef,
        region_name: str | None = None,
        memory: int = 256,
        timeout: int = 60,
        alias: str | None = None,
        environment: Mapping[str, str] | None = None,
        description: str = "",
        requirements: Sequence[str] | None = None,
        reserved_concurrency: int | None = None,
        log_retention_days: int = 14,
        *,
        runtime: str | None = None,
        function_name: str | None = None,
        retries: int = MAX_RETRIES,
        max_event_age: int = MAX_EVENT_AGE,
        on_failure: str | None = None,
        alarm_topic: str | None = None,
        invoked_by: str | None = None,
    ) -> None:
        if not isinstance(name, str) or not _NAME.match(name):
            raise PipelineDefinitionError(
                f"Function name {name!r} may contain only letters, digits, '-' and '_'."
            )
        self.name: str = name
        """The node's name, unique within a pipeline."""
        self.base_name: str = name
        """The name as given; an auto-named node's ``name`` is this, numbered per pipeline."""
        self.handler: HandlerRef | Callable[..., Any] = _check_handler(name, handler)
        """What Lambda calls: a callable or a :class:`HandlerRef`."""
        self.region_name: str | None = check_region(region_name)
        """The function's region, or ``None`` for the stack's region."""
        self.memory: int = _check_int(memory, 128, 10240, f"memory of {self.label}", "MB")
        """Memory in MB."""
        self.timeout: int = _check_int(timeout, 1, 900, f"timeout of {self.label}", "seconds")
        """Timeout in seconds."""
        if alias is not None and (not isinstance(alias, str) or not _NAME.match(alias)):
            raise PipelineDefinitionError(
                f"Alias {alias!r} of {self.label} may contain only letters, digits, '-' and '_'."
            )
        self.alias: str | None = alias
        """The requested alias, or ``None`` for the stack name."""
        self.environment: dict[str, str] = _check_environment(self.label, environment)
        """User environment variables."""
        if not isinstance(description, str) or len(description) > 256:
            raise PipelineDefinitionError(
                f"The description of {self.label} must be a string of at most 256 characters."
            )
        self.description: str = description
        """The function's description."""
        if isinstance(requirements, str):
            raise PipelineDefinitionError(
                f"requirements of {self.label} must be a list such as ['requests==2.32.3'], "
                f"not the string {requirements!r}."
            )
        self.requirements: tuple[str, ...] = tuple(requirements or ())
        """Third-party requirements built into a layer."""
        if reserved_concurrency == 0 and not isinstance(reserved_concurrency, bool):
            raise PipelineDefinitionError(
                f"reserved_concurrency=0 of {self.label} reserves no executions, so Lambda "
                "throttles every invocation and the function never runs. Pass a number from 1 "
                "to 10000, or None to share the account's unreserved concurrency."
            )
        if reserved_concurrency is not None:
            _check_int(reserved_concurrency, 1, 10000, f"reserved_concurrency of {self.label}", "")
        self.reserved_concurrency: int | None = reserved_concurrency
        """Reserved concurrent executions, or ``None``."""
        if log_retention_days not in LOG_RETENTION_DAYS:
            raise PipelineDefinitionError(
                f"log_retention_days={log_retention_days!r} of {self.label} is not a period "
                f"CloudWatch Logs accepts; choose one of {', '.join(map(str, LOG_RETENTION_DAYS))}."
            )
        self.log_retention_days: int = log_retention_days
        """Days CloudWatch keeps the logs."""
        if runtime is not None and (
            not isinstance(runtime, str) or runtime not in LAMBDA_PYTHON_RUNTIMES
        ):
            raise PipelineDefinitionError(
                f"runtime={runtime!r} of {self.label} is not one of Lambda's current Python "
                f"runtimes ({', '.join(LAMBDA_PYTHON_RUNTIMES)}); choose one of them, or leave "
                "runtime unset for the default."
            )
        self.runtime: str | None = runtime
        """The requested Lambda runtime, or ``None`` for the default (see ``runtime``)."""
        if function_name is not None:
            probe = function_name.replace(STACK_PLACEHOLDER, "")
            if not _NAME.match(probe) or len(probe) > MAX_FUNCTION_NAME:
                raise PipelineDefinitionError(
                    f"function_name={function_name!r} of {self.label} must be at most "
                    f"{MAX_FUNCTION_NAME} letters, digits, '-' or '_' ({{stack}} expands)."
                )
        self.function_name: str | None = function_name
        """The explicit physical name, or ``None`` to derive one."""
        self.retries: int = _check_int(
            retries, 0, MAX_RETRIES, f"retries of {self.label} (Lambda's asynchronous retries)", ""
        )
        """Retries of a failed asynchronous invocation."""
        self.max_event_age: int = _check_int(
            max_event_age, 60, MAX_EVENT_AGE, f"max_event_age of {self.label}", "seconds"
        )
        """Seconds Lambda keeps an event before sending it to the failure queue."""
        if on_failure is not None and (
            not isinstance(on_failure, str) or not _SQS_ARN.match(on_failure)
        ):
            raise PipelineDefinitionError(
                f"on_failure={on_failure!r} of {self.label} is not the ARN of a standard SQS queue "
                "such as 'arn:aws:sqs:us-east-1:123456789012:my-failures' (FIFO queues cannot "
                "receive Lambda's failure records); omit it to let the pipeline create one."
            )
        self.on_failure: str | None = on_failure
        """An existing queue's ARN for failed events, or ``None`` to create one."""
        if alarm_topic is not None and (
            not isinstance(alarm_topic, str) or not _SNS_ARN.match(alarm_topic)
        ):
            raise PipelineDefinitionError(
                f"alarm_topic={alarm_topic!r} of {self.label} is not the ARN of an SNS topic such "
                "as 'arn:aws:sns:us-east-1:123456789012:alerts'."
            )
        if alarm_topic is not None and on_failure is not None:
            raise PipelineDefinitionError(
                f"{self.label} has both on_failure= and alarm_topic=, but the alarm watches only "
                "the failure queue the pipeline creates; alarm on your own queue, or drop "
                "on_failure= to get a queue and its alarm."
            )
        self.alarm_topic: str | None = alarm_topic
        """The SNS topic the failure-queue alarm notifies, or ``None``."""
        if invoked_by is not None and invoked_by not in INVOKED_BY:
            raise PipelineDefinitionError(
                f"invoked_by={invoked_by!r} of {self.label} is not one of "
                f"{', '.join(map(repr, INVOKED_BY))}; pass invoked_by='external' when something "
                "outside the pipeline invokes the function, or None when a trigger feeds it."
            )
        self.invoked_by: str | None = invoked_by
        """Who invokes the function besides its triggers (``"external"``), or ``None``."""

    @property
    def key(self) -> str:
        """The node's name."""
        return self.name


class CopyS3Lambda(AWSLambda):
    """Copies every object that triggers it to each downstream bucket (and prefix).

    Called as the seed calls it: ``CopyS3Lambda({}, "us-east-1", "staging")``.

    :param conf: kept for the seed's call shape; must be empty: the function reads and writes
        with its own least-privilege role, never with keys you pass.
    :param region_name: the function's region; ``None`` means the stack's ``aws:region``.
    :param alias: the alias to publish; must equal the stack name when given.
    :param name: the node's name (default ``copy-s3``, numbered when there are several).
    """

    def __init__(
        self,
        conf: Mapping[str, Any] | None = None,
        region_name: str | None = None,
        alias: str | None = None,
        *,
        name: str | None = None,
        memory: int = 256,
        timeout: int = 300,
        **settings: Any,
    ) -> None:
        if conf:
            raise PipelineDefinitionError(
                f"CopyS3Lambda(conf=...) got settings {sorted(conf)!r}, but the function never "
                "uses keys you pass: it reads and writes with its own IAM role, scoped to the "
                "buckets it is joined to. Pass {} and set credentials for the deployment with "
                "`pulumi config` or your AWS profile instead."
            )
        check_settings("CopyS3Lambda", settings, ("conf", "name"))
        self.auto_named = name is None
        super().__init__(
            name or "copy-s3",
            HandlerRef("jaya_pulumi.runtime.copy:handler"),
            region_name,
            memory=memory,
            timeout=timeout,
            alias=alias,
            description=settings.pop("description", "Copies S3 objects (jaya_pulumi CopyS3Lambda)"),
            **settings,
        )


def check_settings(kind: str, settings: Mapping[str, Any], own: Sequence[str] = ()) -> None:
    """Refuse a keyword neither ``kind`` nor :class:`AWSLambda` takes, naming the close ones.

    ``CopyS3Lambda`` and ``MapS3ToFirehoseLambda`` pass their other settings on to
    :class:`AWSLambda`; without this, a misspelt one surfaced as a bare ``TypeError`` about
    ``AWSLambda.__init__``.

    :param kind: the node kind the user called, e.g. ``CopyS3Lambda``.
    :param settings: the keywords passed on.
    :param own: the keywords ``kind`` takes itself (listed in the message).
    """
    accepted = [
        p.name
        for p in inspect.signature(AWSLambda.__init__).parameters.values()
        if p.name not in {"self", "name", "handler"}
    ]
    unknown = sorted(set(settings) - set(accepted))
    if not unknown:
        return
    known = sorted({*own, *accepted})
    hints = [
        f"{key!r} (did you mean {close[0]!r}?)"
        if (close := difflib.get_close_matches(key, known, 1))
        else repr(key)
        for key in unknown
    ]
    raise PipelineDefinitionError(
        f"{kind}() got unknown setting(s) {', '.join(hints)}. It takes: {', '.join(known)}."
    )


def _check_handler(
    name: str, handler: Callable[..., Any] | str | HandlerRef
) -> HandlerRef | Callable[..., Any]:
    if isinstance(handler, HandlerRef):
        return handler
    if isinstance(handler, str):
        return HandlerRef(handler)
    if callable(handler):
        check_signature(handler, ("event", "context"), f"The handler of AWSLambda({name!r})")
        return handler
    raise PipelineDefinitionError(
        f"The handler of AWSLambda({name!r}) must be a function handler(event, context) or "
        f"'package.module:function', got {handler!r}."
    )


def _check_int(value: object, low: int, high: int, what: str, unit: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PipelineDefinitionError(
            f"The {what} is {value!r}; it must be a whole number from {low} to {high}"
            f"{' ' + unit if unit else ''}."
        )
    return value


def _check_environment(label: str, environment: Mapping[str, str] | None) -> dict[str, str]:
    env = dict(environment or {})
    for key, value in env.items():
        if not isinstance(key, str) or not _ENV_KEY.match(key):
            raise PipelineDefinitionError(
                f"Environment variable name {key!r} of {label} must start with a letter and hold "
                "only letters, digits and '_'."
            )
        if key.startswith("JAYA_"):
            raise PipelineDefinitionError(
                f"Environment variable {key!r} of {label} uses the prefix JAYA_, which jaya_pulumi "
                "reserves for wiring (destinations, sources); rename it."
            )
        if key in _RESERVED_ENV:
            raise PipelineDefinitionError(
                f"Environment variable {key!r} of {label} is reserved by AWS Lambda; rename it."
            )
        if not isinstance(value, str):
            raise PipelineDefinitionError(
                f"Environment variable {key!r} of {label} must be a string, got {value!r}; "
                f"write str({value!r}) if that is what you mean."
            )
    return env
