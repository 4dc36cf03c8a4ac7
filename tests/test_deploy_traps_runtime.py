"""Issue 11, items 7 to 11: what mocks accept and AWS rejects or breaks, checked at build.

Runtime policy, stream encryption and Firehose's network needs, the table provider's connection,
plaintext passwords in shipped code, and a fresh clone's ``pulumi install``.
"""

from __future__ import annotations

import functools
import glob
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
import uuid
import venv
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from handlers_for_tests import do_nothing, json_lines_to_events

from jaya_pulumi import (
    S3,
    AWSLambda,
    CopyS3Lambda,
    MapS3ToFirehoseLambda,
    PackagingError,
    Pipeline,
    PipelineDefinitionError,
)
from jaya_pulumi.components._firehose import FIREHOSE_CIDRS, FIREHOSE_CIDRS_SOURCE, cluster_access
from jaya_pulumi.dsl import Firehose
from jaya_pulumi.dsl._function import LAMBDA_PYTHON_RUNTIMES
from jaya_pulumi.packaging import LambdaArchive, OldRuntimeWarning, package_function
from jaya_pulumi.redshift import ConnectionSettings, TableProvider, table_spec
from jaya_pulumi.testing import synth

ROOT = Path(__file__).resolve().parent.parent
FUNCTION = "aws:lambda/function:Function"
STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
HERE = f"python{sys.version_info.major}.{sys.version_info.minor}"


def closure_mapper() -> Any:
    """A map function that can only ship by value (a closure)."""
    field = "name"

    def mapper(line: bytes, bucket: str, key: str) -> list[dict[str, object]]:
        return [{"firehose_name": "f", "result": [{field: line.decode()}]}]

    return mapper


# -- item 7: the Lambda runtime ------------------------------------------------------------------


def test_by_reference_functions_default_to_python313_on_amazon_linux_2023() -> None:
    piper = Pipeline(
        "runtimes",
        [
            S3("rt-src", "us-east-1", on=[S3.ALL_CREATED_OBJECTS])
            >> CopyS3Lambda({}, "us-east-1")
            >> S3("rt-dst", "us-east-1"),
            S3("rt-src2", "us-east-1", on=[S3.ALL_CREATED_OBJECTS])
            >> AWSLambda("mine", do_nothing, "us-east-1"),
        ],
    )
    s = synth(piper)
    runtimes = {f.inputs["name"]: f.inputs["runtime"] for f in s.of_type(FUNCTION)}
    assert runtimes == {
        "runtimes-copy-s3-staging": "python3.13",
        "runtimes-mine-staging": "python3.13",
    }
    assert LAMBDA_PYTHON_RUNTIMES["python3.13"].operating_system == "Amazon Linux 2023"


def test_mapper_with_an_importable_map_function_defaults_to_python313() -> None:
    archive = package_function(MapS3ToFirehoseLambda(map_function=json_lines_to_events))
    assert archive.by_value  # a partial with keyword arguments ...
    assert archive.runtime == "python3.13"  # ... of references only: loads on any Python 3
    assert '"python": null' in archive.files["jaya_entry.py"]


def test_explicit_runtime_is_used_and_validated() -> None:
    assert package_function(AWSLambda("f", do_nothing, runtime="python3.12")).runtime == (
        "python3.12"
    )
    for wrong in ("python3.10", "python3.9", "python3", "nodejs22.x", 3.13):
        with pytest.raises(
            PipelineDefinitionError, match="not one of Lambda's current Python"
        ) as e:
            AWSLambda("f", do_nothing, runtime=wrong)  # type: ignore[arg-type]
        assert "python3.13" in str(e.value) and "AWSLambda('f')" in str(e.value)


def test_by_value_handler_runs_on_the_deploying_interpreter_and_warns_when_it_is_old() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        archive = package_function(MapS3ToFirehoseLambda(map_function=closure_mapper()))
    assert archive.by_value and archive.runtime == HERE
    old = [w for w in caught if issubclass(w.category, OldRuntimeWarning)]
    if sys.version_info[:2] <= (3, 11):
        assert len(old) == 1
        message = str(old[0].message)
        assert f"runs on {HERE}" in message and "Amazon Linux 2 " in message
        assert "Deploy from Python 3.12 or newer" in message
        assert "move the handler into an importable module" in message
    else:
        assert old == []


