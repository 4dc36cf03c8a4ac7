"""Run a pipeline file and find the :class:`~jaya_pulumi.dsl.Pipeline` it defines."""

from __future__ import annotations

import contextlib
import runpy
import sys
from pathlib import Path

from jaya_pulumi.dsl import Pipeline
from jaya_pulumi.errors import JayaError, PipelineFileError

__all__ = ["load_pipeline"]


def load_pipeline(path: str | Path, name: str | None = None) -> Pipeline:
    """Run the Python file at ``path`` and return the ``Pipeline`` it defines.

    The file runs as ``__jaya_pipeline__`` (so an ``if __name__ == "__main__":`` block, such as a
    deploy call, does not run), with its own directory first on ``sys.path`` so it can import its
    neighbours. One pipeline is returned as is; with several, ``name`` chooses one.

    :param path: the pipeline file.
    :param name: the pipeline's name (``Pipeline(name, ...)``) when the file defines several.
    :raises PipelineFileError: the file is missing, fails to run, or holds no matching pipeline.
    """
    file = Path(path)
    if not file.is_file():
        raise PipelineFileError(f"Pipeline file {str(file)!r} does not exist.")
    folder = str(file.resolve().parent)
    sys.path.insert(0, folder)
    dont_write_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # loading a pipeline writes nothing, not even __pycache__
    try:
        namespace = runpy.run_path(str(file), run_name="__jaya_pipeline__")
    except JayaError as exc:
        raise PipelineFileError(f"{file}: {exc}") from exc
    except SystemExit as exc:
        raise PipelineFileError(f"{file} called exit({exc.code!r}) while loading.") from exc
    except Exception as exc:
        raise PipelineFileError(f"{file} failed to run: {type(exc).__name__}: {exc}") from exc
    finally:
        sys.dont_write_bytecode = dont_write_bytecode
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
    found: list[Pipeline] = []
    for value in namespace.values():
        if isinstance(value, Pipeline) and not any(value is p for p in found):
            found.append(value)
    if not found:
        raise PipelineFileError(
            f"{file} defines no Pipeline. Assign one at module level, e.g. "
            "piper = Pipeline('my-pipe', [S3(...) >> CopyS3Lambda(...) >> S3(...)])."
        )
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
