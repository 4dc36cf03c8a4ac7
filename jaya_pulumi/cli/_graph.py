"""``jaya graph``: draw a pipeline as Mermaid, Graphviz DOT or PNG."""

from __future__ import annotations

from pathlib import Path

import click

from jaya_pulumi.cli._load import load_pipeline
from jaya_pulumi.cli._options import pipeline_argument

__all__ = ["graph"]


@click.command()
@pipeline_argument
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot", "png"]),
    default="mermaid",
    show_default=True,
    help="Mermaid or DOT text, or a PNG drawn by Graphviz's dot.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write here instead of standard output (required for png).",
)
@click.option("-s", "--stack", default=None, help="Expand {stack} in names for this stack.")
def graph(
    pipeline_file: str,
    pipeline_name: str | None,
    fmt: str,
    output: str | None,
    stack: str | None,
) -> None:
    """Draw PIPELINE_FILE's pipeline: nodes with kind and name, edges with events and prefixes."""
    from jaya_pulumi.diagram import render_png, to_dot, to_mermaid

    if fmt == "png" and output is None:
        raise click.UsageError("--format png needs -o FILE.png.")
    pipeline = load_pipeline(pipeline_file, pipeline_name)
    if fmt == "png" and output is not None:
        written = render_png(pipeline, output, stack)
        click.echo(f"Wrote {written}", err=True)
        return
    text = to_mermaid(pipeline, stack) if fmt == "mermaid" else to_dot(pipeline, stack)
    if output is None:
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}", err=True)
