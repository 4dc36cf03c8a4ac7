"""Every exception jaya_pulumi raises on purpose.

All of them derive from :class:`JayaError`, so ``except JayaError`` catches anything the library
refuses, while programming errors (``TypeError`` from a wrong call, say) still surface as themselves.
"""

from __future__ import annotations

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
