"""Load a pipeline file and choose the :class:`~jaya_pulumi.dsl.Pipeline` a subcommand works on."""

from __future__ import annotations

from pathlib import Path

from jaya_pulumi._loader import load_pipelines
from jaya_pulumi.dsl import Pipeline
from jaya_pulumi.errors import PipelineFileError

__all__ = ["load_pipeline", "load_pipelines"]


def load_pipeline(path: str | Path, name: str | None = None) -> Pipeline:
    """Load the file at ``path`` with :func:`jaya_pulumi.load_pipelines` and return one pipeline.

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
