"""``preview``, ``up``, ``destroy``, ``refresh`` and ``outputs`` over Pulumi's Automation API.

Each call runs an inline program (``jaya_pulumi.build(pipeline)``, or your own function) on a
stack selected with ``pulumi.automation.create_or_select_stack``. The workspace lives in a
temporary directory removed afterwards unless you pass ``work_dir``. AWS settings in ``aws_conf``
(region, profile, keys) reach the engine only as environment variables of the ``pulumi``
process: they are never written to a file, to stack config or to state.

Not supported: Pulumi Deployments (remote workspaces), policy packs, and targeting single
resources; use the ``pulumi`` CLI for those.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jaya_pulumi.automation._errors import not_installed, translate
from jaya_pulumi.automation._events import NodeChanges, NodeEvents
from jaya_pulumi.automation._render import format_changes, format_outputs
from jaya_pulumi.dsl import Pipeline, warn_once
from jaya_pulumi.errors import ConfigurationError, JayaError

if TYPE_CHECKING:
    from pulumi.automation import PulumiCommand, Stack
    from pulumi.automation.events import EngineEvent

__all__ = [
    "AWS_CONF_KEYS",
    "DestroyResult",
    "OperationResult",
    "PreviewResult",
    "RefreshResult",
    "StackOutput",
    "UpResult",
    "aws_environment",
    "destroy",
    "inline_program",
    "outputs",
    "preview",
    "refresh",
    "up",
]

Program = Callable[[], Any]
"""A Pulumi program: a function that registers resources."""

OnEvent = Callable[["EngineEvent"], Any]
"""A callback for each engine event."""

AWS_CONF_KEYS: dict[str, tuple[str, ...]] = {
    "region": ("AWS_REGION", "AWS_DEFAULT_REGION"),
    "region_name": ("AWS_REGION", "AWS_DEFAULT_REGION"),
    "profile": ("AWS_PROFILE",),
    "profile_name": ("AWS_PROFILE",),
    "aws_access_key_id": ("AWS_ACCESS_KEY_ID",),
    "access_key_id": ("AWS_ACCESS_KEY_ID",),
    "aws_secret_access_key": ("AWS_SECRET_ACCESS_KEY",),
    "secret_access_key": ("AWS_SECRET_ACCESS_KEY",),
    "aws_session_token": ("AWS_SESSION_TOKEN",),
    "session_token": ("AWS_SESSION_TOKEN",),
}
"""The ``aws_conf`` keys understood, and the environment variables each one sets for the engine."""


@dataclass(frozen=True)
class StackOutput:
    """One stack output."""

    value: Any
    """The output's value (``[secret]``-free: the real value, even for secrets)."""
    secret: bool = False
    """True when Pulumi keeps the value encrypted."""

    def __repr__(self) -> str:
        """Show ``[secret]`` for a secret value, as Pulumi's own ``OutputValue`` does."""
        value = "'[secret]'" if self.secret else repr(self.value)
        return f"StackOutput(value={value}, secret={self.secret})"


@dataclass(frozen=True)
class OperationResult:
    """What an operation did (or, for a preview, would do), grouped by pipeline node."""

    stack: str
    """The stack operated on."""
    nodes: tuple[NodeChanges, ...]
    """Per node: its resources, each with op and the changed / replace-forcing properties."""
    changes: Mapping[str, int]
    """Resources per op (``create``, ``update``, ``replace``, ``delete``, ``same``, ...)."""
    stdout: str = field(repr=False)
    """The Pulumi CLI's own output."""
    events: NodeEvents = field(repr=False, compare=False)
    """The grouped engine events behind ``nodes``."""

    def node(self, label: str) -> NodeChanges:
        """The changes of the node labelled ``label``, e.g. ``"S3('raw')"``."""
        for group in self.nodes:
            if group.label == label:
                return group
        raise KeyError(f"{label} has no changes in this result")

    def text(self, title: str = "") -> str:
        """The changes as plain text, node by node (what will change, for a preview)."""
        return format_changes(self.events, title, future=isinstance(self, PreviewResult))


@dataclass(frozen=True)
class PreviewResult(OperationResult):
    """What ``up`` would do."""


@dataclass(frozen=True)
class UpResult(OperationResult):
    """What ``up`` did, and the stack's outputs afterwards."""

    outputs: Mapping[str, StackOutput] = field(default_factory=dict)
    """The stack outputs after the update."""

    def outputs_table(self, *, show_secrets: bool = False) -> str:
        """The outputs as a two-column table."""
        return format_outputs(self.outputs, show_secrets=show_secrets)


