"""Redrive against moto: a failure queue of Lambda destination records goes back to the function."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner
from moto import mock_aws

from jaya_pulumi import ConfigurationError
from jaya_pulumi.automation import StackOutput, redrive, redrive_queue
from jaya_pulumi.cli import load_pipeline, main
from jaya_pulumi.testing import destination_record, s3_event

PIPE = str(Path(__file__).parents[1] / "fixtures" / "pipelines" / "three_node_pipe.py")
REGION = "us-east-1"
NAME = "three-node-pipe-copy-s3-staging"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """moto with one function (alias ``staging``) and its failure queue; records every Invoke."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws(config={"lambda": {"use_docker": False}}):
        iam = boto3.client("iam")
        role = iam.create_role(
            RoleName="fn-role",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]
        lam = boto3.client("lambda", region_name=REGION)
        lam.create_function(
            FunctionName=NAME,
            Runtime="python3.11",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": _zip()},
            Publish=True,
        )
        alias = lam.create_alias(FunctionName=NAME, Name="staging", FunctionVersion="1")
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName=f"{NAME}-failed")["QueueUrl"]
        invoked: list[dict[str, Any]] = []

        def record(params: dict[str, Any], **_: Any) -> None:
            invoked.append(dict(params))

        # Every client boto3 creates from here on records its Invoke calls (before moto answers).
        boto3.DEFAULT_SESSION = None
        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("provide-client-params.lambda.Invoke", record)
        yield {"url": url, "alias_arn": alias["AliasArn"], "invoked": invoked, "sqs": sqs}
        boto3.DEFAULT_SESSION = None


def _zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def _send(aws: dict[str, Any], body: Any) -> None:
    text = body if isinstance(body, str) else json.dumps(body)
    aws["sqs"].send_message(QueueUrl=aws["url"], MessageBody=text)


def _left(aws: dict[str, Any]) -> list[str]:
    bodies: list[str] = []
    while True:
        batch = (
            aws["sqs"]
            .receive_message(QueueUrl=aws["url"], MaxNumberOfMessages=10, VisibilityTimeout=0)
            .get("Messages", [])
        )
        fresh = [m["Body"] for m in batch if m["Body"] not in bodies]
        if not fresh:
            return bodies
        bodies.extend(fresh)


def test_records_are_reinvoked_asynchronously_and_deleted(aws: dict[str, Any]) -> None:
    events = [s3_event("tsa-rajiv-bucket1", f"in/{n}.json") for n in range(3)]
    for n, event in enumerate(events):
        _send(
            aws,
            destination_record(
                f"{aws['alias_arn']}", event, error=ValueError(f"bad {n}"), request_id=f"req-{n}"
            ),
        )

    result = redrive_queue(aws["url"], aws["alias_arn"])

    assert sorted(result.redriven) == ["req-0", "req-1", "req-2"]
    assert not result.skipped and not result.failed
    assert [call["InvocationType"] for call in aws["invoked"]] == ["Event"] * 3
    assert {call["FunctionName"] for call in aws["invoked"]} == {aws["alias_arn"]}
    payloads = sorted((json.loads(call["Payload"]) for call in aws["invoked"]), key=str)
    assert payloads == sorted(events, key=str)
    assert _left(aws) == []
    assert "Redrove 3 event(s)" in result.summary()


def test_other_functions_records_and_foreign_messages_stay(aws: dict[str, Any]) -> None:
    other = aws["alias_arn"].replace(NAME, "another-function")
    foreign = destination_record(other, {"x": 1}, error=RuntimeError("elsewhere"))
    _send(aws, foreign)
    _send(aws, "not json at all")
    _send(aws, destination_record(aws["alias_arn"], {"y": 2}, error=RuntimeError("mine")))

    result = redrive_queue(aws["url"], aws["alias_arn"])

    assert len(result.redriven) == 1 and len(result.skipped) == 2
    assert [json.loads(call["Payload"]) for call in aws["invoked"]] == [{"y": 2}]
    assert sorted(_left(aws)) == sorted([json.dumps(foreign), "not json at all"])


