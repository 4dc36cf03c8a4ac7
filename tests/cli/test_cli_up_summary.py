"""``jaya up`` ends with what the engine did: the totals, and what failed or did not finish."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from pulumi.automation import CommandResult
from pulumi.automation.errors import create_command_error

from jaya_pulumi.cli import main

PIPE = str(Path(__file__).parents[1] / "fixtures" / "pipelines" / "three_node_pipe.py")
FN = "three-node-pipe-copy-s3"


def test_a_successful_up_prints_the_engines_totals(fake_cli: dict[str, Any]) -> None:
    result = CliRunner().invoke(main, ["up", PIPE, "--yes"])

    assert result.exit_code == 0, result.output
    assert "Resources: 6 created, 4 updated, 1 replaced, 14 unchanged (42s)" in result.output
    assert "No summary arrived" not in result.output
    assert "failed" not in result.output


def test_a_failed_up_lists_the_failed_step_and_counts_only_completed_ones(
    fake_cli: dict[str, Any],
) -> None:
    fake_cli["up_events"] = "three_node_pipe_up_failed.jsonl"
    fake_cli["fail_after_events"] = create_command_error(
        CommandResult("", "error: update failed", 255)
    )

    result = CliRunner().invoke(main, ["up", PIPE, "--yes"])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"  failed   update  aws:lambda/function:Function  {FN}" in lines
    assert lines.count("Resources: 6 created, 1 updated, 14 unchanged, 1 failed (42s)") == 2
    assert lines[-1].startswith("Error:")
    assert "OUTPUT" not in result.output


def test_an_interrupted_up_says_no_summary_arrived(fake_cli: dict[str, Any]) -> None:
    fake_cli["up_events"] = "three_node_pipe_up_interrupted.jsonl"
    fake_cli["fail_after_events"] = create_command_error(
        CommandResult("", "error: signal: killed", 255)
    )

    result = CliRunner().invoke(main, ["up", PIPE, "--yes"])

    assert result.exit_code == 1
    out = result.output
    assert f"  not done update  aws:lambda/function:Function  {FN}" in out
    assert "Resources: 6 created, 14 unchanged, 2 not done (no summary from the engine)" in out
    assert "No summary arrived from the engine" in out
    assert "run `pulumi refresh`" in out


def test_an_up_whose_stream_ends_early_says_so_even_when_the_cli_succeeds(
    fake_cli: dict[str, Any],
) -> None:
    fake_cli["up_events"] = "three_node_pipe_up_interrupted.jsonl"

    result = CliRunner().invoke(main, ["up", PIPE, "--yes"])

    assert result.exit_code == 0, result.output
    assert "No summary arrived from the engine" in result.output
    assert "OUTPUT" in result.output
