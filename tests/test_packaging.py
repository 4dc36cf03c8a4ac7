"""Lambda archives: deterministic, self-contained, and runnable without pulumi."""

from __future__ import annotations

import functools
import io
import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from handlers_for_tests import tag_handler

from jaya_pulumi import AWSLambda, CopyS3Lambda, PackagingError
from jaya_pulumi.packaging import LambdaArchive, default_runtime, package_function

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(sysconfig.get_paths()["purelib"])
# Everything the archive may lean on besides itself: the Lambda runtime's boto3, and moto to fake AWS.
BLOCKED = ("pulumi", "jaya_pulumi", "__editable__", "dill", "sqlalchemy", "_pytest", "pytest")


def deps_dir(tmp_path: Path) -> Path:
    """A directory of links to site-packages minus pulumi, jaya_pulumi and dill."""
    deps = tmp_path / "deps"
    deps.mkdir()
    for entry in SITE.iterdir():
        if entry.name.lower().startswith(BLOCKED) or entry.suffix == ".pth":
            continue
        (deps / entry.name).symlink_to(entry)
    return deps


def unpack(archive: LambdaArchive, where: Path) -> Path:
    where.mkdir()
    zipfile.ZipFile(io.BytesIO(archive.to_zip())).extractall(where)
    return where


RUN_COPY = r"""
import json, os, sys, urllib.parse
import boto3
from moto import mock_aws

os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
key = "reports/2026 11/naïve café ü.csv"
with mock_aws():
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="source-bucket")
    s3.create_bucket(Bucket="destination-bucket")
    s3.put_object(Bucket="source-bucket", Key=key, Body=b"name,age\nRajiv,65\n")
    os.environ["JAYA_DESTINATIONS"] = json.dumps([{"type": "s3", "bucket": "destination-bucket", "prefix": ""}])
    os.environ["JAYA_SOURCES"] = json.dumps([{"bucket": "source-bucket", "prefix": ""}])
    import jaya_entry
    event = {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-11-25T00:00:00.000Z", "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "c",
               "bucket": {"name": "source-bucket", "arn": "arn:aws:s3:::source-bucket"},
               "object": {"key": urllib.parse.quote_plus(key), "size": 18}}}]}
    jaya_entry.handler(event, None)
    body = s3.get_object(Bucket="destination-bucket", Key=key)["Body"].read()
import jaya_pulumi.runtime
print(json.dumps({
    "body": body.decode(),
    "pulumi_loaded": any(m.split(".")[0] in ("pulumi", "pulumi_aws") for m in sys.modules),
    "language_loaded": "jaya_pulumi.dsl" in sys.modules,
    "runtime_from": jaya_pulumi.runtime.__file__,
}))
"""


def run_isolated(archive_dir: Path, deps: Path, script: str) -> dict[str, object]:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": f"{archive_dir}{os.pathsep}{deps}"}
    proc = subprocess.run(
        [sys.executable, "-S", "-c", script],
        cwd=archive_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_copy_archive_is_identical_across_builds_in_two_processes() -> None:
    script = (
        "from jaya_pulumi import CopyS3Lambda; from jaya_pulumi.packaging import package_function;"
        "print(package_function(CopyS3Lambda({})).sha256)"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    }
    assert len(digests) == 1
    assert digests == {package_function(CopyS3Lambda({})).sha256}
    assert (
        package_function(CopyS3Lambda({})).to_zip() == package_function(CopyS3Lambda({})).to_zip()
    )


def test_copy_archive_copies_keys_with_spaces_and_non_ascii_without_pulumi(tmp_path: Path) -> None:
    archive = package_function(CopyS3Lambda({}))
    assert not archive.by_value
    assert "jaya_entry.py" in archive.files and "jaya_pulumi/runtime/copy.py" in archive.files
    assert not any(p.startswith(("dill/", "pulumi")) for p in archive.files)
    result = run_isolated(unpack(archive, tmp_path / "archive"), deps_dir(tmp_path), RUN_COPY)
    assert result["body"] == "name,age\nRajiv,65\n"
    assert result["pulumi_loaded"] is False
    assert result["language_loaded"] is False  # shipped, but loaded only when a handler asks
    assert str(result["runtime_from"]).startswith(str(tmp_path / "archive"))


def make_closure(greeting: str):  # type: ignore[no-untyped-def]
    def handler(event: dict[str, object], context: object) -> str:
        return f"{greeting}, {event['who']}"

    return handler


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (make_closure("hello"), "hello, Rajiv"),
        (functools.partial(tag_handler, tag="seed"), "seed:Rajiv"),
        (lambda event, context: event["who"].upper(), "RAJIV"),
    ],
    ids=["closure", "partial", "lambda"],
)
def test_by_value_handlers_ship_pickled_with_dill(
    tmp_path: Path, handler: object, expected: str
) -> None:
    archive = package_function(AWSLambda("f", handler))  # type: ignore[arg-type]
    assert archive.by_value
    assert "dill/__init__.py" in archive.files and "jaya_handler.b64" in archive.files
    if isinstance(handler, functools.partial):
        # The partial refers to tag_handler by module: that module's source ships beside it.
        assert "handlers_for_tests.py" in archive.files
    script = "import json, jaya_entry; print(json.dumps({'out': jaya_entry.handler({'who': 'Rajiv'}, None)}))"
    assert run_isolated(unpack(archive, tmp_path / "archive"), deps_dir(tmp_path), script) == {
        "out": expected
    }


