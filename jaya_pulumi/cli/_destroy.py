"""``jaya destroy``: delete every resource of a pipeline's stack."""

from __future__ import annotations

from typing import Any

import click

from jaya_pulumi.cli._load import load_pipeline
from jaya_pulumi.cli._options import lifecycle_options, lifecycle_settings, pipeline_argument

__all__ = ["destroy"]


@click.command()
@pipeline_argument
@lifecycle_options
@click.option("-y", "--yes", is_flag=True, help="Destroy without asking.")
def destroy(
    pipeline_file: str, pipeline_name: str | None, stack: str, yes: bool, **options: Any
) -> None:
    """Delete every resource PIPELINE_FILE's pipeline created in STACK."""
    from jaya_pulumi.automation import ProgressPrinter
    from jaya_pulumi.automation import destroy as run_destroy

    settings = lifecycle_settings(**options)
    pipeline = load_pipeline(pipeline_file, pipeline_name)
    if not yes:
        click.confirm(
            f"Delete every resource of pipeline {pipeline.name!r} in stack {stack!r}?", abort=True
        )
    printer = ProgressPrinter(pipeline, write=click.echo)
    run_destroy(pipeline, stack, on_event=printer, **settings)
