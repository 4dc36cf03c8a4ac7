"""Every exception jaya_pulumi raises on purpose.

All of them derive from :class:`JayaError`, so ``except JayaError`` catches anything the library
refuses, while programming errors (``TypeError`` from a wrong call, say) still surface as themselves.
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "JayaError",
    "PackagingError",
    "PipelineDefinitionError",
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
