"""The ``jaya`` command group, which turns library errors into one-line failures (exit 1)."""

from __future__ import annotations

from typing import Any

import click

from jaya_pulumi.errors import JayaError

__all__ = ["JayaGroup", "main"]


class JayaGroup(click.Group):
    """A click group that reports :class:`JayaError` as ``Error: <message>`` with exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand, translating a :class:`JayaError` into a :class:`click.ClickException`."""
        try:
            return super().invoke(ctx)
        except JayaError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(name="jaya", cls=JayaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jaya_pulumi", prog_name="jaya")
def main() -> None:
    """Draw, preview, deploy and tear down jaya_pulumi pipelines.

    PIPELINE_FILE is a Python file that defines a Pipeline at module level, e.g.
    piper = Pipeline("three-node-pipe", [S3(...) >> CopyS3Lambda(...) >> S3(...)]).
    """
