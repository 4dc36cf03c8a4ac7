"""Cascades, fan-out, failures and IAM on the local harness."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from botocore.exceptions import ClientError
from harness_handlers import compress, delete_version, upper, write_elsewhere

from jaya_pulumi import S3, AWSLambda, ConfigurationError, CopyS3Lambda, Pipeline
from jaya_pulumi.testing import (
    HandlerFailedError,
    HarnessError,
    ResourceRejectedError,
    s3_event,
    test,
)


def test_cascade_runs_each_handler_on_the_previous_output() -> None:
    p = (
        S3("cascade-raw", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("upper", upper)
        >> S3("cascade-upper", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("gzip", compress)
        >> S3("cascade-final")
    )
    with test(Pipeline("cascade", [p])) as h:
        h.client("s3").put_object(
            Bucket="cascade-raw", Key="notes/hello world.txt", Body=b"hi there"
        )

        body = h.client("s3").get_object(Bucket="cascade-final", Key="notes/hello world.txt.gz")
        assert gzip.decompress(body["Body"].read()) == b"HI THERE"
        assert [(i.function, i.result) for i in h.invocations()] == [
            ("upper", ["s3://cascade-upper/notes/hello world.txt"]),
            ("gzip", ["s3://cascade-final/notes/hello world.txt.gz"]),
        ]
        assert h.invocations("gzip")[0].writes == ["s3://cascade-final/notes/hello world.txt.gz"]


def test_the_event_is_shaped_as_s3_sends_it() -> None:
    p = S3("shape-in", on=[S3.ALL_CREATED_OBJECTS]) >> AWSLambda("upper", upper) >> S3("shape-out")
    with test(Pipeline("shape", [p]), stack="dev") as h:
        h.client("s3").put_object(Bucket="shape-in", Key="a b/ü.txt", Body=b"abc")

    (invocation,) = h.invocations("upper")
    record = invocation.event["Records"][0]
    assert record["eventVersion"] == "2.1"
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["object"]["key"] == "a+b/%C3%BC.txt"
    assert record["s3"]["object"]["size"] == 3
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::shape-in"
    assert {"userIdentity", "requestParameters", "responseElements"} <= record.keys()
    assert invocation.function_name == "shape-upper-dev"


def test_fan_out_fires_only_the_function_whose_prefix_matches() -> None:
    csv = S3("fan-landing", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="csv/")])
    json_ = S3("fan-landing", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="json/")])
    piper = Pipeline(
        "fan",
        [
            csv >> CopyS3Lambda({}, name="copy-csv") >> S3("fan-archive", prefix="csv/"),
            json_ >> CopyS3Lambda({}, name="copy-json") >> S3("fan-archive", prefix="json/"),
        ],
    )
    with test(piper) as h:
        h.client("s3").put_object(Bucket="fan-landing", Key="json/a.json", Body=b"{}")

        listed = h.client("s3").list_objects_v2(Bucket="fan-archive")
        assert [o["Key"] for o in listed["Contents"]] == ["json/a.json"]
        assert [i.function for i in h.invocations()] == ["copy-json"]


def test_a_failing_handler_is_retried_and_the_with_block_names_it() -> None:
    def explode(event: dict[str, Any], context: Any) -> None:
        import sys

        print("about to fail")
        print("warning: odd header", file=sys.stderr)
        raise ValueError("cannot parse this file")

    p = (
        S3("fail-in", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("explode", explode)
        >> S3("fail-out")
    )
    with (
        pytest.raises(
            HandlerFailedError, match=r"explode .* failed on s3://fail-in/bad\.csv"
        ) as info,
        test(Pipeline("fail", [p])) as h,
    ):
        h.client("s3").put_object(Bucket="fail-in", Key="bad.csv", Body=b"x")

    attempts = h.invocations("explode")
    assert [a.attempt for a in attempts] == [1, 2, 3]
    assert all("ValueError: cannot parse this file" in (a.traceback or "") for a in attempts)
    assert attempts[0].logs == ["about to fail", "warning: odd header"]
    assert info.value.failures == [attempts[-1]]


def test_failures_can_be_inspected_instead_of_raised() -> None:
    def explode(event: dict[str, Any], context: Any) -> None:
        raise RuntimeError("boom")

    p = (
        S3("keep-in", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("explode", explode)
        >> S3("keep-out")
    )
    with test(Pipeline("keep", [p]), retries=0, raise_failures=False) as h:
        h.client("s3").put_object(Bucket="keep-in", Key="k", Body=b"x")
        assert [str(f.error) for f in h.failures] == ["boom"]
        with pytest.raises(HandlerFailedError, match="explode"):
            h.check()


def test_a_result_json_cannot_hold_fails_the_invocation_as_on_lambda() -> None:
    def head(event: dict[str, Any], context: Any) -> dict[str, Any]:
        import datetime
        import decimal

        return {"checked": datetime.datetime(2026, 1, 1), "ratio": decimal.Decimal("0.5")}

    p = S3("json-in", on=[S3.ALL_CREATED_OBJECTS]) >> AWSLambda("head", head) >> S3("json-out")
    with test(Pipeline("json", [p]), raise_failures=False) as h:
        h.client("s3").put_object(Bucket="json-in", Key="k", Body=b"x")

        assert [i.attempt for i in h.invocations("head")] == [1, 2, 3]  # retried as a failure
        (failure,) = h.failures
        assert type(failure.error).__name__ == "MarshalError"
        assert str(failure.error) == (
            "Unable to marshal response: Object of type datetime is not JSON serializable"
        )


def test_a_write_without_an_iam_grant_is_access_denied() -> None:
    p = (
        S3("iam-in", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("sneaky", write_elsewhere)
        >> S3("iam-out")
    )
    with test(Pipeline("iam", [p]), raise_failures=False) as h:
        h.client("s3").create_bucket(Bucket="harness-unjoined-bucket")
        h.client("s3").put_object(Bucket="iam-in", Key="k.txt", Body=b"x")

        error = h.failures[0].error
        assert isinstance(error, ClientError)
        assert error.response["Error"]["Code"] == "AccessDenied"
        assert "s3:PutObject" in str(error)
        assert "arn:aws:s3:::harness-unjoined-bucket/k.txt" in str(error)
        assert h.client("s3").list_objects_v2(Bucket="harness-unjoined-bucket")["KeyCount"] == 0


def test_a_call_on_one_version_needs_the_version_action() -> None:
    p = (
        S3("ver-in", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("prune", delete_version)
        >> S3("ver-out")
    )
    with test(Pipeline("ver", [p]), retries=0, raise_failures=False) as h:
        h.client("s3").put_object(Bucket="ver-in", Key="k.txt", Body=b"x")

        (failure,) = h.failures
        assert isinstance(failure.error, ClientError)
        assert "perform: s3:DeleteObjectVersion on resource: " in str(failure.error)


def test_direct_invoke_with_a_built_event() -> None:
    p = (
        S3("direct-in", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("upper", upper)
        >> S3("direct-out")
    )
    with test(Pipeline("direct", [p])) as h:
        h.client("s3").put_object(Bucket="direct-in", Key="x y.txt", Body=b"abc")
        invocation = h.invoke("upper", s3_event("direct-in", "x y.txt", body=b"abc"))

        assert invocation.ok, invocation.traceback
        assert invocation.result == ["s3://direct-out/x y.txt"]
        assert h.outputs["direct"]["functions"]["upper"]["name"] == "direct-upper-local"

    # after the block the functions' code and the emulated AWS are gone
    with pytest.raises(HarnessError, match="not running"):
        h.invoke("upper", s3_event("direct-in", "x y.txt", body=b"abc"))


def test_direct_invoke_leaves_the_callers_event_as_it_was() -> None:
    def decode_in_place(event: dict[str, Any], context: Any) -> str:
        from urllib.parse import unquote_plus

        obj = event["Records"][0]["s3"]["object"]
        obj["key"] = unquote_plus(obj["key"])
        return str(obj["key"])

    p = (
        S3("mut-in", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("decode", decode_in_place)
        >> S3("mut-out")
    )
    event = s3_event("mut-in", "1+1=2.txt")
    with test(Pipeline("mut", [p])) as h:
        first = h.invoke("decode", event)
        second = h.invoke("decode", event)

    assert (first.result, second.result) == ("1+1=2.txt", "1+1=2.txt")
    assert event["Records"][0]["s3"]["object"]["key"] == "1%2B1%3D2.txt"


def test_an_input_aws_would_reject_fails_at_start_naming_the_resource() -> None:
    big = {"BIG": "x" * 5000}
    p = (
        S3("reject-in", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("h", upper, environment=big)
        >> S3("reject-out")
    )
    with pytest.raises(ResourceRejectedError, match=r"Function 'reject-h' was rejected: .*4 KB"):
        test(Pipeline("reject", [p])).start()


def test_a_program_error_at_start_leaves_nothing_running() -> None:
    p = (
        S3("stack-in", on=[S3.ALL_CREATED_OBJECTS])
        >> CopyS3Lambda({}, alias="development")
        >> S3("stack-out")
    )
    piper = Pipeline("stack", [p])
    with pytest.raises(ConfigurationError, match="asks for alias 'development'"):
        test(piper, stack="production").start()

    with test(piper) as h:  # the default stack is the alias the function names
        assert h.stack == "development"
