"""IAM on every call a handler makes, any service, deny by default, as AWS evaluates it."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from botocore.exceptions import ClientError
from iam_handlers import (
    STREAM,
    copy_with_tags,
    create_backdoor_user,
    manage_own_stream,
    other_services,
    read_missing,
)

from jaya_pulumi import S3, AWSLambda, CopyS3Lambda, Firehose, Pipeline, Table
from jaya_pulumi.local import request_checks
from jaya_pulumi.runtime import S3AccessDeniedError
from jaya_pulumi.testing import s3_event, test

ACCOUNT = "123456789012"


def test_an_iam_call_from_a_handler_is_access_denied_naming_iam_create_user() -> None:
    p = (
        S3("iam-call-in", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("backdoor", create_backdoor_user)
        >> S3("iam-call-out")
    )
    with test(Pipeline("iamcall", [p]), raise_failures=False) as h:
        h.client("s3").put_object(Bucket="iam-call-in", Key="k", Body=b"x")

        error = h.failures[0].error
        assert isinstance(error, ClientError)
        assert error.response["Error"]["Code"] == "AccessDenied"
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        message = error.response["Error"]["Message"]
        role = h.function("backdoor").role_arn.rsplit("/", 1)[-1]
        assert f"assumed-role/{role}/{h.function('backdoor').name} is not authorized" in message
        assert f"iam:CreateUser on resource: arn:aws:iam::{ACCOUNT}:user/backdoor" in message
        assert h.client("iam").list_users()["Users"] == []  # moto never saw the call


def test_sqs_and_secrets_manager_calls_are_denied_on_their_arns() -> None:
    p = (
        S3("other-in", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("other", other_services)
        >> S3("other-out")
    )
    with test(Pipeline("other", [p])) as h:
        secret = h.client("secretsmanager").create_secret(Name="db-creds", SecretString="pw")
        h.client("s3").put_object(Bucket="other-in", Key="k", Body=b"x")

        outcome = h.invocations("other")[0].result
        queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:side-channel"
        assert outcome["sqs"].startswith("403 AccessDenied: ")
        assert f"sqs:CreateQueue on resource: {queue}" in outcome["sqs"]
        # the secret's full ARN, with the suffix AWS adds to its name
        assert secret["ARN"].startswith(f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:db-")
        assert outcome["secret"].startswith("400 AccessDeniedException: ")
        assert f"secretsmanager:GetSecretValue on resource: {secret['ARN']} " in outcome["secret"]
        assert outcome["whoami"] == "allowed"  # IAM does not check sts:GetCallerIdentity
        queues = h.client("sqs").list_queues().get("QueueUrls", [])
        assert not any(url.endswith("/side-channel") for url in queues)


def test_tagging_without_a_grant_names_s3_put_object_tagging() -> None:
    p = (
        S3("tag-in", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("tagger", copy_with_tags)
        >> S3("tag-out")
    )
    with test(Pipeline("tags", [p]), raise_failures=False) as h:
        h.client("s3").put_object(Bucket="tag-in", Key="a.txt", Body=b"x")

        error = h.failures[0].error
        assert isinstance(error, ClientError)
        assert error.response["Error"]["Code"] == "AccessDenied"
        assert 's3:PutObjectTagging on resource: "arn:aws:s3:::tag-out/a.txt"' in str(error)
        assert h.client("s3").list_objects_v2(Bucket="tag-out")["KeyCount"] == 0


def test_a_policy_written_while_the_harness_runs_applies_to_the_next_call() -> None:
    p = (
        S3("tag2-in", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("tagger", copy_with_tags)
        >> S3("tag2-out")
    )
    with test(Pipeline("tags2", [p]), raise_failures=False) as h:
        role = h.function("tagger").role_arn.rsplit("/", 1)[-1]
        grant = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:PutObjectTagging",
                    "Resource": "arn:aws:s3:::tag2-out/*",
                }
            ],
        }
        h.client("iam").put_role_policy(
            RoleName=role, PolicyName="tagging", PolicyDocument=json.dumps(grant)
        )
        h.client("s3").put_object(Bucket="tag2-in", Key="a.txt", Body=b"x")

        tags = h.client("s3").get_object_tagging(Bucket="tag2-out", Key="a.txt")["TagSet"]
        assert tags == [{"Key": "team", "Value": "data"}]
        h.client("iam").delete_role_policy(RoleName=role, PolicyName="tagging")
        h.client("s3").put_object(Bucket="tag2-in", Key="b.txt", Body=b"x")
        [failure] = h.failures
        assert failure.keys == ["s3://tag2-in/b.txt"]
        assert "s3:PutObjectTagging" in str(failure.error)


def test_firehose_describe_and_delete_on_the_pipelines_own_stream_are_denied(
    postgres_url: str,
) -> None:
    db_conf = {"db-name": "db", "db-user": "u", "db-passwd": "pass-word", "db-server": "cluster"}
    table = Table(db_conf, "own", sa.Column("name", sa.String))
    p = (
        S3("own-src", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("manage", manage_own_stream)
        >> Firehose(STREAM, "db", "u", "pass-word", "cluster", "own", "own-hold", "own-role")
        >> table
    )
    with test(Pipeline("own", [p]), database_url=postgres_url) as h:
        h.client("s3").put_object(Bucket="own-src", Key="k", Body=b"x")

        outcome = h.invocations("manage")[0].result
        assert outcome["put"] == "allowed"
        arn = f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/{STREAM}"
        for operation, action in (
            ("describe", "DescribeDeliveryStream"),
            ("delete", "DeleteDeliveryStream"),
        ):
            assert outcome[operation].startswith("400 AccessDeniedException: User: ")
            assert f"firehose:{action} on resource: {arn}" in outcome[operation]
        assert STREAM in h.client("firehose").list_delivery_streams()["DeliveryStreamNames"]
        h.flush()
        assert h.rows("own") == [{"name": "ok"}]


def test_a_missing_key_is_a_403_without_list_bucket_and_a_404_with_it() -> None:
    p = (
        S3("miss-in", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("reader", read_missing)
        >> S3("miss-out")
    )
    with test(Pipeline("miss", [p])) as h:
        h.client("s3").put_object(Bucket="miss-in", Key="a.txt", Body=b"x")

        outcome = h.invocations("reader")[0].result
        assert outcome["present"] == "allowed"
        assert outcome["get"].startswith("403 AccessDenied: User: ")
        assert 's3:ListBucket on resource: "arn:aws:s3:::miss-in"' in outcome["get"]
        assert outcome["head"] == "403 403: Forbidden"

        role = h.function("reader").role_arn.rsplit("/", 1)[-1]
        listing = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::miss-in"}
            ],
        }
        h.client("iam").put_role_policy(
            RoleName=role, PolicyName="list", PolicyDocument=json.dumps(listing)
        )
        h.client("s3").put_object(Bucket="miss-in", Key="b.txt", Body=b"x")
        outcome = h.invocations("reader")[1].result
        assert outcome["get"].startswith("404 NoSuchKey")
        assert outcome["head"].startswith("404 404")


def test_the_copy_runtime_says_a_403_on_a_missing_key_may_be_a_missing_object() -> None:
    p = S3("gone-in", on=[S3.ALL_CREATED_OBJECTS]) >> CopyS3Lambda({}) >> S3("gone-out")
    with test(Pipeline("gone", [p])) as h:
        copy = h.pipeline.functions[0].name
        attempt = h.invoke(copy, s3_event("gone-in", "deleted.txt"))

        # the archive's own copy of the runtime raised it: compare by name
        assert type(attempt.error).__name__ == S3AccessDeniedError.__name__
        message = str(attempt.error)
        assert "s3:GetObject on arn:aws:s3:::gone-in/deleted.txt" in message
        assert "the object may not exist" in message
        assert "s3:ListBucket" in message


def test_the_copy_runtimes_multipart_calls_are_all_allowed() -> None:
    p = S3("big-in", on=[S3.ALL_CREATED_OBJECTS]) >> CopyS3Lambda({}) >> S3("big-out")
    with test(Pipeline("big", [p])) as h:
        body = bytes(range(256)) * (9 * 4096)  # 9 MiB: above boto3's multipart threshold
        h.client("s3").put_object(Bucket="big-in", Key="big.bin", Body=body)

        assert h.failures == []
        copied = h.client("s3").get_object(Bucket="big-out", Key="big.bin")["Body"].read()
        assert copied == body


def test_each_service_call_maps_to_the_action_and_arn_aws_checks() -> None:
    region = "us-east-1"

    def checks(prefix: str, operation: str, **params: object) -> list[tuple[str, str]]:
        return request_checks(prefix, operation, params, region, ACCOUNT)

    queue = f"https://sqs.{region}.amazonaws.com/{ACCOUNT}/q"
    assert checks("sqs", "SendMessageBatch", QueueUrl=queue) == [
        ("sqs:SendMessage", f"arn:aws:sqs:{region}:{ACCOUNT}:q")
    ]
    topic = f"arn:aws:sns:{region}:{ACCOUNT}:t"
    assert checks("sns", "Publish", TopicArn=topic) == [("sns:Publish", topic)]
    assert checks("lambda", "Invoke", FunctionName="f", Qualifier="prod") == [
        ("lambda:InvokeFunction", f"arn:aws:lambda:{region}:{ACCOUNT}:function:f:prod")
    ]
    assert checks("logs", "PutLogEvents", logGroupName="/aws/lambda/f", logStreamName="s") == [
        (
            "logs:PutLogEvents",
            f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/lambda/f:log-stream:s",
        )
    ]
    secret = f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:db-AbCdEf"
    assert checks(
        "redshift-data", "ExecuteStatement", ClusterIdentifier="c", SecretArn=secret, Sql="x"
    ) == [
        ("redshift-data:ExecuteStatement", f"arn:aws:redshift:{region}:{ACCOUNT}:cluster:c"),
        ("secretsmanager:GetSecretValue", secret),
    ]
    assert checks("redshift-data", "DescribeStatement", Id="1") == [
        ("redshift-data:DescribeStatement", "*")
    ]
    assert checks("s3", "PutObject", Bucket="b", Key="k", Tagging="a=b") == [
        ("s3:PutObject", "arn:aws:s3:::b/k"),
        ("s3:PutObjectTagging", "arn:aws:s3:::b/k"),
    ]
    assert checks("kinesis", "PutRecord", StreamName="s") == [("kinesis:PutRecord", "*")]
    assert checks("sts", "GetCallerIdentity") == []


def test_each_call_is_authorized_once_and_a_call_that_raises_leaves_no_call_in_flight(
    monkeypatch: Any,
) -> None:
    """The S3 hook's guard and the catch-all guard once both ran; a raising call stayed stacked."""
    from jaya_pulumi.local import iam

    calls: list[str] = []
    authorize = iam.Authorizer.authorize

    def counting(self: Any, model: Any, context: Any, **kwargs: Any) -> Any:
        calls.append(model.name)
        return authorize(self, model, context, **kwargs)

    monkeypatch.setattr(iam.Authorizer, "authorize", counting)
    p = S3("once-in", on=[S3.ALL_CREATED_OBJECTS]) >> CopyS3Lambda() >> S3("once-out")
    with test(Pipeline("once", [p])) as h:
        s3 = h.client("s3")
        calls.clear()
        s3.put_object(Bucket="once-in", Key="k", Body=b"x")
        assert calls.count("PutObject") == 1

        def boom(**kwargs: Any) -> None:
            raise RuntimeError("the request failed on its way")

        s3.meta.events.register_first("before-send.s3", boom)
        with pytest.raises(RuntimeError, match="failed on its way"):
            s3.put_object(Bucket="once-in", Key="k2", Body=b"x")
        assert h._s3_calls == []  # the stack of S3 calls in flight
