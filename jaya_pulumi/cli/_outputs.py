"""``jaya outputs``: the outputs of a deployed pipeline's stack."""

from __future__ import annotations

import json
from typing import Any

import click

from jaya_pulumi.cli._load import load_pipeline
from jaya_pulumi.cli._options import lifecycle_settings, pipeline_argument, state_options

__all__ = ["outputs"]


@click.command()
@pipeline_argument
@state_options
@click.option("--json", "as_json", is_flag=True, help="Print the outputs as one JSON object.")
@click.option("--show-secrets", is_flag=True, help="Print secret outputs in clear.")
def outputs(
    pipeline_file: str,
    pipeline_name: str | None,
    stack: str,
    as_json: bool,
    show_secrets: bool,
    **options: Any,
) -> None:
    """Print the outputs (bucket names, function ARNs, ...) of PIPELINE_FILE's STACK."""
    from jaya_pulumi.automation import format_outputs
    from jaya_pulumi.automation import outputs as read_outputs

    settings = lifecycle_settings(**options)
    settings.pop("aws_conf")
    pipeline = load_pipeline(pipeline_file, pipeline_name)
    values = read_outputs(pipeline, stack, **settings)
    if as_json:
        shown = {
            k: ("[secret]" if v.secret and not show_secrets else v.value) for k, v in values.items()
        }
        click.echo(json.dumps(shown, indent=2, sort_keys=True, default=str))
    else:
        click.echo(format_outputs(values, show_secrets=show_secrets), nl=False)