@dataclass(frozen=True)
class DestroyResult(OperationResult):
    """What ``destroy`` removed."""


@dataclass(frozen=True)
class RefreshResult(OperationResult):
    """What ``refresh`` found had drifted."""


def aws_environment(aws_conf: Mapping[str, Any] | None) -> dict[str, str]:
    """The environment variables ``aws_conf`` sets for the engine; unknown keys warn and are ignored."""
    env: dict[str, str] = {}
    unknown: list[str] = []
    for key, value in (aws_conf or {}).items():
        names = AWS_CONF_KEYS.get(str(key).lower())
        if names is None:
            unknown.append(str(key))
            continue
        if value is None:
            continue
        if not isinstance(value, str):
            raise ConfigurationError(
                f"aws_conf[{key!r}] must be a string, got {type(value).__name__}."
            )
        for name in names:
            env[name] = value
    if unknown:
        warn_once(
            f"aws_conf keys {sorted(unknown)!r} are not used for deployment and were ignored; "
            f"known keys: {', '.join(sorted(AWS_CONF_KEYS))}.",
            UserWarning,
            stacklevel=3,
        )
    return env


# -- the operations ----------------------------------------------------------------------------


def preview(
    pipeline_or_program: Pipeline | Program,
    stack: str = "staging",
    *,
    project_name: str | None = None,
    config: Mapping[str, str] | None = None,
    secrets: Mapping[str, str] | None = None,
    aws_conf: Mapping[str, Any] | None = None,
    backend_url: str | None = None,
    passphrase: str | None = None,
    pulumi_home: str | None = None,
    work_dir: str | None = None,
    on_event: OnEvent | None = None,
    on_output: Callable[[str], Any] | None = None,
) -> PreviewResult:
    """Preview what ``up`` would change, per pipeline node.

    :param pipeline_or_program: a :class:`Pipeline` (deployed with ``jaya_pulumi.build``) or a
        Pulumi program function.
    :param stack: the stack (environment), created when missing.
    :param project_name: the Pulumi project (default: the pipeline's name, else ``jaya``).
    :param config: stack config by key, e.g. ``{"aws:region": "us-east-1"}``.
    :param secrets: stack config stored encrypted.
    :param aws_conf: ``region``, ``profile``, ``aws_access_key_id``, ... for the engine only.
    :param backend_url: state backend, e.g. ``file://~/.jaya-state`` (no Pulumi Cloud needed;
        a relative ``file://`` path is taken from the current directory).
    :param passphrase: the secrets passphrase (uses the passphrase secrets provider).
    :param pulumi_home: ``PULUMI_HOME`` for the engine (plugins, credentials).
    :param work_dir: a Pulumi project directory to use instead of a temporary one.
    :param on_event: called with each engine event as it arrives.
    :param on_output: called with each line the CLI prints.
    :raises PulumiNotInstalledError: no ``pulumi`` on PATH.
    :raises PulumiCommandError: (or a subclass) the CLI failed.
    """
    workspace = _Workspace(
        create=True, project_name=project_name, config=config, secrets=secrets,
        aws_conf=aws_conf, backend_url=backend_url, passphrase=passphrase,
        pulumi_home=pulumi_home, work_dir=work_dir,
    )  # fmt: skip
    events, result = _operate("preview", pipeline_or_program, stack, workspace, on_event, on_output)
    return PreviewResult(
        stack, tuple(events.nodes), _ops(result.change_summary), result.stdout, events
    )


def up(
    pipeline_or_program: Pipeline | Program,
    stack: str = "staging",
    *,
    project_name: str | None = None,
    config: Mapping[str, str] | None = None,
    secrets: Mapping[str, str] | None = None,
    aws_conf: Mapping[str, Any] | None = None,
    backend_url: str | None = None,
    passphrase: str | None = None,
    pulumi_home: str | None = None,
    work_dir: str | None = None,
    on_event: OnEvent | None = None,
    on_output: Callable[[str], Any] | None = None,
) -> UpResult:
    """Create or update the stack's resources; parameters as for :func:`preview`."""
    workspace = _Workspace(
        create=True, project_name=project_name, config=config, secrets=secrets,
        aws_conf=aws_conf, backend_url=backend_url, passphrase=passphrase,
        pulumi_home=pulumi_home, work_dir=work_dir,
    )  # fmt: skip
    events, result = _operate("up", pipeline_or_program, stack, workspace, on_event, on_output)
    return UpResult(
        stack,
        tuple(events.nodes),
        _ops(result.summary.resource_changes),
        result.stdout,
        events,
        outputs=_outputs(result.outputs),
    )


