"""``get_aws_config(environment)``: the seed's per-environment AWS settings, read from the stack.

The seed wrote ``conf = config.get_aws_config(environment)``. Here an environment is a Pulumi stack,
so its settings are the ``aws:region`` and ``aws:profile`` of ``Pulumi.<environment>.yaml`` (found in
the current directory or a parent), else ``AWS_REGION`` / ``AWS_DEFAULT_REGION`` / ``AWS_PROFILE``.
Credentials are never read or returned: they stay with your AWS profile or environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["get_aws_config"]


def get_aws_config(environment: str, start: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The region and profile for ``environment`` (a stack name); keys absent when unknown.

    :param environment: the stack, e.g. ``staging``.
    :param start: where to look for ``Pulumi.<environment>.yaml`` (default: the current directory,
        then its parents).
    """
    settings: dict[str, str] = {}
    stack_config = _stack_config(environment, Path(start) if start else Path.cwd())
    region = (
        stack_config.get("aws:region")
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
    )
    profile = stack_config.get("aws:profile") or os.environ.get("AWS_PROFILE")
    if region:
        settings["region"] = str(region)
    if profile:
        settings["profile"] = str(profile)
    return settings


def _stack_config(environment: str, start: Path) -> dict[str, Any]:
    for folder in (start, *start.parents):
        path = folder / f"Pulumi.{environment}.yaml"
        if path.is_file():
            import yaml

            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            config = document.get("config") if isinstance(document, dict) else None
            return dict(config) if isinstance(config, dict) else {}
    return {}
