"""Functions' pinned requirements against the packages installed where the harness runs.

Locally a handler imports what the developer's environment has, not the layer ``requirements=``
builds; when a pin (``requests==2.0.0``, ``numpy==2.*``) differs from the installed version, or
the distribution is missing, the harness warns once at start, naming both versions. Only ``==``
pins are compared; ranges (``>=``, ``~=``) and markers are not evaluated.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Iterable

from jaya_pulumi.dsl import AWSLambda
from jaya_pulumi.errors import warn_once
from jaya_pulumi.local.errors import RequirementMismatchWarning

__all__ = ["requirement_mismatches", "warn_requirement_mismatches"]

_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;,]+)\s*$")


def _installed(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _matches(pinned: str, installed: str) -> bool:
    if pinned.endswith(".*"):
        return installed == pinned[:-2] or installed.startswith(pinned[:-1])
    return installed == pinned


def requirement_mismatches(functions: Iterable[AWSLambda]) -> list[str]:
    """One message per function pin the local environment does not satisfy."""
    messages = []
    for fn in functions:
        for requirement in fn.requirements:
            pin = _PIN.match(requirement.split(";", 1)[0])
            if pin is None:
                continue
            name, pinned = pin.groups()
            installed = _installed(name)
            if installed is None:
                messages.append(
                    f"{fn.label} pins {requirement!r}, but {name} is not installed here: locally "
                    f"its import fails. Install it ({name}=={pinned}) to run the handler locally."
                )
            elif not _matches(pinned, installed):
                messages.append(
                    f"{fn.label} pins {requirement!r} ({name} {pinned}), but this environment has "
                    f"{name} {installed}: locally the handler runs with {installed}, deployed with "
                    f"{pinned}. Install {name}=={pinned} here to run what Lambda runs."
                )
    return messages


def warn_requirement_mismatches(functions: Iterable[AWSLambda]) -> None:
    """Warn (:class:`RequirementMismatchWarning`, once per process) for each mismatched pin."""
    for message in requirement_mismatches(functions):
        warn_once(message, RequirementMismatchWarning, stacklevel=3)
