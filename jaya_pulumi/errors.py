"""Every exception jaya_pulumi raises on purpose, and its one way of warning about a user's code.

All of them derive from :class:`JayaError`, so ``except JayaError`` catches anything the library
refuses, while programming errors (``TypeError`` from a wrong call, say) still surface as themselves.

Warnings go through :func:`warn_once`. A pipeline file is often loaded more than once in one process
(``jaya`` loads it, ``synth`` runs it, a test suite imports it), and pytest resets Python's own
"shown once" registry for every test, so jaya keeps its own record: one mistake, one warning. This
module is the bottom layer (standard library only, shipped in every Lambda archive), so every package
may warn without importing another.
"""

from __future__ import annotations

import warnings

__all__ = [
    "ConfigurationError",
    "EngineEventError",
    "GraphvizNotFoundError",
    "JayaError",
    "MissingCredentialsError",
    "PackagingError",
    "PipelineDefinitionError",
    "PipelineFileError",
    "PulumiCommandError",
    "PulumiNotInstalledError",
    "StackLockedError",
    "StackNotFoundError",
    "TableMigrationError",
    "forget_shown_warnings",
    "warn_once",
]


class JayaError(Exception):
    """Base class of every error jaya_pulumi raises deliberately."""


class PipelineDefinitionError(JayaError, ValueError):
    """The pipeline graph or a node's settings are invalid; raised at ``>>`` or ``Pipeline(...)``."""


class ConfigurationError(JayaError):
    """The stack or its configuration does not fit the pipeline (raised while building resources)."""


class PackagingError(JayaError):
    """A function's code cannot be packaged for Lambda as asked."""


class TableMigrationError(JayaError):
    """A table change would lose data (drop a column, change a type or key); refused unless allowed."""


class PipelineFileError(JayaError):
    """A pipeline file cannot be run, or holds no (or more than one matching) ``Pipeline``."""


class GraphvizNotFoundError(JayaError):
    """Graphviz's ``dot`` program, needed to draw a PNG, is not on PATH."""


class PulumiCommandError(JayaError):
    """The Pulumi CLI refused or failed an operation; the message carries the CLI's own words."""


class PulumiNotInstalledError(PulumiCommandError):
    """The ``pulumi`` CLI, which the Automation API drives, is not installed or not on PATH."""


class MissingCredentialsError(PulumiCommandError):
    """The engine found no credentials for AWS or for the state backend (the message says which)."""


class EngineEventError(JayaError, ValueError):
    """A stream of engine events given to ``summarize`` is not what the engine's event log holds."""


class StackLockedError(PulumiCommandError):
    """Another update holds the stack's lock (``pulumi cancel`` or ``pulumi stack export`` help)."""


class StackNotFoundError(PulumiCommandError):
    """The stack does not exist in the selected backend."""


_SHOWN: set[tuple[type[Warning], str]] = set()


def warn_once(message: str, category: type[Warning] = UserWarning, *, stacklevel: int = 1) -> None:
    """``warnings.warn(message, category)``, unless this process has shown the same one already.

    :param stacklevel: as for :func:`warnings.warn`, counted from the caller of ``warn_once``.
    """
    key = (category, message)
    if key in _SHOWN:
        return
    _SHOWN.add(key)
    warnings.warn(message, category, stacklevel=stacklevel + 1)


def forget_shown_warnings() -> None:
    """Show every warning again (for test suites that assert on the same warning twice)."""
    _SHOWN.clear()
