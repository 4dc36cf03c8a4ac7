"""``jaya preview``/``up``/``destroy``/``outputs`` as a user sees them, over a stand-in Pulumi CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from pulumi.automation import CommandResult
from pulumi.automation.errors import create_command_error

from jaya_pulumi.cli import main

PIPE = str(Path(__file__).parents[1] / "fixtures" / "pipelines" / "three_node_pipe.py")


def test_preview_prints_changes_node_by_node(fake_cli: dict[str, Any]) -> None:
    result = CliRunner().invoke(main, ["preview", PIPE, "-s", "staging"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Preview of three-node-pipe on stack staging"
    assert [line.split(":")[0] for line in lines if line.startswith(("S3(", "CopyS3Lambda("))] == [
        "S3('tsa-rajiv-bucket1')",
        "CopyS3Lambda('copy-s3')",
        "S3('tsa-rajiv-bucket2')",
    ]
    assert lines[-1] == "Resources: 6 to create, 4 to update, 1 to replace, 14 unchanged"


def test_stack_options_reach_config_and_engine_environment(fake_cli: dict[str, Any]) -> None:
    result = CliRunner().invoke(
        main,
        [
            "preview",
            PIPE,
            "-s",
            "production",
            "--region",
            "eu-west-1",
            "-c",
            "three-node-pipe:owner=data",
            "--secret",
            "three-node-pipe:token=s3cr3t",
            "--profile",
            "data-eng",
        ],
    )

    assert result.exit_code == 0, result.output
    assert fake_cli["stack"] == "production"
    assert fake_cli["config"] == {
        "aws:region": ("eu-west-1", False),
        "three-node-pipe:owner": ("data", False),
        "three-node-pipe:token": ("s3cr3t", True),
    }
    assert fake_cli["opts"].env_vars["AWS_PROFILE"] == "data-eng"


def test_up_previews_asks_then_shows_progress_and_outputs(fake_cli: dict[str, Any]) -> None:
    result = CliRunner().invoke(main, ["up", PIPE, "-s", "staging"], input="y\n")

    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("Preview of three-node-pipe") < out.index("Deploy these changes to stack")
    assert "S3('tsa-rajiv-bucket2')     [###.................] 1/6  created jaya:aws:Bucket" in out
    assert "CopyS3Lambda('copy-s3')     [####################] 4/4  replaced" in out
    assert "Resources: 6 created, 4 updated, 1 replaced, 14 unchanged (42s)" in out
    table = out[out.index("OUTPUT") :].splitlines()
    assert table[0].split() == ["OUTPUT", "VALUE"]
    assert table[2].split() == [
        "three-node-pipe.buckets.tsa-rajiv-bucket1.name",
        "tsa-rajiv-bucket1",
    ]
    assert table[3].split() == ["token", "[secret]"]


def test_up_declined_changes_nothing(fake_cli: dict[str, Any]) -> None:
    result = CliRunner().invoke(main, ["up", PIPE], input="n\n")

    assert result.exit_code == 1
    assert "Aborted!" in result.output
    assert "OUTPUT" not in result.output


def test_up_yes_skips_the_preview(fake_cli: dict[str, Any]) -> None:
    result = CliRunner().invoke(main, ["up", PIPE, "--yes", "--show-secrets"])

    assert result.exit_code == 0, result.output
    assert "Preview of" not in result.output
    assert any(line.split() == ["token", "s3cr3t"] for line in result.output.splitlines())


def test_destroy_asks_first(fake_cli: dict[str, Any]) -> None:
    declined = CliRunner().invoke(main, ["destroy", PIPE, "-s", "staging"], input="n\n")
    assert declined.exit_code == 1 and "destroyed" not in fake_cli

    agreed = CliRunner().invoke(main, ["destroy", PIPE, "-s", "staging"], input="y\n")
    assert agreed.exit_code == 0, agreed.output
    assert (
        "Delete every resource of pipeline 'three-node-pipe' in stack 'staging'?" in agreed.output
    )
    assert fake_cli["destroyed"] and fake_cli["how"] == "select"


def test_outputs_as_table_and_json(fake_cli: dict[str, Any]) -> None:
    table = CliRunner().invoke(main, ["outputs", PIPE])
    as_json = CliRunner().invoke(main, ["outputs", PIPE, "--json"])

    assert table.exit_code == 0 and table.output.splitlines()[0].split() == ["OUTPUT", "VALUE"]
    assert table.output.splitlines()[2].split() == ["three-node-pipe.functions", "{}"]
    assert json.loads(as_json.output) == {"three-node-pipe": {"functions": {}}}


def test_a_locked_stack_is_one_clear_line(fake_cli: dict[str, Any]) -> None:
    fake_cli["fail_with"] = create_command_error(
        CommandResult("", "error: the stack is currently locked by 1 lock(s).", 255)
    )

    result = CliRunner().invoke(main, ["preview", PIPE, "-s", "staging"])

    assert result.exit_code == 1
    assert result.output.startswith("Error: Stack 'staging' is locked")
    assert "pulumi cancel --stack staging" in result.output
    assert "Traceback" not in result.output
