"""A user's own pytest run of ``synth`` and ``test`` shows no warnings from jaya's dependencies.

The user's test file sits in an empty temporary directory, away from this repository's pytest
configuration, and runs in a fresh ``python -m pytest`` process, exactly as a user would run it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

USER_TEST = """
from jaya_pulumi import S3, CopyS3Lambda, Pipeline
from jaya_pulumi.testing import synth, test

p = S3("quiet-source", "us-east-1", on=[S3.ALL_CREATED_OBJECTS]) \\
    >> CopyS3Lambda({}, "us-east-1", None) \\
    >> S3("quiet-destination", "us-east-1")
piper = Pipeline("three-node-pipe", [p])


def test_synth():
    s = synth(piper, stack="staging", config={"aws:region": "us-east-1"})
    s.resource_count_is("aws:s3/bucket:Bucket", 2)


def test_local():
    with test(piper) as h:
        h.s3().Bucket("quiet-source").put_object(Key="a_key", Body=b"Hi Rajiv")
        assert h.s3().Object("quiet-destination", "a_key").get()["Body"].read() == b"Hi Rajiv"
"""


def run_user_pytest(directory: Path, source: str, env: Mapping[str, str] | None = None) -> str:
    """Write ``source`` as the user's test file and run pytest on it; return its output."""
    (directory / "test_user_pipeline.py").write_text(textwrap.dedent(source), encoding="utf-8")
    env = {**(os.environ if env is None else env), "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONWARNINGS", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rN"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_users_synth_and_test_run_reports_no_warnings(tmp_path: Path) -> None:
    out = run_user_pytest(tmp_path, USER_TEST)
    summary = out.strip().splitlines()[-1]
    assert "2 passed" in summary, out
    assert "warning" not in out.lower(), out


USER_REDSHIFT_TEST = """
import gzip

import sqlalchemy as sa

from jaya_pulumi import S3, ConfigSecret, Firehose, MapS3ToFirehoseLambda, Pipeline, Table
from jaya_pulumi.testing import test
from user_mappers import to_stream

DB = {"db-name": "dev", "db-user": "loader", "db-passwd": ConfigSecret("dbPassword"),
      "db-server": "warehouse.example.com"}


people = Table(DB, "people", sa.Column("name", sa.String), schema="raw")
stream = Firehose("quiet-stream", "dev", "loader", ConfigSecret("dbPassword"),
                  "warehouse.example.com", "people", "quiet-holding", "quiet-role",
                  prefix="staged/")
piper = Pipeline("quiet-load", [
    S3("quiet-in", "us-east-1", on=[S3.ALL_CREATED_OBJECTS])
    >> MapS3ToFirehoseLambda(open_function=gzip.open, map_function=to_stream)
    >> stream >> people
])


def test_rows_land():
    with test(piper, secrets={"dbPassword": "local-password"}) as h:
        h.client("s3").put_object(Bucket="quiet-in", Key="a.json.gz",
                                  Body=gzip.compress(b'{"name": "Ann"}\\n'))
        h.flush()
        assert h.rows("raw.people") == [{"name": "Ann"}]
"""


def test_a_users_local_redshift_run_reports_no_warnings(tmp_path: Path) -> None:
    """The embedded PostgreSQL behind a local Redshift run adds no warning (platformdirs' included)."""
    # The mapper in a module of its own ships by reference (the test file imports sqlalchemy).
    (tmp_path / "user_mappers.py").write_text(
        "import json\n\n\ndef to_stream(line, bucket, key):\n"
        '    return [{"firehose_name": "quiet-stream", "result": [json.loads(line)]}]\n'
    )
    env_without_runtime_dir = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    out = run_user_pytest(tmp_path, USER_REDSHIFT_TEST, env=env_without_runtime_dir)
    assert "1 passed" in out.strip().splitlines()[-1], out
    assert "warning" not in out.lower(), out


def test_a_warning_about_the_users_own_code_still_shows(tmp_path: Path) -> None:
    """The filter is narrow: jaya's warnings about the user's pipeline are not silenced."""
    out = run_user_pytest(
        tmp_path,
        USER_TEST.replace(
            "piper = Pipeline",
            "from jaya_pulumi import Firehose\n"
            'Firehose("quiet-stream", "db", "user", "pw", "server", "t", "quiet-holding", "role",'
            ' prefix="no-slash")\n'
            "piper = Pipeline",
        ),
    )
    assert "1 warning" in out.strip().splitlines()[-1], out
    assert "prefix 'no-slash' does not end with '/'" in out, out
    assert "DeprecationWarning" not in out, out


def test_a_warning_about_the_users_code_shows_once_per_process(tmp_path: Path) -> None:
    """Two tests that build the same doubtful node: one warning, not one per test."""
    out = run_user_pytest(
        tmp_path,
        """
        from jaya_pulumi import Firehose


        def stream():
            return Firehose("quiet-stream", "db", "user", "a-password", "server", "t",
                            "quiet-holding", "role", prefix="no-slash")


        def test_one():
            assert stream().prefix == "no-slash"


        def test_two():
            assert stream().prefix == "no-slash"
        """,
    )
    assert "2 passed, 1 warning" in out.strip().splitlines()[-1], out
