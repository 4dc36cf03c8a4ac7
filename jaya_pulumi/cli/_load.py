"""Run a pipeline file and find the :class:`~jaya_pulumi.dsl.Pipeline` it defines."""

from __future__ import annotations

import builtins
import contextlib
import sys
import types
from pathlib import Path
from typing import Any

from jaya_pulumi.deploy import DeploySkipped, skipping_deploys
from jaya_pulumi.dsl import Pipeline
from jaya_pulumi.errors import JayaError, PipelineFileError

__all__ = ["PIPELINE_MODULE", "load_pipeline", "load_pipelines"]

PIPELINE_MODULE = "__jaya_pipeline__"
"""The ``__name__`` a pipeline file runs under (so its ``if __name__ == "__main__":`` block does not run)."""


def load_pipeline(path: str | Path, name: str | None = None) -> Pipeline:
    """Run the Python file at ``path`` and return the ``Pipeline`` it defines.

    The file runs as module ``__jaya_pipeline__`` with its own directory first on ``sys.path``,
    so it can import its neighbours, and without writing bytecode. An
    ``if __name__ == "__main__":`` block does not run, and a module-level
    ``deploy.deploy_pipeline(...)`` (the seed's style) stops the file there without deploying.
    One pipeline is returned as is; with several, ``name`` chooses one.

    :param path: the pipeline file.
    :param name: the pipeline's name (``Pipeline(name, ...)``) when the file defines several.
    :raises PipelineFileError: the file is missing, fails to run, or holds no matching pipeline.
    """
    file = Path(path)
    found = load_pipelines(file)
    if name is not None:
        chosen = [p for p in found if p.name == name]
        if not chosen:
            names = ", ".join(repr(p.name) for p in found)
            raise PipelineFileError(f"{file} has no pipeline named {name!r}; it defines {names}.")
        return chosen[0]
    if len(found) > 1:
        names = ", ".join(repr(p.name) for p in found)
        raise PipelineFileError(
            f"{file} defines {len(found)} pipelines ({names}); choose one with --pipeline NAME."
        )
    return found[0]


def load_pipelines(path: str | Path) -> list[Pipeline]:
    """Run the Python file at ``path`` (as :func:`load_pipeline` does) and return every pipeline in it.

    :raises PipelineFileError: the file is missing, fails to run, or defines no pipeline.
    """
    file = Path(path)
    if not file.is_file():
        raise PipelineFileError(f"Pipeline file {str(file)!r} does not exist.")
    namespace = _run(file)
    found: list[Pipeline] = []
    for value in namespace.values():
        if isinstance(value, Pipeline) and not any(value is p for p in found):
            found.append(value)
    if not found:
        raise PipelineFileError(
            f"{file} defines no Pipeline. Assign one at module level, e.g. "
            "piper = Pipeline('my-pipe', [S3(...) >> CopyS3Lambda(...) >> S3(...)])."
        )
    return found


def _run(file: Path) -> dict[str, Any]:
    """Execute ``file`` as a temporary module (as ``runpy.run_path`` does) and return its globals."""
    try:
        code = compile(file.read_bytes(), str(file), "exec")
    except SyntaxError as exc:
        raise PipelineFileError(f"{file} is not valid Python: {exc}") from exc
    module = types.ModuleType(PIPELINE_MODULE)
    module.__file__ = str(file)
    namespace: dict[str, Any] = module.__dict__
    namespace["__builtins__"] = builtins
    folder = str(file.resolve().parent)
    saved_module = sys.modules.get(PIPELINE_MODULE)
    saved_bytecode = sys.dont_write_bytecode
    sys.path.insert(0, folder)
    sys.modules[PIPELINE_MODULE] = module  # classes and dataclasses in the file look it up
    sys.dont_write_bytecode = True  # loading a pipeline writes nothing, not even __pycache__
    try:
        with skipping_deploys():
            exec(code, namespace)
    except DeploySkipped:
        pass  # the file asked to deploy: everything it defined before that is in namespace
    except JayaError as exc:
        raise PipelineFileError(f"{file}: {exc}") from exc
    except SystemExit as exc:
        raise PipelineFileError(f"{file} called exit({exc.code!r}) while loading.") from exc
    except Exception as exc:
        raise PipelineFileError(f"{file} failed to run: {type(exc).__name__}: {exc}") from exc
    finally:
        sys.dont_write_bytecode = saved_bytecode
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
        if saved_module is None:
            sys.modules.pop(PIPELINE_MODULE, None)
        else:
            sys.modules[PIPELINE_MODULE] = saved_module
    return namespace
