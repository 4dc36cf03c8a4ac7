"""The harness runs each function's archive, not the developer's working tree."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest

import jaya_pulumi
from jaya_pulumi import S3, AWSLambda, Pipeline
from jaya_pulumi.testing import HarnessError, s3_event, test

HANDLER_SOURCE = """
import jaya_pulumi.runtime

VERSION = {version!r}


def handler(event, context):
    return {{"version": VERSION, "runtime_file": jaya_pulumi.runtime.__file__,
            "function": context.function_name, "arn": context.invoked_function_arn,
            "identity": context.identity.cognito_identity_id, "client": context.client_context}}
"""


def test_editing_the_module_after_build_does_not_change_the_deployed_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module_file = tmp_path / "archived_handler_mod.py"
    module_file.write_text(HANDLER_SOURCE.format(version="v1"))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("archived_handler_mod")
    p = S3("iso-in", on=[S3.ALL_CREATED_OBJECTS]) >> AWSLambda("h", module.handler) >> S3("iso-out")

    with test(Pipeline("iso", [p])) as h:
        module_file.write_text(HANDLER_SOURCE.format(version="v2, edited after the build"))
        importlib.reload(module)
        assert module.VERSION == "v2, edited after the build"  # the working tree has moved on

        h.client("s3").put_object(Bucket="iso-in", Key="a.txt", Body=b"x")
        warm = h.invoke("h", s3_event("iso-in", "a.txt", body=b"x"))

        (triggered,) = h.invocations("h")[:1]
        assert triggered.result["version"] == "v1"
        assert warm.result["version"] == "v1"
        assert (triggered.cold, warm.cold) == (True, False)  # a warm container reuses modules
        archive_dir = str(h.function("h").directory)
        assert triggered.result["runtime_file"].startswith(archive_dir)
        assert triggered.result["function"] == "iso-h-local"
        assert triggered.result["arn"].endswith(":function:iso-h-local:local")
        assert (triggered.result["identity"], triggered.result["client"]) == (None, None)
        # after the call, the developer's modules and environment are back
        assert sys.modules["jaya_pulumi"] is jaya_pulumi
        assert sys.modules["archived_handler_mod"] is module
        assert "JAYA_FUNCTION" not in os.environ


def test_fake_credentials_only_inside_the_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")
    monkeypatch.setenv("AWS_PROFILE", "production")
    p = S3("cred-in", on=[S3.ALL_CREATED_OBJECTS]) >> AWSLambda("h", print) >> S3("cred-out")

    with test(Pipeline("cred", [p])):
        assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
        assert "AWS_PROFILE" not in os.environ

    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAREALKEY"
    assert os.environ["AWS_PROFILE"] == "production"


def test_one_harness_at_a_time_and_moto_is_restored_after() -> None:
    from moto.s3 import notifications

    original = notifications._invoke_awslambda
    p = S3("one-in", on=[S3.ALL_CREATED_OBJECTS]) >> AWSLambda("h", print) >> S3("one-out")

    with test(Pipeline("one", [p])):
        assert notifications._invoke_awslambda is not original
        with pytest.raises(HarnessError, match="Another jaya_pulumi harness is running"):
            test(Pipeline("one", [p])).start()

    assert notifications._invoke_awslambda is original


def test_the_developers_endpoint_settings_and_profiles_do_not_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = tmp_path / "config"
    profile.write_text("[default]\ns3 =\n    use_accelerate_endpoint = true\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(profile))
    # e.g. a developer's LocalStack settings; nothing listens on port 9
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ENDPOINT_URL_FIREHOSE", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_USE_DUALSTACK_ENDPOINT", "true")  # logs.us-east-1.api.aws
    monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", "true")  # lambda-fips.us-east-1.amazonaws.com
    p = S3("ep-in", on=[S3.ALL_CREATED_OBJECTS]) >> AWSLambda("h", print) >> S3("ep-out")

    with test(Pipeline("ep", [p])) as h:
        (listed,) = h.client("lambda").list_functions()["Functions"]
        assert listed["FunctionName"] == "ep-h-local"
        h.client("s3").put_object(Bucket="ep-in", Key="k", Body=b"x")
        assert [i.function for i in h.invocations()] == ["h"]

    assert os.environ["AWS_ENDPOINT_URL_LAMBDA"] == "http://127.0.0.1:9"
    assert os.environ["AWS_CONFIG_FILE"] == str(profile)
    assert "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" not in os.environ