def destroy(
    pipeline_or_program: Pipeline | Program,
    stack: str = "staging",
    *,
    project_name: str | None = None,
    aws_conf: Mapping[str, Any] | None = None,
    backend_url: str | None = None,
    passphrase: str | None = None,
    pulumi_home: str | None = None,
    work_dir: str | None = None,
    on_event: OnEvent | None = None,
    on_output: Callable[[str], Any] | None = None,
) -> DestroyResult:
    """Delete every resource of an existing stack; parameters as for :func:`preview`."""
    workspace = _Workspace(
        create=False, project_name=project_name, aws_conf=aws_conf, backend_url=backend_url,
        passphrase=passphrase, pulumi_home=pulumi_home, work_dir=work_dir,
    )  # fmt: skip
    events, result = _operate("destroy", pipeline_or_program, stack, workspace, on_event, on_output)
    return DestroyResult(
        stack, tuple(events.nodes), _ops(result.summary.resource_changes), result.stdout, events
    )


def refresh(
    pipeline_or_program: Pipeline | Program,
    stack: str = "staging",
    *,
    project_name: str | None = None,
    aws_conf: Mapping[str, Any] | None = None,
    backend_url: str | None = None,
    passphrase: str | None = None,
    pulumi_home: str | None = None,
    work_dir: str | None = None,
    on_event: OnEvent | None = None,
    on_output: Callable[[str], Any] | None = None,
) -> RefreshResult:
    """Bring the stack's state in line with what exists in AWS; parameters as for :func:`preview`."""
    workspace = _Workspace(
        create=False, project_name=project_name, aws_conf=aws_conf, backend_url=backend_url,
        passphrase=passphrase, pulumi_home=pulumi_home, work_dir=work_dir,
    )  # fmt: skip
    events, result = _operate("refresh", pipeline_or_program, stack, workspace, on_event, on_output)
    return RefreshResult(
        stack, tuple(events.nodes), _ops(result.summary.resource_changes), result.stdout, events
    )


def outputs(
    pipeline_or_program: Pipeline | Program,
    stack: str = "staging",
    *,
    project_name: str | None = None,
    backend_url: str | None = None,
    passphrase: str | None = None,
    pulumi_home: str | None = None,
    work_dir: str | None = None,
) -> dict[str, StackOutput]:
    """The outputs of an existing stack; parameters as for :func:`preview`."""
    workspace = _Workspace(
        create=False, project_name=project_name, backend_url=backend_url, passphrase=passphrase,
        pulumi_home=pulumi_home, work_dir=work_dir,
    )  # fmt: skip
    with _session(pipeline_or_program, stack, workspace) as session:
        return _outputs(session.run(lambda st: st.outputs()))


# -- plumbing ----------------------------------------------------------------------------------


class _Session:
    """A selected stack plus what is needed to explain its failures."""

    def __init__(self, stack: Stack, name: str, pipeline: Pipeline | None) -> None:
        self.stack = stack
        self.name = name
        self.pipeline = pipeline
        self.program_errors: list[JayaError] = []

    def run(self, operation: Callable[[Stack], Any]) -> Any:
        try:
            return operation(self.stack)
        except Exception as exc:
            if self.program_errors:
                # the program refused the pipeline: its own error says more than the CLI's
                raise self.program_errors[0] from exc
            raise translate(exc, self.name) from exc


@dataclass(frozen=True, kw_only=True)
class _Workspace:
    """Where and how an operation runs: the arguments the public functions share."""

    create: bool
    """Create the stack when missing (``preview``, ``up``); else it must exist."""
    project_name: str | None
    config: Mapping[str, str] | None = None
    secrets: Mapping[str, str] | None = field(default=None, repr=False)
    aws_conf: Mapping[str, Any] | None = field(default=None, repr=False)
    backend_url: str | None
    passphrase: str | None = field(repr=False)
    pulumi_home: str | None
    work_dir: str | None


