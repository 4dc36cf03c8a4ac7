"""``jaya preview``: what ``up`` would change, grouped by pipeline node."""

from __future__ import annotations

from typing import Any

import click

from jaya_pulumi.cli._load import load_pipeline
from jaya_pulumi.cli._options import pipeline_argument, stack_options, stack_settings

__all__ = ["preview"]


@click.command()
@pipeline_argument
@stack_options
@click.option("--show-same", is_flag=True, help="Also list resources that do not change.")
def preview(
    pipeline_file: str, pipeline_name: str | None, stack: str, show_same: bool, **options: Any
) -> None:
    """Show what `jaya up` would create, update or replace in STACK, node by node, and why."""
    from jaya_pulumi.automation import format_changes
    from jaya_pulumi.automation import preview as run_preview

    settings = stack_settings(**options)
    pipeline = load_pipeline(pipeline_file, pipeline_name)
    result = run_preview(pipeline, stack, **settings)
    title = f"Preview of {pipeline.name} on stack {stack}"
    click.echo(format_changes(result.events, title, show_same=show_same), nl=False)
