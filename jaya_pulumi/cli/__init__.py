"""The ``jaya`` command: ``graph``, ``preview``, ``up``, ``destroy``, ``outputs``, ``local``,
``redrive``.

Each subcommand is one function in its own module, registered here. Exit codes: 0 success,
1 failure (every :class:`~jaya_pulumi.errors.JayaError` is reported as one line, no traceback),
2 usage error.
"""

from __future__ import annotations

from jaya_pulumi.cli._destroy import destroy
from jaya_pulumi.cli._graph import graph
from jaya_pulumi.cli._group import JayaGroup, main
from jaya_pulumi.cli._load import load_pipeline
from jaya_pulumi.cli._local import local
from jaya_pulumi.cli._outputs import outputs
from jaya_pulumi.cli._preview import preview
from jaya_pulumi.cli._redrive import redrive
from jaya_pulumi.cli._up import up

__all__ = ["JayaGroup", "load_pipeline", "main"]

for _command in (graph, preview, up, destroy, outputs, local, redrive):
    main.add_command(_command)
del _command
