"""``load_pipelines`` and one packaging rule: a pipeline file behaves the same in every entry point."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import jaya_pulumi
from jaya_pulumi.cli import main
from jaya_pulumi.packaging import package_function
from jaya_pulumi.testing import synth, test

ROOT = Path(__file__).parents[2]
SEED = ROOT / "examples" / "s3_to_redshift.py"

BESIDE = textwrap.dedent(
    """
    import boto3

    from jaya_pulumi import S3, AWSLambda, Pipeline
    from jaya_pulumi.runtime import destinations, s3_objects

    s3 = boto3.client("s3", region_name="us-east-1")  # an SSLContext inside: cannot be pickled

    def upper(event, context):
        for obj in s3_objects(event):
            body = s3.get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read()
            for dest in destinations():
                s3.put_object(Bucket=dest.bucket, Key=dest.prefix + obj.key, Body=body.upper())

    piper = Pipeline(
        "beside",
        [S3("beside-in", "us-east-1", on=[S3.ALL_CREATED_OBJECTS])
         >> AWSLambda("upper", upper)
         >> S3("beside-out", "us-east-1")],
    )
    """
)


@pytest.fixture
def beside(tmp_path: Path) -> Iterator[Path]:
    """A pipeline file with a module-level boto3 client and its handler beside it."""
    name = f"beside_pipe_{abs(hash(tmp_path)) % 10**8}"  # a fresh module per test
    file = tmp_path / f"{name}.py"
    file.write_text(BESIDE)
    yield file
    sys.modules.pop(name, None)


def test_load_pipelines_of_the_seed_example_returns_its_pipeline_and_deploys_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jaya_pulumi._loader import recorded_deploys

    # Run the file itself, even when an earlier test imported it: only a run records the call.
    monkeypatch.delitem(sys.modules, SEED.stem, raising=False)
    before = len(recorded_deploys())
    found = jaya_pulumi.load_pipelines(SEED)  # a real deploy would raise PulumiNotInstalledError
    assert [p.name for p in found] == ["my-trial"]
    calls = recorded_deploys()[before:]
    assert [(c.environment, c.pipeline.name) for c in calls] == [("staging", "my-trial")]


def test_the_handler_beside_its_pipeline_ships_by_reference(beside: Path) -> None:
    (piper,) = jaya_pulumi.load_pipelines(beside)
    (function,) = piper.functions
    archive = package_function(function)
    assert not archive.by_value
    assert archive.files[f"{beside.stem}.py"] == BESIDE
    with zipfile.ZipFile(io.BytesIO(archive.to_zip())) as zf:
        entry = zf.read("jaya_entry.py").decode()
    assert json.dumps(beside.stem) in entry


def test_jaya_local_runs_the_handler_beside_its_pipeline(beside: Path, tmp_path: Path) -> None:
    data = tmp_path / "a.txt"
    data.write_text("hello\n")
    result = CliRunner().invoke(main, ["local", str(beside), "--put", f"beside-in/a.txt={data}"])
    assert result.exit_code == 0, result.output
    assert "s3://beside-out/a.txt" in result.output


def test_the_same_file_works_under_test_and_synth(beside: Path, tmp_path: Path) -> None:
    (piper,) = jaya_pulumi.load_pipelines(beside)
    with test(piper) as h:
        h.client("s3").put_object(Bucket="beside-in", Key="a.txt", Body=b"hi")
        got = h.client("s3").get_object(Bucket="beside-out", Key="a.txt")["Body"].read()
    assert got == b"HI"
    program = tmp_path / "__main__.py"
    program.write_text(
        "import jaya_pulumi\n"
        f"for p in jaya_pulumi.load_pipelines({str(beside)!r}):\n"
        "    jaya_pulumi.build(p)\n"
    )
    s = synth(program)
    s.resource_count_is("aws:lambda/function:Function", 1)


def test_synth_of_the_pipeline_file_itself_ships_the_handler_by_reference(beside: Path) -> None:
    s = synth(beside)  # a pipeline file, not a program: loaded as jaya local loads it
    s.resource_count_is("aws:lambda/function:Function", 1)
    code = s.get("aws:lambda/function:Function").inputs["code"]
    shipped = code.assets[f"{beside.stem}.py"]
    assert shipped.text == BESIDE  # the module itself, imported by name inside Lambda
    assert json.dumps(beside.stem) in code.assets["jaya_entry.py"].text


def test_synth_of_the_seed_style_example_builds_its_pipeline_without_deploying() -> None:
    s = synth(SEED)  # ends in deploy.deploy_pipeline(...): recorded, then built under the mocks
    s.resource_count_is("jaya:index:Pipeline", 1)
    s.resource_count_is("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", 1)


def test_the_seed_example_ships_its_mapper_by_value_saying_why() -> None:
    (piper,) = jaya_pulumi.load_pipelines(SEED)
    (mapper,) = piper.functions
    with pytest.warns(UserWarning, match="ships module 's3_to_redshift'.s functions by value"):
        archive = package_function(mapper)
    assert archive.by_value


def test_a_seed_style_module_imported_inside_lambda_does_not_deploy(
    beside: Path, tmp_path: Path
) -> None:
    beside.write_text(
        BESIDE + "\nfrom jaya_pulumi import deploy\ndeploy.deploy_pipeline({}, 'staging', piper)\n"
    )
    (piper,) = jaya_pulumi.load_pipelines(beside)
    archive = package_function(piper.functions[0])
    assert not archive.by_value
    root = tmp_path / "archive"
    for path, text in archive.files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    code = (
        f"import sys; sys.path.insert(0, {str(root)!r})\n"
        "import jaya_pulumi, jaya_entry\n"
        f"assert jaya_pulumi.__file__.startswith({str(root)!r}), jaya_pulumi.__file__\n"
        f"import {beside.stem} as m; print('imported', m.piper.name)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, env=env, check=False
    )
    assert out.returncode == 0, out.stderr
    assert "imported beside" in out.stdout


def _secret_pipe(tmp_path: Path) -> Path:
    """The seed example with its password read from ``ConfigSecret("dbPassword")``."""
    text = SEED.read_text().replace("db_conf['db-passwd'],", 'ConfigSecret("dbPassword"),')
    assert 'ConfigSecret("dbPassword")' in text
    file = tmp_path / "secret_pipe.py"
    file.write_text("from jaya_pulumi import ConfigSecret\n" + text)
    return file


def test_jaya_local_with_a_config_secret_loads_rows_given_secret(tmp_path: Path) -> None:
    file = _secret_pipe(tmp_path)
    data = tmp_path / "people.json.gz"
    data.write_bytes(gzip.compress(b'{"name": "Rajiv", "age": "65"}\n{"name": "Ann"}\n'))
    put = f"my-source-bucket/people.json.gz={data}"
    try:
        missing = CliRunner().invoke(main, ["local", str(file), "--put", put])
        assert missing.exit_code == 1
        assert missing.output.strip().splitlines() == [
            "Error: config value 'jaya:dbPassword' is not set: pass --secret dbPassword=... "
            "(or -c dbPassword=... if it is not secret)."
        ]
        given = CliRunner().invoke(
            main, ["local", str(file), "--secret", "dbPassword=s3cret", "--rows", "1", "--put", put]
        )
    finally:
        sys.modules.pop("secret_pipe", None)
    assert given.exit_code == 0, given.output
    assert re.search(r"my-schema\.my-table\s+2\b", given.output), given.output
    first = given.output.split("First 1 row(s) of my-schema.my-table:\n", 1)[1].splitlines()
    assert sorted(first[0].split()) == ["age", "name"] and {"Ann", "Rajiv"} & set(first[2].split())
    assert len(first) == 3 or not first[3].strip()


def test_harness_takes_secrets_for_config_secret(tmp_path: Path) -> None:
    file = _secret_pipe(tmp_path)
    try:
        (piper,) = jaya_pulumi.load_pipelines(file)
    finally:
        sys.modules.pop("secret_pipe", None)
    with test(piper, secrets={"dbPassword": "s3cret"}) as h:
        assert h.stack == "staging"
