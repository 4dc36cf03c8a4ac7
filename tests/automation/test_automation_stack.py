"""``preview``/``up``/``destroy``/``outputs``/``deploy_pipeline`` over a stand-in for the Pulumi CLI.

The stand-in replaces ``create_or_select_stack``/``select_stack`` and replays the recorded engine
events, so these tests show what the wrappers pass to the engine (environment, config, secrets
provider), what they return, and how they report failures, without a ``pulumi`` binary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi.automation as auto
import pytest
from pulumi.automation import CommandResult
from pulumi.automation.errors import create_command_error

from jaya_pulumi import automation
from jaya_pulumi.cli import load_pipeline
from jaya_pulumi.deploy import deploy_pipeline
from jaya_pulumi.errors import (
    ConfigurationError,
    MissingCredentialsError,
    PulumiCommandError,
    PulumiNotInstalledError,
    StackLockedError,
    StackNotFoundError,
)

ROOT = Path(__file__).parents[2]
EVENTS = ROOT / "tests" / "fixtures" / "engine_events"
PIPE_FILE = ROOT / "tests" / "fixtures" / "pipelines" / "three_node_pipe.py"
CREDENTIALS = {
    "region": "us-east-1",
    "aws_access_key_id": "AKIAFAKEFAKEFAKE1234",
    "aws_secret_access_key": "very/secret+key",
}


@pytest.fixture(scope="module")
def pipeline():  # type: ignore[no-untyped-def]
    return load_pipeline(PIPE_FILE)


def test_preview_returns_changes_per_node(fake_cli: dict[str, Any], pipeline) -> None:  # type: ignore[no-untyped-def]
    result = automation.preview(pipeline, "staging")

    assert isinstance(result, automation.PreviewResult)
    assert result.stack == "staging"
    assert result.changes == {"create": 6, "update": 4, "replace": 1, "same": 14}
    assert [n.label for n in result.nodes][:3] == [
        "S3('tsa-rajiv-bucket1')",
        "CopyS3Lambda('copy-s3')",
        "S3('tsa-rajiv-bucket2')",
    ]
    assert result.node("S3('tsa-rajiv-bucket2')").count("create") == 6
    assert "S3('tsa-rajiv-bucket2'): 6 to create" in result.text()
    assert fake_cli["how"] == "create_or_select"
    assert fake_cli["project"] == "three-node-pipe"


def test_credentials_reach_the_engine_only_through_its_environment(
    fake_cli: dict[str, Any],
    pipeline,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    automation.preview(
        pipeline,
        "staging",
        aws_conf=CREDENTIALS,
        config={"aws:region": "us-east-1"},
        secrets={"three-node-pipe:token": "s3cr3t"},
        backend_url=f"file://{tmp_path}/state",
        passphrase="correct horse",
    )

    opts = fake_cli["opts"]
    assert opts.env_vars["AWS_ACCESS_KEY_ID"] == "AKIAFAKEFAKEFAKE1234"
    assert opts.env_vars["AWS_SECRET_ACCESS_KEY"] == "very/secret+key"
    assert opts.env_vars["AWS_REGION"] == "us-east-1"
    assert opts.env_vars["PULUMI_BACKEND_URL"] == f"file://{tmp_path}/state"
    assert opts.env_vars["PULUMI_CONFIG_PASSPHRASE"] == "correct horse"
    assert opts.secrets_provider == "passphrase"
    assert fake_cli["config"] == {
        "aws:region": ("us-east-1", False),
        "three-node-pipe:token": ("s3cr3t", True),
    }
    assert not any("very/secret+key" in str(v) for v in fake_cli["config"].values())
    # the temporary workspace is gone afterwards, and nothing in it held the keys
    assert not fake_cli["work_dir_during_run"].exists()


def test_up_returns_outputs_and_progress(fake_cli: dict[str, Any], pipeline) -> None:  # type: ignore[no-untyped-def]
    lines: list[str] = []
    printer = automation.ProgressPrinter(pipeline, write=lines.append)

    result = automation.up(pipeline, "staging", on_event=printer)

    assert isinstance(result, automation.UpResult)
    assert result.outputs["token"] == automation.StackOutput("s3cr3t", True)
    table = result.outputs_table()
    assert table.splitlines()[0].split() == ["OUTPUT", "VALUE"]
    assert any(line.split() == ["token", "[secret]"] for line in table.splitlines())
    assert "three-node-pipe.buckets.tsa-rajiv-bucket1.name  tsa-rajiv-bucket1" in table
    assert lines[-1] == "Resources: 6 created, 4 updated, 1 replaced, 14 unchanged (42s)"


def test_a_relative_file_backend_is_where_the_user_is_not_in_the_temporary_workspace(
    fake_cli: dict[str, Any], pipeline: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    automation.preview(pipeline, "staging", backend_url="file://.jaya-state")

    # the engine runs in a temporary directory, removed afterwards: state must not go there
    state = (tmp_path / ".jaya-state").resolve()
    assert fake_cli["opts"].env_vars["PULUMI_BACKEND_URL"] == f"file://{state}"
    assert state.is_dir()


def test_what_up_did_reads_in_the_past_tense(fake_cli: dict[str, Any], pipeline: Any) -> None:
    done = automation.up(pipeline, "staging").text()

    assert "S3('tsa-rajiv-bucket2'): 6 created" in done
    assert done.rstrip().endswith("Resources: 6 created, 4 updated, 1 replaced, 14 unchanged (42s)")
    assert "to create" not in done and "to update" not in done


def test_secret_outputs_stay_hidden_when_printed(fake_cli: dict[str, Any], pipeline: Any) -> None:
    result = automation.up(pipeline, "staging")

    shown = repr(result) + str(result.outputs) + repr(automation.outputs(pipeline, "staging"))
    assert "s3cr3t" not in shown
    assert "[secret]" in repr(result.outputs["token"])
    assert result.outputs["token"].value == "s3cr3t"  # the value itself is still there to use


def test_destroy_and_outputs_never_create_a_stack(fake_cli: dict[str, Any], pipeline) -> None:  # type: ignore[no-untyped-def]
    result = automation.destroy(pipeline, "staging")
    assert fake_cli["how"] == "select" and fake_cli["destroyed"]
    assert result.changes == {"delete": 22}

    values = automation.outputs(pipeline, "staging")
    assert fake_cli["how"] == "select"
    assert values == {"three-node-pipe": automation.StackOutput({"functions": {}}, False)}


def test_a_missing_stack_is_a_stack_not_found_error(
    fake_cli: dict[str, Any], pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    def missing(**kwargs: Any) -> None:
        raise create_command_error(CommandResult("", "error: no stack named 'staging' found", 255))

    monkeypatch.setattr(auto, "select_stack", lambda *a, **k: missing())

    with pytest.raises(StackNotFoundError, match="Stack 'staging' does not exist"):
        automation.outputs(pipeline, "staging")


def test_the_programs_own_error_is_reported(fake_cli: dict[str, Any]) -> None:
    from jaya_pulumi import S3, CopyS3Lambda, Pipeline

    wrong_alias = Pipeline(
        "wrong-alias",
        [
            S3("wa-src", on=[S3.ALL_CREATED_OBJECTS])
            >> CopyS3Lambda({}, alias="production")
            >> S3("wa-dst")
        ],
    )
    fake_cli["fail_with"] = create_command_error(
        CommandResult("python inline source runtime error: ...", "", 255)
    )
    fake_cli["run_program"] = True

    with pytest.raises(ConfigurationError, match="asks for alias 'production'"):
        automation.preview(wrong_alias, "staging")


def test_deploy_pipeline_keeps_the_seeds_call_shape(
    fake_cli: dict[str, Any],
    pipeline,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    aws_conf = {"firehose_role": "my_role", "profile": "data-eng"}

    with pytest.warns(UserWarning, match="firehose_role"):
        result = deploy_pipeline(aws_conf, "staging", pipeline)

    out = capsys.readouterr().out
    assert "created aws:s3/bucket:Bucket tsa-rajiv-bucket2" in out
    assert "OUTPUT" in out and "three-node-pipe" in out
    assert fake_cli["stack"] == "staging"
    assert fake_cli["opts"].env_vars["AWS_PROFILE"] == "data-eng"
    assert "firehose_role" not in json.dumps(dict(fake_cli["opts"].env_vars))
    assert result.outputs["three-node-pipe"].secret is False


# -- error translation ----------------------------------------------------------------------


def _error(stderr: str, stdout: str = "") -> Exception:
    return create_command_error(CommandResult(stdout, stderr, 255))


@pytest.mark.parametrize(
    "stderr, kind, says",
    [
        (
            "error: the stack is currently locked by 1 lock(s). Either wait for the other "
            "process(es) to end or delete the lock file with `pulumi cancel`.",
            StackLockedError,
            "Stack 'staging' is locked",
        ),
        (
            "error: [409] Conflict: Another update is currently in progress.",
            StackLockedError,
            "pulumi cancel --stack staging",
        ),
        (
            "error: unable to validate AWS credentials.\nDetails: No valid credential sources found",
            MissingCredentialsError,
            "Missing or invalid AWS credentials",
        ),
        (
            "error: getting secrets manager: passphrase must be set with "
            "PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables",
            MissingCredentialsError,
            "secrets passphrase",
        ),
        (
            "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions",
            MissingCredentialsError,
            "Pulumi Cloud credentials",
        ),
        ("error: no stack named 'staging' found", StackNotFoundError, "does not exist"),
        ("error: something else broke", PulumiCommandError, "something else broke"),
    ],
)
def test_cli_errors_become_typed_exceptions(stderr: str, kind: type[Exception], says: str) -> None:
    error = automation.translate(_error(stderr), "staging")

    assert type(error) is kind
    assert says in str(error)
    assert stderr.splitlines()[-1] in str(error)  # the CLI's own words are kept


def test_a_missing_binary_says_how_to_install_pulumi() -> None:
    error = automation.translate(
        FileNotFoundError(2, "No such file or directory", "pulumi"), "staging"
    )

    assert isinstance(error, PulumiNotInstalledError)
    assert "curl -fsSL https://get.pulumi.com | sh" in str(error)


def test_without_pulumi_on_path_operations_raise_before_touching_disk(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    pipeline,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    backend = tmp_path / "state"

    for operation in (automation.preview, automation.up, automation.destroy, automation.refresh):
        with pytest.raises(PulumiNotInstalledError, match=r"get\.pulumi\.com"):
            operation(pipeline, "staging", backend_url=f"file://{backend}")
    assert not backend.exists()


def test_aws_environment_maps_known_keys_and_warns_about_others() -> None:
    with pytest.warns(UserWarning, match="firehose_role"):
        env = automation.aws_environment({"region_name": "eu-west-1", "firehose_role": "r"})

    assert env == {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"}
    with pytest.raises(ConfigurationError, match="must be a string"):
        automation.aws_environment({"profile": 3})