def test_by_value_handler_refuses_a_runtime_other_than_the_interpreters() -> None:
    other = "python3.12" if HERE != "python3.12" else "python3.13"
    with pytest.raises(PackagingError, match=f"ships by value .* not {other}"):
        package_function(MapS3ToFirehoseLambda(map_function=closure_mapper(), runtime=other))


def _other_python() -> str:
    """An interpreter of another minor version than this one (the machines have 3.11 and 3.13)."""
    candidates: list[str] = []
    for minor in ("3.13", "3.12", "3.11"):
        if minor == f"{sys.version_info.major}.{sys.version_info.minor}":
            continue
        found = shutil.which(f"python{minor}")
        candidates += [found] if found else []
        candidates += sorted(glob.glob(f"/root/.pyenv/versions/{minor}*/bin/python{minor}"))
        candidates += [f"/usr/bin/python{minor}"]
    for candidate in candidates:
        if not os.path.exists(candidate):
            continue
        probe = subprocess.run([candidate, "-c", "pass"], capture_output=True, check=False)
        if probe.returncode == 0:
            return candidate
    raise AssertionError(f"no Python of another minor version among {candidates}")


def test_reference_only_pickle_loads_on_another_python(tmp_path: Path) -> None:
    archive = package_function(MapS3ToFirehoseLambda(map_function=json_lines_to_events))
    zipfile.ZipFile(io.BytesIO(archive.to_zip())).extractall(tmp_path)
    script = (
        "import json, sys, jaya_entry\n"
        "h = jaya_entry._load()\n"
        "print(json.dumps({'python': list(sys.version_info[:2]), 'func': h.func.__module__,"
        " 'map': h.keywords['map_function'].__name__}))"
    )
    other = _other_python()
    proc = subprocess.run(
        [other, "-S", "-c", script],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["python"] != list(sys.version_info[:2])
    assert result == {
        "python": result["python"],
        "func": "jaya_pulumi.runtime.firehose",
        "map": "json_lines_to_events",
    }


def test_pinned_pickle_still_refuses_another_python() -> None:
    archive = package_function(MapS3ToFirehoseLambda(map_function=closure_mapper()))
    built = ", ".join(str(v) for v in sys.version_info[:2])
    assert f'"python": [{built}]' in archive.files["jaya_entry.py"]
    assert isinstance(archive, LambdaArchive)


# -- item 8: Firehose ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_program() -> Any:
    return synth(
        ROOT / "__main__.py",
        stack="staging",
        config={"jaya-pulumi:pipelines": ["examples/s3_to_redshift.py"]},
    )


def test_stream_is_encrypted_with_an_aws_owned_key(seed_program: Any) -> None:
    stream = seed_program.get(STREAM)
    assert stream.inputs["serverSideEncryption"] == {"enabled": True, "keyType": "AWS_OWNED_CMK"}


def test_stack_exports_what_the_cluster_must_allow(seed_program: Any) -> None:
    access = seed_program.outputs["my-trial"]["firehoses"]["my-firehose"]["cluster_access"]
    assert access["host"] == "my-cluser-url"
    assert access["port"] == 5439
    assert access["publicly_accessible"] is True
    assert access["region"] == "us-east-1"
    assert access["ingress_cidr"] == "52.70.63.192/27"
    assert access["source"] == FIREHOSE_CIDRS_SOURCE
    assert "TCP 5439 from 52.70.63.192/27" in access["rule"]


def test_cidr_table_per_region_and_an_unknown_region() -> None:
    node = Firehose("f", "db", "u", "pw", "c.example.com:5440", "t", "hold-b", "r")
    assert cluster_access(node, "eu-west-1")["ingress_cidr"] == "52.19.239.192/27"
    assert cluster_access(node, "us-west-2")["port"] == 5440
    unknown = cluster_access(node, "xx-nowhere-1")
    assert unknown["ingress_cidr"] is None
    assert FIREHOSE_CIDRS_SOURCE in unknown["rule"] and "xx-nowhere-1" in unknown["rule"]
    assert all(cidr.endswith("/27") for cidr in FIREHOSE_CIDRS.values())
    assert FIREHOSE_CIDRS_SOURCE.startswith("https://docs.aws.amazon.com/firehose/")


# -- item 9: the table provider's connection -----------------------------------------------------


def test_remote_databases_use_tls_by_default() -> None:
    def settings(host: str, sslmode: str | None = None) -> ConnectionSettings:
        return ConnectionSettings(host=host, database="d", user="u", password="p", sslmode=sslmode)

    assert (
        settings("my-cluster.abc.us-east-1.redshift.amazonaws.com").effective_sslmode == "require"
    )
    assert settings("my-cluster.example.com", "verify-full").effective_sslmode == "verify-full"
    for local in ("localhost", "127.0.0.1", "::1", "/tmp/jaya-pg-x"):
        assert settings(local).effective_sslmode is None
    db_conf = {"db-name": "d", "db-user": "u", "db-passwd": "p", "db-server": "cl.example.com"}
    assert ConnectionSettings.from_db_conf(db_conf).effective_sslmode == "require"


def test_connect_passes_sslmode_require(monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg2

    seen: dict[str, Any] = {}

    class Stop(Exception):
        pass

    def fake_connect(**kwargs: Any) -> None:
        seen.update(kwargs)
        raise Stop

    monkeypatch.setattr(psycopg2, "connect", fake_connect)
    url = "redshift+psycopg2://u:p@my-cluster.abc.us-east-1.redshift.amazonaws.com:5439/dev"
    with pytest.raises(Stop):
        ConnectionSettings.from_url(url).connect()
    assert seen["sslmode"] == "require"
    seen.clear()
    with pytest.raises(Stop):
        ConnectionSettings.from_url("postgresql://u:p@localhost/dev").connect()
    assert "sslmode" not in seen


def test_percent_in_identifiers_is_created_as_written_and_refresh_shows_no_drift(
    postgres_url: str,
) -> None:
    import psycopg2

    suffix = uuid.uuid4().hex[:8]
    schema, name = f"s%_{suffix}", f"t%x-{suffix}"
    spec = table_spec(
        name, [sa.Column("c%s", sa.String(16)), sa.Column("d", sa.Integer)], schema=schema
    )
    props = {
        **spec.to_props(),
        **ConnectionSettings.from_url(postgres_url).to_props(),
        "password": "x",
    }
    provider = TableProvider()
    outs = provider.create(props).outs
    assert outs is not None
    conn = psycopg2.connect(postgres_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_schema, table_name, column_name FROM information_schema.columns "
                "WHERE table_name = %s ORDER BY ordinal_position",
                (name,),
            )
            assert cur.fetchall() == [(schema, name, "c%s"), (schema, name, "d")]
    finally:
        conn.close()
    read = provider.read(f"{schema}.{name}", dict(outs))
    assert read.outs is not None
    assert [c["name"] for c in read.outs["columns"]] == ["c%s", "d"]
    diff = provider.diff(f"{schema}.{name}", read.outs, props)
    assert not diff.changes and not diff.replaces


# -- item 10: plaintext passwords in shipped code ------------------------------------------------


def _handler_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Any:
    package = f"acme_{uuid.uuid4().hex[:8]}"
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    source = "from jaya_pulumi import ConfigSecret, Firehose\n\n" + textwrap.dedent(body)
    source += "\n\ndef handler(event, context):\n    return None\n"
    (tmp_path / package / "pipe.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = __import__(f"{package}.pipe", fromlist=["handler"])
    return module


@pytest.mark.parametrize(
    "body",
    [
        "f = Firehose('f', 'db', 'u', 'hunter2-secret', 'c:5439', 't', 'hold-b', 'r')",
        "f = Firehose('f', 'db', 'u', user_password='hunter2-secret', server_address='c',"
        " table_name='t', holding_bucket='hold-b', role_name='r')",
        "db_conf = {'db-name': 'd', 'db-user': 'u', 'db-passwd': 'hunter2-secret', 'db-server': 'c'}",
        "db_conf = {'url': 'postgresql://u:hunter2-secret@c:5439/db'}",
    ],
)
def test_a_password_literal_in_a_shipped_module_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    module = _handler_module(tmp_path, monkeypatch, body)
    with pytest.raises(PackagingError, match="ConfigSecret") as e:
        package_function(AWSLambda("loader", module.handler))
    message = str(e.value)
    assert "AWSLambda('loader')" in message and "pipe.py line 3" in message
    assert "lambda:GetFunction" in message
    assert "hunter2" not in message


def test_config_secret_and_urls_without_passwords_ship(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _handler_module(
        tmp_path,
        monkeypatch,
        """
        f = Firehose('f', 'db', 'u', ConfigSecret('dbPassword'), 'c', 't', 'hold-b', 'r')
        db_conf = {'db-name': 'd', 'db-user': 'u', 'db-passwd': ConfigSecret('dbPassword'),
                   'db-server': 'c', 'note': 'db-passwd'}
        other = {'url': 'postgresql://u@c:5439/db'}
        """,
    )
    archive = package_function(AWSLambda("loader", module.handler))
    assert any(path.endswith("pipe.py") for path in archive.files)


def test_a_by_value_handler_referring_to_such_a_module_is_refused_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _handler_module(
        tmp_path, monkeypatch, "db_conf = {'db-passwd': 'hunter2-secret', 'db-server': 'c'}"
    )
    bound = functools.partial(module.handler)
    with pytest.raises(PackagingError, match="ConfigSecret"):
        package_function(AWSLambda("loader", bound))


# -- item 11: `pulumi install` on a fresh clone --------------------------------------------------


_NOT_SOURCE = {".git", ".venv", ".venv-3.13", "__pycache__", ".mypy_cache", ".ruff_cache", ".jaya"}


def _tracked_files() -> list[str]:
    """The repository's files: git's list in a clone, else the tree (CI's isolated copy has no .git)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False, text=True
    )
    if listed.returncode == 0 and (ROOT / ".git").exists():
        return [p for p in listed.stdout.split("\0") if p]
    return [
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*")
        if p.is_file()
        and not _NOT_SOURCE & set(p.relative_to(ROOT).parts)
        and not p.name.endswith(".egg-info")
        and ".egg-info" not in str(p)
    ]


@pytest.mark.slow
def test_fresh_clone_installs_and_runs_with_the_configured_toolchain(tmp_path: Path) -> None:
    import yaml

    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    runtime = project["runtime"]
    assert runtime["name"] == "python"
    options = runtime["options"]
    assert options["toolchain"] == "pip"
    clone = tmp_path / "clone"
    for path in dict.fromkeys([*_tracked_files(), "requirements.txt"]):
        if not (ROOT / path).is_file():
            continue
        target = clone / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, target)
    # What Pulumi's pip toolchain does: create the virtualenv named in Pulumi.yaml (relative to
    # the project), upgrade pip, setuptools and wheel in it, then install requirements.txt from
    # the project directory.
    env_dir = clone / options["virtualenv"]
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = str(env_dir / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    for args in (
        ["-m", "pip", "install", "--quiet", "--upgrade", "pip", "setuptools", "wheel"],
        ["-m", "pip", "install", "--quiet", "-r", "requirements.txt"],
    ):
        proc = subprocess.run(
            [python, *args], cwd=clone, env=env, capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
    # Installed, not read from the clone's sources:
    where = subprocess.run(
        [python, "-c", "import jaya_pulumi; print(jaya_pulumi.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(env_dir)), where
    script = (
        "import json\n"
        "from jaya_pulumi.testing import synth\n"
        "s = synth('__main__.py', stack='staging')\n"
        f"print(json.dumps(sorted(f.inputs['name'] for f in s.of_type({FUNCTION!r}))))"
    )
    proc = subprocess.run(
        [python, "-c", script], cwd=clone, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == ["three-node-pipe-copy-s3-staging"]
