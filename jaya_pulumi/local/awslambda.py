"""Run a function's archive in-process, the way the Lambda Python runtime would.

The archive is extracted once to a temporary directory. Each call imports the handler from there in
isolation: the archive's top-level modules (``jaya_entry``, ``jaya_pulumi``, ``dill``, the user's
modules) are swapped out of ``sys.modules`` for the function's own copies and the archive directory
goes first on ``sys.path``; afterwards the developer's modules are put back. The function's modules
are kept between calls, like a warm container. Environment variables are set for the call only.
A result that JSON cannot hold fails the call with :class:`MarshalError`, as Lambda's runtime
fails it (``Runtime.MarshalError``); a ``Decimal`` is written as a number.

Not emulated: timeouts (a call longer than the function's timeout is reported as timed out after
it returns, not interrupted), memory limits, concurrency limits, ``/tmp`` isolation, layers (their
packages are used from the developer's environment).
"""

from __future__ import annotations

import decimal
import io
import json
import logging
import sys
import tempfile
import time
import traceback
import types
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jaya_pulumi.local._sandbox import restore_environ, set_environ
from jaya_pulumi.local.errors import MarshalError
from jaya_pulumi.runtime import EventFormatError, s3_objects

__all__ = ["Invocation", "LambdaContext", "LocalFunction", "MarshalError"]


@dataclass(frozen=True)
class _CognitoIdentity:
    cognito_identity_id: str | None
    cognito_identity_pool_id: str | None


@dataclass
class LambdaContext:
    """The ``context`` argument Lambda passes to a handler."""

    function_name: str
    """The function's physical name."""
    function_version: str
    """The version the alias points at."""
    invoked_function_arn: str
    """The ARN the caller used (the alias ARN for S3 triggers)."""
    memory_limit_in_mb: int
    """The function's memory setting."""
    aws_request_id: str
    """This invocation's request id."""
    log_group_name: str
    """The function's log group."""
    log_stream_name: str
    """The (fake) log stream of this container."""
    deadline: float = field(repr=False)
    """``time.monotonic()`` at which the function would time out."""
    identity: Any = field(default_factory=lambda: _CognitoIdentity(None, None))
    """The Cognito identity (both fields ``None`` for an S3 trigger, as on Lambda)."""
    client_context: Any = None
    """The mobile client's context (``None`` unless a mobile SDK invoked the function)."""

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout."""
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass
class Invocation:
    """One attempt of one function on one event, as the harness recorded it."""

    function: str
    """The pipeline's name for the function (the node name, e.g. ``copy-s3``)."""
    function_name: str
    """The function's physical name."""
    event: dict[str, Any]
    """The event the handler received."""
    attempt: int
    """1 for the first attempt, 2 and 3 for S3's asynchronous retries."""
    request_id: str
    """The request id in the context."""
    duration: float = 0.0
    """Wall-clock seconds the handler ran."""
    result: Any = None
    """What the handler returned."""
    error: BaseException | None = None
    """The exception the handler raised, if any."""
    traceback: str | None = None
    """The formatted traceback of ``error``."""
    logs: list[str] = field(default_factory=list)
    """Log records and lines written to stdout or stderr, in order."""
    writes: list[str] = field(default_factory=list)
    """``s3://bucket/key`` of every object the handler wrote (put, copy, multipart), in order."""
    cold: bool = False
    """True when this call imported the handler (a cold start); later calls reuse the modules."""

    @property
    def ok(self) -> bool:
        """True when the handler returned without raising."""
        return self.error is None

    @property
    def keys(self) -> list[str]:
        """``s3://bucket/key`` of every S3 object the event names, also through SQS, SNS or
        EventBridge (keys decoded); empty for other events."""
        try:
            return [f"s3://{o.bucket}/{o.key}" for o in s3_objects(self.event)]
        except EventFormatError:
            return []


def _decimal(value: Any) -> float:
    """Lambda's runtime writes a ``Decimal`` as a number; any other unknown type fails."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class _LogRouter(logging.Handler):
    """A root-logger handler that files log records under the innermost running invocation.

    Process-wide like ``sys.stdout``: nested (cascaded) calls push onto one stack.
    """

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.stack: list[Invocation] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Append the record, formatted as Lambda's runtime does, to the running invocation."""
        if self.stack:
            invocation = self.stack[-1]
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            millis = int(record.msecs)
            invocation.logs.append(
                f"[{record.levelname}]\t{stamp}.{millis:03d}Z\t{invocation.request_id}\t"
                f"{record.getMessage()}"
            )


_ROUTER = _LogRouter()


class _LogCapture(io.TextIOBase):
    """A stdout/stderr stand-in that files written lines under the running invocation."""

    def __init__(self, invocation: Invocation) -> None:
        self._invocation = invocation
        self._partial = ""

    def write(self, text: str) -> int:
        """Collect complete lines."""
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        self._invocation.logs.extend(lines)
        return len(text)

    def flush(self) -> None:
        """Keep a trailing partial line."""
        if self._partial:
            self._invocation.logs.append(self._partial)
            self._partial = ""


