"""``jaya local``'s output: one summary line first, lists cut to fit, ``--show`` and ``--all``."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

from click.testing import CliRunner

from jaya_pulumi.cli import main

EXAMPLE = Path(__file__).parents[2] / "examples" / "three_node_pipe.py"


def test_500_files_print_at_most_40_lines_led_by_the_summary(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    for i in range(500):
        (folder / f"{i:03d}.csv").write_text(f"row {i}\n")

    result = CliRunner().invoke(
        main, ["local", str(EXAMPLE), "--put", f"tsa-rajiv-bucket1/in/={folder}"]
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) <= 40, result.output
    assert (
        "500 file(s) put, 500 invocation(s) ok, 0 failed, 500 object(s) written, "
        "0 row(s) loaded, 0 line(s) rejected."
    ) in lines
    assert lines.index("[##############################] 500/500 files") == 0
    assert "  ... and 980 more (--all shows every row)" in lines


def test_show_prints_text_gz_decompressed_and_binary_as_hexdump(tmp_path: Path) -> None:
    text, packed, binary = tmp_path / "a.txt", tmp_path / "b.txt.gz", tmp_path / "c.bin"
    text.write_text("Hi Rajiv\n")
    packed.write_bytes(gzip.compress(b"zipped line\n"))
    binary.write_bytes(bytes(range(256)) * 2)

    result = CliRunner().invoke(
        main,
        [
            "local",
            str(EXAMPLE),
            "--put",
            f"tsa-rajiv-bucket1/a.txt={text}",
            "--put",
            f"tsa-rajiv-bucket1/b.txt.gz={packed}",
            "--put",
            f"tsa-rajiv-bucket1/c.bin={binary}",
            "--show",
            "tsa-rajiv-bucket2/a.txt",
            "--show",
            "tsa-rajiv-bucket2/b.txt.gz",
            "--show",
            "tsa-rajiv-bucket2/c.bin",
        ],
    )

    assert result.exit_code == 0, result.output
    assert "tsa-rajiv-bucket2/a.txt:\nHi Rajiv\n" in result.output
    assert "tsa-rajiv-bucket2/b.txt.gz:\nzipped line\n" in result.output
    assert "00000000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f  ................" in (
        result.output
    )
    assert "... 512 bytes in all" in result.output


def test_show_of_a_missing_object_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["local", str(EXAMPLE), "--show", "tsa-rajiv-bucket2/nope"])
    assert result.exit_code == 2
    assert "cannot read 'tsa-rajiv-bucket2/nope'" in result.output


QUARANTINING = """
import gzip
import json

import sqlalchemy as sa

from jaya_pulumi import S3, ConfigSecret, Firehose, MapS3ToFirehoseLambda, Pipeline, Table

DB = {"db-name": "db", "db-user": "u", "db-passwd": ConfigSecret("dbPassword"), "db-server": "wh"}


def strict_mapper(line, bucket, key):
    record = json.loads(line)
    if "n" not in record:
        raise ValueError(f"no n in {line!r}")
    return [{"firehose_name": "cli-quarantine", "result": [record]}]


piper = Pipeline("cli-bad-lines", [
    S3("cli-bad-src", on=[S3.ALL_CREATED_OBJECTS])
    >> MapS3ToFirehoseLambda(open_function=gzip.open, map_function=strict_mapper)
    >> Firehose("cli-quarantine", "db", "u", ConfigSecret("dbPassword"), "wh", "events",
                "cli-bad-hold", "cli-bad-role", prefix="staged/")
    >> Table(DB, "events", sa.Column("n", sa.Integer))
])
"""


def test_the_summary_line_counts_quarantined_lines_as_rejected(tmp_path: Path) -> None:
    file = tmp_path / "cli_quarantining.py"
    file.write_text(QUARANTINING)
    data = tmp_path / "lines.json.gz"
    data.write_bytes(gzip.compress(b'{"n": 1}\n{"m": 2}\n{"n": 3}\n'))

    result = CliRunner().invoke(
        main,
        [
            "local",
            str(file),
            "--secret",
            "dbPassword=local-password",
            "--put",
            f"cli-bad-src/lines.json.gz={data}",
        ],
    )

    sys.modules.pop("cli_quarantining", None)  # jaya local imported it under its stem
    assert result.exit_code == 0, result.output
    assert (
        "1 file(s) put, 1 invocation(s) ok, 0 failed, 2 object(s) written, "
        "2 row(s) loaded, 1 line(s) rejected."
    ) in result.output.splitlines(), result.output


def test_one_large_file_is_streamed_with_a_bar_of_its_bytes(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * (12 * 4096))  # 12 MiB, over LARGE_OBJECT

    result = CliRunner().invoke(
        main, ["local", str(EXAMPLE), "--put", f"tsa-rajiv-bucket1/in/big.bin={big}"]
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # not a terminal: the bar's final state only, first, then the summary
    assert (
        lines[0]
        == "[##############################] 12.0/12.0 MiB put to s3://tsa-rajiv-bucket1/in/big.bin"
    )
    assert lines[1].startswith("1 file(s) put, 1 invocation(s) ok, 0 failed, 1 object(s) written")
    assert "s3://tsa-rajiv-bucket2/in/big.bin" in result.output


def test_the_byte_bar_redraws_in_place_a_tenth_at_a_time_on_a_terminal() -> None:
    import io

    from jaya_pulumi.cli._local import _Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    bar = _Progress(10 * 1024 * 1024, out, width=10, unit="MiB put to s3://b/k")
    for done in range(0, 10 * 1024 * 1024 + 1, 256 * 1024):  # 41 reads
        bar.update(done)
    frames = out.getvalue().split("\r")
    assert len(frames) == 11  # 0/10 .. 9/10 redrawn in place, then the last line
    assert frames[5] == "[#####.....] 5.0/10.0 MiB put to s3://b/k"
    assert frames[-1] == "[##########] 10.0/10.0 MiB put to s3://b/k\n"
