"""Run a pipeline or a Pulumi program under mocks and query what it registered.

In the spirit of CDK's ``Template``: ``resource_count_is``, ``has_resource_properties``, plus
lookups by type, name and properties, parents and ``depends_on``, secret inputs, and the stack's
exports. Runs the real Pulumi SDK (real registration, real ``Output`` resolution).
"""

from __future__ import annotations

import contextlib
import gc
import os
import runpy
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as _pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings

from jaya_pulumi.dsl import Pipeline
from jaya_pulumi.mocks._mocks import JayaMocks

__all__ = ["RegisteredResource", "Synthesis", "synth"]

_SECRET_SIG = rpc._special_sig_key
_SECRET_VALUE = rpc._special_secret_sig


@dataclass
class RegisteredResource:
    """One resource as the program registered it, with the state the mocks returned."""

    type: str
    """The type token, e.g. ``aws:s3/bucket:Bucket``."""
    name: str
    """The logical name."""
    urn: str
    """The URN."""
    id: str | None
    """The physical id the mocks returned (``None`` for components)."""
    inputs: dict[str, Any]
    """The inputs, camelCase keys as the engine sees them, secrets unwrapped."""
    state: dict[str, Any]
    """Inputs plus computed outputs."""
    parent: str | None
    """The parent's URN."""
    depends_on: list[str]
    """URNs of explicit and implicit dependencies the SDK reported."""
    secret_inputs: set[str] = field(default_factory=set)
    """Top-level input keys holding a secret anywhere inside."""
    custom: bool = True
    """False for components."""

    def __repr__(self) -> str:
        return f"<{self.type} {self.name!r}>"


class _Monitor(_pulumi_mocks.MockMonitor):
    """A mock monitor that also keeps parents, dependencies, secrets and stack outputs."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registered: list[RegisteredResource] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type == "pulumi:pulumi:Stack":
            return response
        raw = json_format.MessageToDict(request.object)
        inputs = rpc.deserialize_properties(request.object)
        registration = self.resources.get(response.urn)
        self.registered.append(
            RegisteredResource(
                type=request.type,
                name=request.name,
                urn=response.urn,
                id=registration.id if registration and request.custom else None,
                inputs=_unwrap_secrets(dict(inputs)),
                state=dict(registration.state) if registration else {},
                parent=request.parent or None,
                depends_on=list(request.dependencies),
                secret_inputs={k for k, v in raw.items() if _has_secret(v)},
                custom=bool(request.custom),
            )
        )
        return response


def _unwrap_secrets(value: Any) -> Any:
    """Replace each secret wrapper with the value it holds (tests assert on plain values)."""
    if isinstance(value, dict):
        if value.get(_SECRET_SIG) == _SECRET_VALUE:
            return _unwrap_secrets(value.get("value"))
        return {k: _unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap_secrets(v) for v in value]
    return value


def _has_secret(value: Any) -> bool:
    if isinstance(value, dict):
        if value.get(_SECRET_SIG) == _SECRET_VALUE:
            return True
        return any(_has_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secret(v) for v in value)
    return False


def _subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and _subset(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(_subset(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if callable(expected) and not isinstance(expected, type):
        return bool(expected(actual))
    return bool(expected == actual)


class Synthesis:
    """Everything one program run registered, with CDK-style assertions."""

    def __init__(
        self, resources: list[RegisteredResource], outputs: dict[str, Any], stack: str
    ) -> None:
        self.resources = resources
        """Every registered resource, in registration order."""
        self.outputs = outputs
        """The stack's exports."""
        self.stack = stack
        """The stack the program ran as."""

    def of_type(self, type_: str) -> list[RegisteredResource]:
        """Every resource of one type token."""
        return [r for r in self.resources if r.type == type_]

    def find(
        self, type_: str | None = None, name: str | None = None, **inputs: Any
    ) -> list[RegisteredResource]:
        """Resources matching a type, a logical name and input values (subset match).

        Values may be predicates: ``find("aws:lambda/function:Function", memorySize=lambda m: m > 128)``.
        """
        return [
            r
            for r in self.resources
            if (type_ is None or r.type == type_)
            and (name is None or r.name == name)
            and _subset(inputs, r.inputs)
        ]

    def get(
        self, type_: str | None = None, name: str | None = None, **inputs: Any
    ) -> RegisteredResource:
        """The one resource matching :meth:`find`'s filters; ``AssertionError`` otherwise."""
        found = self.find(type_, name, **inputs)
        if len(found) != 1:
            raise AssertionError(
                f"Expected exactly one {type_ or 'resource'} named {name!r} matching {inputs}, "
                f"found {len(found)}: {found}. Registered: {self.summary()}"
            )
        return found[0]

    def by_urn(self, urn: str) -> RegisteredResource:
        """The resource with this URN."""
        for r in self.resources:
            if r.urn == urn:
                return r
        raise KeyError(urn)

    def children(self, parent: RegisteredResource) -> list[RegisteredResource]:
        """Direct children of a resource (``parent=``)."""
        return [r for r in self.resources if r.parent == parent.urn]

    def resource_count_is(self, type_: str, count: int) -> None:
        """Assert how many resources of a type were registered."""
        found = self.of_type(type_)
        if len(found) != count:
            raise AssertionError(f"Expected {count} {type_}, found {len(found)}: {found}")

    def has_resource_properties(
        self, type_: str, properties: Mapping[str, Any]
    ) -> RegisteredResource:
        """Assert some resource of ``type_`` has inputs matching ``properties`` (subset match)."""
        for r in self.of_type(type_):
            if _subset(properties, r.inputs):
                return r
        raise AssertionError(
            f"No {type_} has properties {dict(properties)}. Candidates: "
            + "; ".join(f"{r.name}: {r.inputs}" for r in self.of_type(type_))
        )

    def summary(self) -> dict[str, int]:
        """Resource counts by type."""
        counts: dict[str, int] = {}
        for r in self.resources:
            counts[r.type] = counts.get(r.type, 0) + 1
        return counts