def test_a_refused_invocation_keeps_its_message(aws: dict[str, Any]) -> None:
    from botocore.awsrequest import AWSResponse

    def throttle(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        error = {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}
        return AWSResponse("", 429, {}, None), {  # type: ignore[arg-type]
            "Error": error,
            "ResponseMetadata": {"HTTPStatusCode": 429},
        }

    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register("before-call.lambda.Invoke", throttle)
    _send(aws, destination_record(aws["alias_arn"], {"z": 3}, error=RuntimeError("x")))

    result = redrive_queue(aws["url"], aws["alias_arn"])

    assert result.redriven == [] and len(result.failed) == 1
    assert next(iter(result.failed.values())) == "TooManyRequestsException: Rate exceeded"
    assert len(_left(aws)) == 1


def test_limit_redrives_at_most_that_many(aws: dict[str, Any]) -> None:
    for n in range(4):
        _send(aws, destination_record(aws["alias_arn"], {"n": n}, error=RuntimeError("x")))

    result = redrive_queue(aws["url"], aws["alias_arn"], limit=2)

    assert len(result.redriven) == 2 and len(aws["invoked"]) == 2
    assert len(_left(aws)) == 2


def test_redrive_reads_the_stack_outputs(aws: dict[str, Any]) -> None:
    pipeline = load_pipeline(PIPE)
    _send(aws, destination_record(aws["alias_arn"], {"k": 1}, error=RuntimeError("x")))
    exported = {
        "functions": {"copy-s3": {"failure_queue_url": aws["url"], "alias_arn": aws["alias_arn"]}}
    }

    result = redrive(pipeline, "copy-s3", "staging", stack_outputs=exported)

    assert len(result.redriven) == 1
    with pytest.raises(ConfigurationError, match="no function 'copy'; its functions: copy-s3"):
        redrive(pipeline, "copy", stack_outputs=exported)
    with pytest.raises(ConfigurationError, match="exports no failure queue for 'copy-s3'"):
        redrive(pipeline, "copy-s3", stack_outputs={"functions": {"copy-s3": {"name": NAME}}})


def test_cli_redrive_reads_the_stack_and_reports(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import jaya_pulumi.automation._stack as stack_module

    seen: dict[str, Any] = {}

    def fake_outputs(pipeline: Any, stack: str, **settings: Any) -> dict[str, StackOutput]:
        seen.update(pipeline=pipeline.name, stack=stack)
        value = {
            "functions": {
                "copy-s3": {"failure_queue_url": aws["url"], "alias_arn": aws["alias_arn"]}
            }
        }
        return {"three-node-pipe": StackOutput(value)}

    monkeypatch.setattr(stack_module, "outputs", fake_outputs)
    _send(aws, destination_record(aws["alias_arn"], {"k": 1}, error=RuntimeError("x")))

    result = CliRunner().invoke(main, ["redrive", PIPE, "copy-s3", "-s", "staging"])

    assert result.exit_code == 0, result.output
    assert seen == {"pipeline": "three-node-pipe", "stack": "staging"}
    assert result.output.startswith(f"Redrove 1 event(s) from {aws['url']}")
    assert _left(aws) == []

    unknown = CliRunner().invoke(main, ["redrive", PIPE, "nope", "-s", "staging"])
    assert unknown.exit_code == 1 and "has no function 'nope'" in unknown.output


def test_destination_record_has_lambdas_documented_shape() -> None:
    try:
        raise KeyError("Records")
    except KeyError as exc:
        record = destination_record(
            "arn:aws:lambda:us-east-1:123456789012:function:f:staging", {"e": 1}, error=exc
        )
    assert set(record) == {
        "version",
        "timestamp",
        "requestContext",
        "requestPayload",
        "responseContext",
        "responsePayload",
    }
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"e": 1}
    assert record["responsePayload"]["errorType"] == "KeyError"
    assert record["responsePayload"]["errorMessage"] == "'Records'"
    assert record["responsePayload"]["stackTrace"]
    assert record["timestamp"].endswith("Z")
    with pytest.raises(ValueError, match="not one Lambda reports"):
        destination_record("arn", {}, error=KeyError("x"), condition="Timeout")