class LocalFunction:
    """A Lambda function created in the harness: its settings and its extracted archive."""

    def __init__(
        self,
        *,
        name: str,
        node: str,
        arn: str,
        region: str,
        handler: str,
        zip_bytes: bytes,
        memory: int,
        timeout: int,
        variables: Mapping[str, str],
        role_arn: str,
        version: str,
        log_group: str,
    ) -> None:
        self.name = name
        """The physical function name."""
        self.node = node
        """The pipeline node's name."""
        self.arn = arn
        """The unqualified function ARN."""
        self.region = region
        """The function's region."""
        self.handler = handler
        """``module.attribute`` of the entry point."""
        self.memory = memory
        """Memory in MB."""
        self.timeout = timeout
        """Timeout in seconds."""
        self.role_arn = role_arn
        """The execution role's ARN."""
        self.version = version
        """The published version."""
        self.log_group = log_group
        """The function's log group name."""
        self._tmp = tempfile.TemporaryDirectory(prefix=f"jaya-{name[:40]}-")
        self.directory = Path(self._tmp.name)
        """Where the archive is extracted (``LAMBDA_TASK_ROOT``)."""
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            archive.extractall(self.directory)
            names = archive.namelist()
        tops = {n.split("/")[0].removesuffix(".py") for n in names if "/" in n or n.endswith(".py")}
        entry = handler.rpartition(".")[0].split(".")[0]
        # jaya_pulumi and dill are hidden even when the archive lacks them, as Lambda lacks them
        self._tops = frozenset(tops | {entry, "jaya_pulumi", "dill"})
        self._prefixes = tuple(sorted(self._tops))
        self._modules: dict[str, types.ModuleType] = {}
        self._outside: list[str] = []
        self._size_outside = -1
        self._size_inside = -1
        self._entry: Any = None
        self._stream = f"2026/01/01/[{version}]{uuid.uuid4().hex}"
        base = {
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
            "AWS_LAMBDA_FUNCTION_VERSION": version,
            "AWS_LAMBDA_LOG_GROUP_NAME": log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": self._stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "LAMBDA_TASK_ROOT": str(self.directory),
            "_HANDLER": handler,
        }
        self.environment: dict[str, str] = {**variables, **base}
        """The variables set for each call."""

    @property
    def cold(self) -> bool:
        """True until the first call has imported the entry module."""
        return self._entry is None

    def close(self) -> None:
        """Forget cached modules and delete the extracted archive."""
        self._modules.clear()
        self._entry = None
        self._tmp.cleanup()

    def call(self, event: dict[str, Any], invoked_arn: str, invocation: Invocation) -> Invocation:
        """Run the handler on ``event`` once, filling in ``invocation``."""
        context = LambdaContext(
            function_name=self.name,
            function_version=self.version,
            invoked_function_arn=invoked_arn,
            memory_limit_in_mb=self.memory,
            aws_request_id=invocation.request_id,
            log_group_name=self.log_group,
            log_stream_name=self._stream,
            deadline=time.monotonic() + self.timeout,
        )
        saved_env = set_environ(self.environment)
        saved_modules = self._swap_in()
        # Lambda sends both streams to the function's log (a traceback.print_exc() included)
        out, err = _LogCapture(invocation), _LogCapture(invocation)
        stdout, stderr = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        if not _ROUTER.stack:
            logging.getLogger().addHandler(_ROUTER)
        _ROUTER.stack.append(invocation)
        start = time.perf_counter()
        invocation.cold = self._entry is None
        try:
            if self._entry is None:
                module_name, _, attr = self.handler.rpartition(".")
                module = __import__(module_name, fromlist=[attr])
                self._entry = getattr(module, attr)
            invocation.result = self._entry(event, context)
        except (Exception, SystemExit) as exc:  # the handler's failure is the recorded outcome
            invocation.error = exc
            invocation.traceback = traceback.format_exc()
        finally:
            invocation.duration = time.perf_counter() - start
            _ROUTER.stack.pop()
            if not _ROUTER.stack:
                logging.getLogger().removeHandler(_ROUTER)
            sys.stdout, sys.stderr = stdout, stderr
            out.flush()
            err.flush()
            self._swap_out(saved_modules)
            restore_environ(saved_env)
        if invocation.error is None and invocation.duration > self.timeout:
            invocation.error = TimeoutError(
                f"Task timed out after {self.timeout:.2f} seconds (ran {invocation.duration:.2f})"
            )
        if invocation.error is None:
            try:  # Lambda sends the result back as JSON, an asynchronous call's too
                json.dumps(invocation.result, default=_decimal, allow_nan=True)
            except (TypeError, ValueError) as exc:
                invocation.error = MarshalError(f"Unable to marshal response: {exc}")
        return invocation

    def _isolated(self) -> list[str]:
        prefixes, tops = self._prefixes, self._tops
        return [n for n in sys.modules if n.startswith(prefixes) and n.partition(".")[0] in tops]

    def _swap_in(self) -> dict[str, types.ModuleType]:
        """Move the developer's copies of the archive's modules aside; install the function's.

        Scanning ``sys.modules`` costs more than a warm call itself, so the developer's names are
        rescanned only when ``sys.modules`` has changed size since the last call (a module was
        imported or dropped in between).
        """
        modules = sys.modules
        if len(modules) != self._size_outside:
            self._outside = self._isolated()
            self._size_outside = len(modules)
        saved = {name: modules.pop(name) for name in self._outside if name in modules}
        modules.update(self._modules)
        self._size_inside = len(modules)
        sys.path.insert(0, str(self.directory))
        return saved

    def _swap_out(self, saved: dict[str, types.ModuleType]) -> None:
        """Keep the function's modules for its next call and put the developer's back."""
        modules = sys.modules
        directory = str(self.directory)
        if directory in sys.path:
            sys.path.remove(directory)
        # Nothing imported or dropped during the call: the function's modules are the ones we
        # installed. Otherwise look for what the call imported.
        unchanged = len(modules) == self._size_inside and all(n in modules for n in self._modules)
        names = list(self._modules) if unchanged and self._modules else self._isolated()
        self._modules = {name: modules.pop(name) for name in names}
        modules.update(saved)