Program = Callable[[], Any]
"""A Pulumi program: a function that registers resources."""


def synth(
    target: Pipeline | Program | str | os.PathLike[str],
    *,
    stack: str = "staging",
    project: str | None = None,
    config: Mapping[str, Any] | None = None,
    mocks: pulumi.runtime.Mocks | None = None,
) -> Synthesis:
    """Run a pipeline, a program function or a program file under mocks; return what it registered.

    :param target: a :class:`Pipeline` (built with ``jaya_pulumi.build``), a function, the path of
        a Pulumi program (``__main__.py`` or its directory: run as ``__main__`` from its directory),
        or the path of a pipeline file (any other ``.py``: loaded with
        :func:`~jaya_pulumi.load_pipelines`, as ``jaya local`` and ``__main__.py`` load it, so its
        handlers ship by reference, and each of its pipelines built). For a path, its project's
        ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` config are loaded.
    :param stack: the stack name (the environment).
    :param project: the project name (default: from ``Pulumi.yaml``, else ``jaya``).
    :param config: config values by full key (``aws:region``), overriding the stack file.
    :param mocks: the mocks; defaults to :class:`JayaMocks`.
    """
    mocks = mocks or JayaMocks()
    monitor = _Monitor(mocks)
    program, directory = _program(target, monitor)
    settings: dict[str, Any] = {}
    if directory is not None:
        project = project or _project_name(directory)
        settings.update(_stack_config(directory, stack, project or "jaya"))
    project = project or "jaya"
    settings.update(config or {})
    # A fresh root stack per run: the SDK keeps the previous one (and its exports) otherwise.
    pulumi_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config({k: _config_text(v) for k, v in settings.items()}, [])

    exports: dict[str, Any] = {}

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> Any:
        with _cwd(directory):
            program()
        root = pulumi.runtime.get_root_resource()
        outputs = dict(getattr(root, "outputs", {}) or {})
        return pulumi.Output.from_input(outputs).apply(exports.update)

    with _cyclic_gc_paused():
        run()
    return Synthesis(monitor.registered, exports, stack)


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic GC while a program registers resources.

    Registration keeps ~500 short-lived objects (futures, tasks, outputs) per resource alive until
    the run completes, so each full collection scans a heap that grows with the program and the
    run goes quadratic (100 chains took 19x the time of 10). Reference counting still frees
    everything acyclic. What is left is handed to the collector's oldest generation
    (``gc.freeze()`` then ``gc.unfreeze()``, two list splices) rather than left in the youngest,
    where the first allocation after the run would scan all of it at once; the next full
    collection reclaims it as it would any long-lived garbage.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _config_text(value: Any) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value)


