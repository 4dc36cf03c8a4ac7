"""The ``jaya`` command: help, usage errors (exit 2), failures (exit 1), and no Pulumi CLI."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from jaya_pulumi.cli import load_pipeline, main
from jaya_pulumi.errors import PipelineFileError

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "pipelines"
EXAMPLE = ROOT / "examples" / "three_node_pipe.py"
THREE_NODE_PIPE = EXAMPLE if EXAMPLE.exists() else FIXTURES / "three_node_pipe.py"
SUBCOMMANDS = ["graph", "preview", "up", "destroy", "outputs"]


def test_jaya_help_lists_every_subcommand() -> None:
    result = CliRunner().invoke(main, ["--help"])

    assert result.exit_code == 0
    assert result.output.startswith("Usage: jaya ")
    for name in SUBCOMMANDS:
        assert f"  {name} " in result.output


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_has_help(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])

    assert result.exit_code == 0
    assert f"Usage: jaya {name} [OPTIONS] PIPELINE_FILE" in result.output


@pytest.mark.parametrize("name", ["preview", "up", "destroy", "outputs"])
def test_stack_subcommands_take_a_stack_and_a_backend(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])

    assert "-s, --stack" in result.output and "--backend-url" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "Usage: jaya"),
        (["deploy"], "No such command 'deploy'"),
        (["graph"], "Missing argument 'PIPELINE_FILE'"),
        (["graph", "no-such-file.py"], "does not exist"),
        (["graph", str(THREE_NODE_PIPE), "--format", "svg"], "'svg' is not one of"),
        (["graph", str(THREE_NODE_PIPE), "--format", "png"], "--format png needs -o"),
        (["preview"], "Missing argument 'PIPELINE_FILE'"),
        (["preview", str(THREE_NODE_PIPE), "-c", "aws:region"], "is not KEY=VALUE"),
        (["up", str(THREE_NODE_PIPE), "--bogus"], "No such option '--bogus'"),
        # destroy and outputs take no stack config: refused, not silently dropped
        (["destroy", str(THREE_NODE_PIPE), "--yes", "--region", "eu-west-1"], "'--region'"),
        (["destroy", str(THREE_NODE_PIPE), "--yes", "-c", "aws:region=eu-west-1"], "'-c'"),
        (["outputs", str(THREE_NODE_PIPE), "--secret", "pipe:token=x"], "'--secret'"),
        (["outputs", str(THREE_NODE_PIPE), "--profile", "data-eng"], "'--profile'"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)

    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_file_without_a_pipeline_fails_with_exit_1() -> None:
    result = CliRunner().invoke(main, ["graph", str(FIXTURES / "no_pipe.py")])

    assert result.exit_code == 1
    assert "defines no Pipeline" in result.output
    assert "Traceback" not in result.output


def test_an_invalid_pipeline_reports_the_dsl_message() -> None:
    result = CliRunner().invoke(main, ["graph", str(FIXTURES / "broken_pipe.py")])

    assert result.exit_code == 1
    assert "CopyS3Lambda('copy-s3') copies objects but has no destination" in result.output


def test_several_pipelines_need_pipeline_option() -> None:
    runner = CliRunner()
    both = runner.invoke(main, ["graph", str(FIXTURES / "two_pipes.py")])
    chosen = runner.invoke(
        main, ["graph", str(FIXTURES / "two_pipes.py"), "--pipeline", "second-pipe"]
    )
    missing = runner.invoke(main, ["graph", str(FIXTURES / "two_pipes.py"), "--pipeline", "third"])

    assert both.exit_code == 1 and "choose one with --pipeline NAME" in both.output
    assert chosen.exit_code == 0 and "title: second-pipe" in chosen.output
    assert missing.exit_code == 1 and "no pipeline named 'third'" in missing.output


def test_load_pipeline_runs_the_file_next_to_its_neighbours(tmp_path: Path) -> None:
    (tmp_path / "names.py").write_text("SOURCE = 'neighbour-src'\n")
    (tmp_path / "pipe.py").write_text(
        "from names import SOURCE\n"
        "from jaya_pulumi import S3, CopyS3Lambda, Pipeline\n"
        "piper = Pipeline('neighbours', [S3(SOURCE, on=[S3.ALL_CREATED_OBJECTS])"
        " >> CopyS3Lambda({}) >> S3('neighbour-dst')])\n"
        "if __name__ == '__main__':\n"
        "    raise SystemExit('a deploy call guarded by __main__ must not run')\n"
    )

    pipeline = load_pipeline(tmp_path / "pipe.py")

    assert pipeline.name == "neighbours"
    assert pipeline.nodes[0].label == "S3('neighbour-src')"
    assert not (tmp_path / "__pycache__").exists()


def test_load_pipeline_reports_a_crashing_file(tmp_path: Path) -> None:
    (tmp_path / "crash.py").write_text("raise KeyError('oops')\n")

    with pytest.raises(PipelineFileError, match="failed to run: KeyError"):
        load_pipeline(tmp_path / "crash.py")


# -- acceptance 1: no Pulumi CLI ------------------------------------------------------------


def _snapshot(*roots: Path) -> set[str]:
    found: set[str] = set()
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                found.add(os.path.join(dirpath, name))
    return found


@pytest.fixture
def no_pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """A PATH without ``pulumi``, an empty HOME and PULUMI_HOME, and an empty working directory."""
    places = {name: tmp_path / name for name in ("bin", "home", "pulumi-home", "cwd", "tmp")}
    for place in places.values():
        place.mkdir()
    monkeypatch.setenv("PATH", str(places["bin"]))
    monkeypatch.setenv("HOME", str(places["home"]))
    monkeypatch.setenv("PULUMI_HOME", str(places["pulumi-home"]))
    monkeypatch.setenv("TMPDIR", str(places["tmp"]))
    monkeypatch.setattr(tempfile, "tempdir", str(places["tmp"]))
    monkeypatch.chdir(places["cwd"])
    yield places


@pytest.mark.parametrize("command", ["preview", "up", "destroy", "outputs"])
def test_without_pulumi_cli_says_how_to_install_it_and_writes_nothing(
    command: str, no_pulumi: dict[str, Path]
) -> None:
    before = _snapshot(*no_pulumi.values(), THREE_NODE_PIPE.parent)

    args = [command, str(THREE_NODE_PIPE), "-s", "staging"]
    if command in ("up", "destroy"):
        args.append("--yes")
    result = CliRunner().invoke(main, args)

    assert result.exit_code == 1, result.output
    assert "Pulumi CLI" in result.output
    assert "curl -fsSL https://get.pulumi.com | sh" in result.output
    assert "Traceback" not in result.output
    assert _snapshot(*no_pulumi.values(), THREE_NODE_PIPE.parent) == before


def test_preview_with_file_backend_still_writes_nothing_without_pulumi(
    no_pulumi: dict[str, Path],
) -> None:
    backend = no_pulumi["home"] / "state"

    result = CliRunner().invoke(
        main,
        ["preview", str(THREE_NODE_PIPE), "-s", "staging", "--backend-url", f"file://{backend}"],
    )

    assert result.exit_code == 1
    assert "get.pulumi.com" in result.output
    assert not backend.exists()


def test_a_seed_style_file_that_deploys_is_drawn_without_deploying(
    fake_cli: dict[str, object],
) -> None:
    result = CliRunner().invoke(main, ["graph", str(FIXTURES / "seed_deploys.py")])

    assert result.exit_code == 0, result.output
    assert "title: three-node-pipe" in result.output
    assert "how" not in fake_cli  # no stack was opened


def test_preview_of_a_seed_style_file_previews_instead_of_deploying(
    fake_cli: dict[str, object],
) -> None:
    result = CliRunner().invoke(main, ["preview", str(FIXTURES / "seed_deploys.py")])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Preview of three-node-pipe on stack staging")
    assert fake_cli["how"] == "create_or_select"
