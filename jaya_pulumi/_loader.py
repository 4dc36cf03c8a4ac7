"""``load_pipelines(path)``: import a pipeline file as a module and return its pipelines, never deploying.

The file is imported under its own name (``pipes/orders.py`` becomes module ``orders``) with its
folder on ``sys.path`` while it runs, and stays in ``sys.modules``: its handlers are then
importable by name and ship to Lambda by reference, exactly as when pytest imports the file. A
seed-style ``deploy.deploy_pipeline(aws_conf, "staging", piper)`` stops the file there; the
pipeline it names is returned, and the call is recorded in :func:`recorded_deploys`, not run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import keyword
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from jaya_pulumi.deploy import DeploySkipped, skipping_deploys
from jaya_pulumi.dsl import Pipeline
from jaya_pulumi.errors import JayaError, PipelineFileError

__all__ = ["RecordedDeploy", "load_pipelines", "module_name_for", "recorded_deploys"]


@dataclass(frozen=True)
class RecordedDeploy:
    """A ``deploy_pipeline(...)`` call a loaded file made, recorded instead of run."""

    file: Path
    """The pipeline file that made the call."""
    environment: str
    """The stack it asked to deploy to."""
    pipeline: Pipeline
    """The pipeline it asked to deploy."""


_RECORDED: list[RecordedDeploy] = []


def recorded_deploys() -> list[RecordedDeploy]:
    """Every ``deploy_pipeline(...)`` call that :func:`load_pipelines` recorded in this process."""
    return list(_RECORDED)


def module_name_for(file: Path) -> str:
    """The module name ``file`` is imported under: its stem, unless another module holds that name."""
    stem = file.stem
    existing = sys.modules.get(stem)
    usable = stem.isidentifier() and not keyword.iskeyword(stem)
    usable = usable and stem not in sys.stdlib_module_names
    if usable and (existing is None or _same_file(existing, file)):
        return stem
    if usable and importlib.util.find_spec(stem) is None:
        return stem
    private = "_jaya_file_" + "".join(c if c.isalnum() else "_" for c in stem)
    warnings.warn(
        f"{file} is loaded as module {private!r}, because {stem!r} names another module "
        "(or is not a valid module name); rename the file to import it under its own name.",
        stacklevel=3,
    )
    return private


def _same_file(module: ModuleType, file: Path) -> bool:
    origin = getattr(module, "__file__", None)
    return origin is not None and Path(origin).resolve() == file.resolve()


def load_pipelines(path: str | Path) -> list[Pipeline]:
    """Import the pipeline file at ``path`` and return every :class:`Pipeline` it defines; deploy nothing.

    The file becomes module ``<stem>`` (kept in ``sys.modules``), so its handlers ship by
    reference. A file already imported (by pytest, say) is not run again. An
    ``if __name__ == "__main__":`` block does not run. A ``deploy.deploy_pipeline(...)`` call
    stops the file there without deploying; its pipeline is returned with the others.

    :param path: the pipeline file, e.g. ``examples/s3_to_redshift.py``.
    :raises PipelineFileError: the file is missing, fails to run, or defines no pipeline.
    """
    file = Path(path).resolve()
    if not file.is_file():
        raise PipelineFileError(f"Pipeline file {str(path)!r} does not exist.")
    name = module_name_for(file)
    existing = sys.modules.get(name)
    if existing is not None and _same_file(existing, file):
        namespace: dict[str, Any] = vars(existing)
        asked: Pipeline | None = None
    else:
        namespace, asked = _import(file, name)
    found: list[Pipeline] = []
    for value in [*namespace.values(), asked]:
        if isinstance(value, Pipeline) and not any(value is p for p in found):
            found.append(value)
    if not found:
        raise PipelineFileError(
            f"{path} defines no Pipeline. Assign one at module level, e.g. "
            "piper = Pipeline('my-pipe', [S3(...) >> CopyS3Lambda(...) >> S3(...)])."
        )
    return found


def _import(file: Path, name: str) -> tuple[dict[str, Any], Pipeline | None]:
    """Import ``file`` as module ``name``; return its globals and the pipeline it asked to deploy."""
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise PipelineFileError(f"{file} cannot be imported as a Python module.")
    module = importlib.util.module_from_spec(spec)
    folder = str(file.parent)
    saved_bytecode = sys.dont_write_bytecode
    sys.path.insert(0, folder)
    sys.modules[name] = module  # classes, dataclasses and handlers in the file look it up
    sys.dont_write_bytecode = True  # loading a pipeline writes nothing, not even __pycache__
    asked: Pipeline | None = None
    try:
        with skipping_deploys():
            spec.loader.exec_module(module)
    except DeploySkipped as skipped:
        asked = skipped.pipeline  # everything the file defined before the call is in the module
        _RECORDED.append(RecordedDeploy(file, skipped.environment, skipped.pipeline))
    except BaseException as exc:
        sys.modules.pop(name, None)
        if isinstance(exc, JayaError):
            raise PipelineFileError(f"{file}: {exc}") from exc
        if isinstance(exc, SystemExit):
            raise PipelineFileError(f"{file} called exit({exc.code!r}) while loading.") from exc
        if isinstance(exc, SyntaxError):
            raise PipelineFileError(f"{file} is not valid Python: {exc}") from exc
        if isinstance(exc, Exception):
            raise PipelineFileError(f"{file} failed to run: {type(exc).__name__}: {exc}") from exc
        raise
    finally:
        sys.dont_write_bytecode = saved_bytecode
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
    return vars(module), asked
