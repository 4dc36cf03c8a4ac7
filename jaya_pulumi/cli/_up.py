"""``jaya up``: deploy a pipeline, with a progress bar per node, the totals and a table of outputs.

The totals are the engine's own summary. When the update fails or stops, ``jaya up`` lists per
node the steps that failed or did not finish (never counted as done), then the totals, and says
when no summary arrived and what therefore cannot be known, before the one-line error.
"""

from __future__ import annotations

from typing import Any

import click

from jaya_pulumi.cli._load import load_pipeline
from jaya_pulumi.cli._options import pipeline_argument, stack_options, stack_settings
from jaya_pulumi.errors import JayaError

__all__ = ["up"]


@click.command()
@pipeline_argument
@stack_options
@click.option("-y", "--yes", is_flag=True, help="Deploy without showing a preview and asking.")
@click.option("--show-secrets", is_flag=True, help="Print secret outputs in clear.")
def up(
    pipeline_file: str,
    pipeline_name: str | None,
    stack: str,
    yes: bool,
    show_secrets: bool,
    **options: Any,
) -> None:
    """Create or update PIPELINE_FILE's resources in STACK, showing progress per node."""
    from jaya_pulumi.automation import ProgressPrinter, format_changes, format_summary
    from jaya_pulumi.automation import preview as run_preview
    from jaya_pulumi.automation import up as run_up

    settings = stack_settings(**options)
    pipeline = load_pipeline(pipeline_file, pipeline_name)
    plan = None
    if not yes:
        plan = run_preview(pipeline, stack, **settings).events
        click.echo(format_changes(plan, f"Preview of {pipeline.name} on stack {stack}"))
        click.confirm(f"Deploy these changes to stack {stack!r}?", abort=True)
    printer = ProgressPrinter(pipeline, write=click.echo, plan=plan)
    try:
        result = run_up(pipeline, stack, on_event=printer, **settings)
    except JayaError:
        if printer.events.resources or printer.events.complete:
            click.echo("")
            click.echo(format_summary(printer.events), nl=False)
        raise
    if not printer.events.complete:
        click.echo("")
        click.echo(format_summary(printer.events), nl=False)
    click.echo("")
    click.echo(result.outputs_table(show_secrets=show_secrets), nl=False)
