"""``jaya redrive``: invoke a deployed function again with the events its failure queue holds."""

from __future__ import annotations

from typing import Any

import click

from jaya_pulumi.cli._load import load_pipeline
from jaya_pulumi.cli._options import lifecycle_settings, pipeline_argument, state_options

__all__ = ["redrive"]


@click.command()
@pipeline_argument
@click.argument("function", metavar="FUNCTION")
@state_options
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Redrive at most N events.")
def redrive(
    pipeline_file: str,
    pipeline_name: str | None,
    function: str,
    stack: str,
    limit: int | None,
    **options: Any,
) -> None:
    """Re-invoke FUNCTION of PIPELINE_FILE's STACK with each event in its failure queue."""
    from jaya_pulumi.automation import redrive as run_redrive

    settings = lifecycle_settings(**options)
    settings.pop("aws_conf")
    pipeline = load_pipeline(pipeline_file, pipeline_name)
    result = run_redrive(pipeline, function, stack, limit=limit, **settings)
    click.echo(result.summary())
    for message_id, reason in result.failed.items():
        click.echo(f"  {message_id}: {reason}", err=True)
    if result.failed:
        raise click.exceptions.Exit(1)