def _operate(
    operation: str,
    target: Pipeline | Program,
    stack: str,
    workspace: _Workspace,
    on_event: OnEvent | None,
    on_output: Callable[[str], Any] | None,
) -> tuple[NodeEvents, Any]:
    """Run ``Stack.<operation>`` with the events grouped by node; return them and its result."""
    with _session(target, stack, workspace) as session:
        events = NodeEvents(session.pipeline)
        result = session.run(
            lambda st: getattr(st, operation)(
                on_event=_tee(events, on_event), on_output=on_output, color="never"
            )
        )
    return events, result


@contextlib.contextmanager
def _session(target: Pipeline | Program, stack: str, workspace: _Workspace) -> Iterator[_Session]:
    pipeline = target if isinstance(target, Pipeline) else None
    if pipeline is None and not callable(target):
        raise TypeError(f"expected a Pipeline or a program function, got {target!r}")
    env = aws_environment(workspace.aws_conf)
    # Find the CLI before anything touches the disk: a missing CLI must leave no trace.
    command = _pulumi_command()
    from pulumi import automation as auto

    env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
    if workspace.backend_url:
        env["PULUMI_BACKEND_URL"] = _backend(workspace.backend_url)
    if workspace.passphrase is not None:
        env["PULUMI_CONFIG_PASSPHRASE"] = workspace.passphrase
    errors: list[JayaError] = []
    program = inline_program(target, errors)
    project = workspace.project_name or (pipeline.name if pipeline is not None else "jaya")
    with contextlib.ExitStack() as cleanup:
        directory = workspace.work_dir or cleanup.enter_context(
            tempfile.TemporaryDirectory(prefix="jaya-")
        )
        has_project = (Path(directory) / "Pulumi.yaml").exists()
        options = auto.LocalWorkspaceOptions(
            work_dir=directory,
            pulumi_home=workspace.pulumi_home,
            env_vars=env,
            secrets_provider="passphrase" if workspace.passphrase is not None else None,
            project_settings=None
            if has_project
            else auto.ProjectSettings(name=project, runtime="python"),
            pulumi_command=command,
        )
        try:
            if workspace.create:
                selected = auto.create_or_select_stack(
                    stack, project_name=project, program=program, opts=options
                )
            else:
                selected = auto.select_stack(
                    stack, project_name=project, program=program, opts=options
                )
            settings = {k: auto.ConfigValue(v) for k, v in (workspace.config or {}).items()}
            settings.update(
                {k: auto.ConfigValue(v, secret=True) for k, v in (workspace.secrets or {}).items()}
            )
            if settings:
                selected.set_all_config(settings)
        except Exception as exc:
            raise translate(exc, stack) from exc
        session = _Session(selected, stack, pipeline)
        session.program_errors = errors
        yield session


def _pulumi_command() -> PulumiCommand:
    if shutil.which("pulumi") is None:
        raise not_installed()
    from pulumi.automation import PulumiCommand

    try:
        return PulumiCommand()
    except FileNotFoundError as exc:
        raise not_installed(str(exc)) from exc
    except Exception as exc:
        raise translate(exc, "") from exc


def inline_program(target: Pipeline | Program, errors: list[JayaError] | None = None) -> Program:
    """The inline Pulumi program the operations run: ``jaya_pulumi.build(pipeline)`` (or ``target``).

    :param target: a pipeline, or a program function used as is.
    :param errors: collects the :class:`JayaError` the program raises, so the operation can
        report it instead of the CLI's generic "inline source runtime error".
    """

    def program() -> Any:
        try:
            if isinstance(target, Pipeline):
                from jaya_pulumi import build

                return build(target)
            return target()
        except JayaError as exc:
            if errors is not None:
                errors.append(exc)
            raise

    return program


def _backend(url: str) -> str:
    """``url`` with a ``file://`` path made absolute (and created).

    The engine runs in the workspace directory, a temporary one by default: a relative path
    left as it is would put the state there, to be deleted with it.
    """
    if not url.startswith("file://"):
        return url
    path = Path(url[len("file://") :]).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return f"file://{path}"


def _tee(events: NodeEvents, on_event: OnEvent | None) -> OnEvent:
    def handle(event: EngineEvent) -> None:
        events.handle(event)
        if on_event is not None:
            on_event(event)

    return handle


def _ops(counts: Mapping[Any, int] | None) -> dict[str, int]:
    return {str(getattr(k, "value", k)): v for k, v in (counts or {}).items()}


def _outputs(raw: Mapping[str, Any]) -> dict[str, StackOutput]:
    return {
        key: StackOutput(getattr(item, "value", item), bool(getattr(item, "secret", False)))
        for key, item in raw.items()
    }