def test_importable_handler_ships_by_reference_with_its_package_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "src" / "acme_etl"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "handlers.py").write_text(
        "def upper(event, context):\n    return event['who'].upper()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    from acme_etl.handlers import upper  # type: ignore[import-not-found]

    archive = package_function(AWSLambda("f", upper))
    assert not archive.by_value
    assert {"acme_etl/__init__.py", "acme_etl/handlers.py"} <= set(archive.files)
    assert '"mode": "reference"' in archive.files["jaya_entry.py"]
    script = "import json, jaya_entry; print(json.dumps({'out': jaya_entry.handler({'who': 'Rajiv'}, None)}))"
    assert run_isolated(unpack(archive, tmp_path / "archive"), deps_dir(tmp_path), script) == {
        "out": "RAJIV"
    }


def test_by_value_handler_refuses_another_python_minor_version() -> None:
    other = "python3.12" if default_runtime() != "python3.12" else "python3.13"
    with pytest.raises(PackagingError, match=f"ships by value .* not {other}"):
        package_function(AWSLambda("f", make_closure("hi"), runtime=other))


def test_by_value_archive_refuses_to_load_on_another_interpreter(tmp_path: Path) -> None:
    archive = package_function(AWSLambda("f", make_closure("hi")))
    entry = archive.files["jaya_entry.py"]
    built = ", ".join(str(v) for v in sys.version_info[:2])
    forged = LambdaArchive(
        {**archive.files, "jaya_entry.py": entry.replace(f"[{built}]", "[3, 99]")},
        archive.runtime,
        True,
    )
    script = (
        "import json, jaya_entry\ntry:\n    jaya_entry.handler({}, None)\nexcept RuntimeError as e:\n"
        "    print(json.dumps({'error': str(e)}))"
    )
    result = run_isolated(unpack(forged, tmp_path / "archive"), deps_dir(tmp_path), script)
    assert "packaged by value (pickled) with Python 3.99" in str(result["error"])


def test_handler_that_cannot_be_pickled_is_a_packaging_error() -> None:
    rows = (n for n in range(3))

    def holds_a_generator(event: object, context: object) -> int:
        return next(rows)

    with pytest.raises(PackagingError, match=r"AWSLambda\('f'\) cannot be pickled"):
        package_function(AWSLambda("f", holds_a_generator))


def test_handler_reference_that_does_not_import_is_a_packaging_error() -> None:
    with pytest.raises(
        PackagingError, match=r"'acme.missing:handler' of AWSLambda\('f'\) cannot be imported"
    ):
        package_function(AWSLambda("f", "acme.missing:handler"))


def test_handler_from_an_installed_package_must_be_a_requirement() -> None:
    with pytest.raises(PackagingError, match=r"requirements=\['moto'\]"):
        package_function(AWSLambda("f", "moto:mock_aws"))
    archive = package_function(AWSLambda("f", "moto:mock_aws", requirements=["moto==5.2.5"]))
    assert not any(p.startswith("moto/") for p in archive.files)


def test_zip_entries_are_sorted_with_fixed_timestamps() -> None:
    archive = package_function(CopyS3Lambda({}))
    infos = zipfile.ZipFile(io.BytesIO(archive.to_zip())).infolist()
    assert [i.filename for i in infos] == sorted(archive.files)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def write_package(root: Path, name: str, source: str) -> None:
    package = root / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "handlers.py").write_text(source)


PIPELINE_BESIDE_HANDLER = """
from jaya_pulumi import S3, AWSLambda, CopyS3Lambda, Pipeline


def upper(event, context):
    return event["who"].upper()


piper = Pipeline("beside", [S3("in-bucket", on=[S3.ALL_CREATED_OBJECTS]) >> CopyS3Lambda({}) >> S3("out-bucket")])
"""


