"""``jaya local``: run a pipeline file on the harness from the command line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from jaya_pulumi.cli import main

EXAMPLE = Path(__file__).parents[2] / "examples" / "three_node_pipe.py"


def test_jaya_local_prints_where_the_object_landed(tmp_path: Path) -> None:
    local_file = tmp_path / "a.txt"
    local_file.write_bytes(b"Hi Rajiv")

    result = CliRunner().invoke(
        main, ["local", str(EXAMPLE), "--put", f"tsa-rajiv-bucket1/a.txt={local_file}"]
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(
        "s3://tsa-rajiv-bucket2/a.txt" in line and "written by copy-s3" in line for line in lines
    ), result.output
    assert any("s3://tsa-rajiv-bucket1/a.txt" in line and "put by you" in line for line in lines)
    assert "stack 'staging'" in result.output


def test_jaya_local_shows_progress_for_many_files(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    for i in range(25):
        (folder / f"{i:02d}.csv").write_text(f"row {i}\n")

    result = CliRunner().invoke(
        main, ["local", str(EXAMPLE), "--all", "--put", f"tsa-rajiv-bucket1/in/={folder}"]
    )

    assert result.exit_code == 0, result.output
    assert "] 25/25 files" in result.output
    assert result.output.count("written by copy-s3") == 25
    assert "s3://tsa-rajiv-bucket2/in/24.csv" in result.output


def test_jaya_local_exits_1_and_names_the_failing_function(tmp_path: Path) -> None:
    pipeline_file = tmp_path / "failing_pipe.py"
    pipeline_file.write_text(
        "from jaya_pulumi import S3, AWSLambda, Pipeline\n"
        "def broken(event, context):\n"
        "    raise KeyError('no such column')\n"
        "p = S3('cli-fail-in', on=[S3.ALL_CREATED_OBJECTS]) >> AWSLambda('broken', broken)"
        " >> S3('cli-fail-out')\n"
        "piper = Pipeline('cli-fail', [p])\n"
    )
    data = tmp_path / "x.csv"
    data.write_text("a,b\n")

    result = CliRunner().invoke(
        main, ["local", str(pipeline_file), "--put", f"cli-fail-in/x.csv={data}"]
    )

    assert result.exit_code == 1
    assert "broken failed on s3://cli-fail-in/x.csv after 3 attempt(s)" in result.output
    assert "KeyError: 'no such column'" in result.output


def test_jaya_local_rejects_a_malformed_put(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["local", str(EXAMPLE), "--put", "no-equals-sign"])

    assert result.exit_code == 2
    assert "BUCKET/KEY=LOCAL_FILE" in result.output


def test_jaya_local_refuses_a_bucket_outside_the_pipeline(tmp_path: Path) -> None:
    local_file = tmp_path / "a.txt"
    local_file.write_bytes(b"x")

    result = CliRunner().invoke(
        main, ["local", str(EXAMPLE), "--put", f"elsewhere/a.txt={local_file}"]
    )

    assert result.exit_code == 2
    assert "bucket 'elsewhere' is not in pipeline 'three-node-pipe'" in result.output


def test_jaya_local_puts_hive_style_keys_and_paths(tmp_path: Path) -> None:
    partition = tmp_path / "dt=2026-11-25"
    partition.mkdir()
    (partition / "a.txt").write_bytes(b"Hi Rajiv")

    result = CliRunner().invoke(
        main, ["local", str(EXAMPLE), "--put", f"tsa-rajiv-bucket1/dt=2026-11-25/={partition}"]
    )

    assert result.exit_code == 0, result.output
    assert "s3://tsa-rajiv-bucket2/dt=2026-11-25/a.txt" in result.output
