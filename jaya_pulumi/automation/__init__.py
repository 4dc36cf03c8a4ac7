"""Drive Pulumi from Python: ``preview``, ``up``, ``destroy``, ``refresh``, ``outputs``, ``redrive``.

Results are typed objects whose changes are grouped by pipeline node; :func:`summarize` (a recorded
stream), :class:`NodeEvents` and :class:`ProgressPrinter` (live) turn engine events into the same
per-node view. Every function needs the ``pulumi`` CLI on PATH and raises
:class:`~jaya_pulumi.errors.PulumiNotInstalledError` (with how to install it) when it is missing.
"""

from __future__ import annotations

from jaya_pulumi.automation._errors import INSTALL_HINT, translate
from jaya_pulumi.automation._events import (
    OPS,
    NodeChanges,
    NodeEvents,
    ResourceChange,
    resource_name_of,
)
from jaya_pulumi.automation._redrive import RedriveResult, redrive, redrive_queue
from jaya_pulumi.automation._render import (
    ProgressPrinter,
    format_changes,
    format_outputs,
    format_summary,
    format_totals,
)
from jaya_pulumi.automation._stack import (
    AWS_CONF_KEYS,
    DestroyResult,
    OperationResult,
    PreviewResult,
    RefreshResult,
    StackOutput,
    UpResult,
    aws_environment,
    destroy,
    inline_program,
    outputs,
    preview,
    refresh,
    up,
)
from jaya_pulumi.automation._summary import EVENT_KEYS, summarize

__all__ = [
    "AWS_CONF_KEYS",
    "EVENT_KEYS",
    "INSTALL_HINT",
    "OPS",
    "DestroyResult",
    "NodeChanges",
    "NodeEvents",
    "OperationResult",
    "PreviewResult",
    "ProgressPrinter",
    "RedriveResult",
    "RefreshResult",
    "ResourceChange",
    "StackOutput",
    "UpResult",
    "aws_environment",
    "destroy",
    "format_changes",
    "format_outputs",
    "format_summary",
    "format_totals",
    "inline_program",
    "outputs",
    "preview",
    "redrive",
    "redrive_queue",
    "refresh",
    "resource_name_of",
    "summarize",
    "translate",
    "up",
]