def _program(
    target: Pipeline | Program | str | os.PathLike[str], monitor: _Monitor
) -> tuple[Program, Path | None]:
    if isinstance(target, Pipeline):
        pipeline = target

        def build_pipeline() -> Any:
            from jaya_pulumi.components import build

            return build(pipeline)

        return build_pipeline, None
    if isinstance(target, (str, os.PathLike)):
        path = Path(target).resolve()
        if path.is_dir():
            path = path / "__main__.py"
        if path.name != "__main__.py":
            return _pipeline_file(path, monitor), path.parent

        def run_file() -> Any:
            folder = str(path.parent)
            before = set(sys.modules)
            sys.path.insert(0, folder)
            try:
                runpy.run_path(str(path), run_name="__main__")
            finally:
                sys.path.remove(folder)
                # Modules the program imported from its own folder (helpers.py, pipelines.py)
                # must not answer for another program's modules of the same name. Installed
                # packages (a project's own .venv lives in its folder) and submodules of packages
                # loaded before the run (jaya_pulumi itself, in this repository) stay.
                installed = {sys.prefix + os.sep, sys.base_prefix + os.sep}
                for name in set(sys.modules) - before:
                    origin = getattr(sys.modules[name], "__file__", None) or ""
                    if (
                        origin.startswith(folder + os.sep)
                        and not origin.startswith(tuple(installed))
                        and name.partition(".")[0] not in before
                    ):
                        del sys.modules[name]

        return run_file, path.parent
    if callable(target):
        return target, None
    raise TypeError(f"synth() takes a Pipeline, a function or a program path, got {target!r}")


def _pipeline_file(path: Path, monitor: _Monitor) -> Program:
    """Load a pipeline file as every entry point does and build each pipeline it defines."""

    def build_file() -> Any:
        from jaya_pulumi import load_pipelines
        from jaya_pulumi.components import build

        before = len(monitor.registered)
        pipelines = load_pipelines(path)
        if len(monitor.registered) > before:
            return None  # importing it registered resources: the file is a program that builds
        for pipeline in pipelines:
            build(pipeline)
        return None

    return build_file


def _project_name(directory: Path) -> str | None:
    doc = _read_yaml(directory / "Pulumi.yaml")
    name = doc.get("name") if isinstance(doc, dict) else None
    return str(name) if name else None


def _stack_config(directory: Path, stack: str, project: str) -> dict[str, Any]:
    doc = _read_yaml(directory / f"Pulumi.{stack}.yaml")
    raw = doc.get("config", {}) if isinstance(doc, dict) else {}
    out: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        if isinstance(value, dict) and "secure" in value:
            warnings.warn(
                f"Pulumi.{stack}.yaml's {key!r} is encrypted with the stack's key, which mocks "
                f"cannot read; it is left unset. Pass it as synth(..., config={{{key!r}: ...}}).",
                stacklevel=3,
            )
            continue
        full = key if ":" in key else f"{project}:{key}"
        out[full] = value
    return out


def _read_yaml(path: Path) -> Any:
    if not path.exists():
        return {}
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@contextlib.contextmanager
def _cwd(directory: Path | None) -> Iterator[None]:
    if directory is None:
        yield
        return
    previous = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous)