def test_handler_beside_its_pipeline_imports_inside_lambda(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_package(tmp_path / "src", "beside_pkg", PIPELINE_BESIDE_HANDLER)
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    from beside_pkg.handlers import upper  # type: ignore[import-not-found]

    archive = package_function(AWSLambda("f", upper))
    assert "jaya_pulumi/dsl/_pipeline.py" in archive.files
    script = "import json, jaya_entry; print(json.dumps({'out': jaya_entry.handler({'who': 'Rajiv'}, None)}))"
    assert run_isolated(unpack(archive, tmp_path / "archive"), deps_dir(tmp_path), script) == {
        "out": "RAJIV"
    }


@pytest.mark.parametrize(
    ("source", "culprit"),
    [
        (
            "import sqlalchemy\n\ndef h(event, context):\n    return 1\n",
            ".handlers imports sqlalchemy",
        ),
        ("from .helpers import h\n", ".helpers imports pandas"),
        (
            "from jaya_pulumi.testing import test\n\ndef h(event, context):\n    return 1\n",
            "imports jaya_pulumi.testing.test",
        ),
    ],
    ids=["third-party", "through-a-sibling", "jaya-testing"],
)
def test_handler_whose_module_would_not_import_inside_lambda_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, culprit: str
) -> None:
    package = f"acme_bad_{len(source)}"  # a fresh module per case
    write_package(tmp_path / "src", package, source)
    (tmp_path / "src" / package / "helpers.py").write_text(
        "import pandas\n\ndef h(event, context):\n    return 1\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    monkeypatch.setitem(sys.modules, "pandas", sys)  # importable here, absent inside Lambda
    with pytest.raises(PackagingError, match="would fail to import inside Lambda") as err:
        package_function(AWSLambda("f", f"{package}.handlers:h"))
    assert culprit in str(err.value)
    assert "requirements=[...]" in str(err.value)


def test_lazy_guarded_and_type_only_imports_are_not_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import pandas\n"
        "try:\n    import ujson as json\nexcept ImportError:\n    import json\n"
        "def h(event, context):\n    import numpy\n    return json.dumps(event)\n"
    )
    write_package(tmp_path / "src", "acme_lazy", source)
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    assert not package_function(AWSLambda("f", "acme_lazy.handlers:h")).by_value


def test_requirements_satisfy_third_party_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_package(
        tmp_path / "src", "acme_sa", "import sqlalchemy\n\ndef h(event, context):\n    return 1\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    package_function(AWSLambda("f", "acme_sa.handlers:h", requirements=["SQLAlchemy==2.1.9"]))
    # A requirement this machine has not installed may provide anything: no verdict then.
    write_package(
        tmp_path / "src2", "acme_yaml", "import yaml\n\ndef h(event, context):\n    return 1\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "src2"))
    with pytest.raises(PackagingError, match=r"acme_yaml\.handlers imports yaml"):
        package_function(AWSLambda("f", "acme_yaml.handlers:h"))
    package_function(AWSLambda("f", "acme_yaml.handlers:h", requirements=["not-installed-here==1"]))


TABLE_PIPELINE_BESIDE_HANDLER = """
import gzip

import sqlalchemy as sa

from jaya_pulumi import S3, ConfigSecret, Firehose, MapS3ToFirehoseLambda, Pipeline, Table

PASSWORD = ConfigSecret("dbPassword")
DB = {"db-name": "dev", "db-user": "loader", "db-passwd": PASSWORD, "db-server": "db.example.com"}


def mapper(line, bucket, key):
    return [{"firehose_name": "events", "result": [{"name": line}]}]


def upper(event, context):
    return event["who"].upper()


a_table = Table(DB, "events", sa.Column("name", sa.String), schema="raw")
piper = Pipeline(
    "beside-table",
    [
        S3("in-bucket", on=[S3.ALL_CREATED_OBJECTS])
        >> MapS3ToFirehoseLambda(gzip.open, mapper)
        >> Firehose("events", "dev", "loader", PASSWORD, "db.example.com", "events",
                    "events-holding", "events-delivery")
        >> a_table
    ],
)
"""


def test_handler_beside_a_table_pipeline_imports_inside_lambda(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_package(tmp_path / "src", "beside_table_pkg", TABLE_PIPELINE_BESIDE_HANDLER)
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    from beside_table_pkg.handlers import upper  # type: ignore[import-not-found]

    archive = package_function(
        AWSLambda("f", upper, requirements=["SQLAlchemy", "sqlalchemy-redshift"])
    )
    # boto3 as Lambda has it, plus the function's requirements as its layer would hold them;
    # never jaya_pulumi itself (nor pulumi): that comes from the archive alone.
    layer = tmp_path / "deps"
    layer.mkdir()
    for entry in SITE.iterdir():
        if entry.suffix == ".pth" or entry.name.lower().startswith(
            tuple(b for b in BLOCKED if b != "sqlalchemy")
        ):
            continue
        (layer / entry.name).symlink_to(entry)
    script = (
        "import json, jaya_entry, beside_table_pkg.handlers as h; "
        "print(json.dumps({'out': jaya_entry.handler({'who': 'Rajiv'}, None), "
        "'table': h.a_table.key}))"
    )
    assert run_isolated(unpack(archive, tmp_path / "archive"), layer, script) == {
        "out": "RAJIV",
        "table": "raw.events",
    }
