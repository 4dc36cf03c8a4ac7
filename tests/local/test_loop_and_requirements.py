"""Lambda's recursive loop detection, and pinned requirements against what is installed here."""

from __future__ import annotations

import importlib.metadata
import json
import warnings

import pytest
from iam_handlers import read_missing, write_back

from jaya_pulumi import S3, AWSLambda, Pipeline
from jaya_pulumi.testing import RecursiveInvocationError, RequirementMismatchWarning, test


def test_a_loop_the_graph_cannot_see_is_stopped_after_16_invocations_and_dead_lettered() -> None:
    p = (
        S3("loop-in", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("echo", write_back)
        >> S3("loop-out")
    )
    with test(Pipeline("loop", [p]), raise_failures=False) as h:
        role = h.function("echo").role_arn.rsplit("/", 1)[-1]
        # a grant the graph does not derive: the handler may write into its own trigger bucket
        grant = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::loop-in/*"}
            ],
        }
        h.client("iam").put_role_policy(
            RoleName=role, PolicyName="write-back", PolicyDocument=json.dumps(grant)
        )
        h.client("s3").put_object(Bucket="loop-in", Key="k", Body=b"x")

        attempts = h.invocations("echo")
        assert len(attempts) == 17
        assert all(a.ok for a in attempts[:16])
        [stopped] = h.failures
        assert stopped is attempts[16]
        assert type(stopped.error) is RecursiveInvocationError
        message = str(stopped.error)
        assert "Lambda stopped a recursive loop" in message
        assert "echo (loop-echo-local) would be invoked a 17th time" in message
        assert "on s3://loop-in/" + "again/" * 16 + "k (echo -> echo -> ... -> echo)" in message
        assert stopped.attempt == 1  # not retried

        [record] = h.dead_letters("echo")
        assert record["requestPayload"]["Records"][0]["s3"]["object"]["key"] == (
            "again/" * 16 + "k"
        )
        assert record["responsePayload"]["errorType"] == "RecursiveInvocationError"
        with pytest.raises(Exception, match="recursive loop") as raised:
            h.check()
        assert "went to" in str(raised.value)


def test_a_pin_the_environment_does_not_match_warns_once_at_start_naming_both_versions() -> None:
    installed = importlib.metadata.version("requests")
    fn = AWSLambda(
        "pinned",
        read_missing,
        requirements=["requests==2.0.0", f"click=={importlib.metadata.version('click')}"],
    )
    p = S3("pin-in", on=[S3.ALL_CREATED_OBJECTS]) >> fn >> S3("pin-out")
    piper = Pipeline("pins", [p])
    with pytest.warns(RequirementMismatchWarning) as caught, test(piper):
        pass
    messages = [str(w.message) for w in caught if w.category is RequirementMismatchWarning]
    assert len(messages) == 1
    assert "AWSLambda('pinned') pins 'requests==2.0.0'" in messages[0]
    assert f"this environment has requests {installed}" in messages[0]
    assert "deployed with 2.0.0" in messages[0]

    with warnings.catch_warnings():  # once: a second harness on the same pipeline is quiet
        warnings.simplefilter("error", RequirementMismatchWarning)
        with test(piper):
            pass


def test_a_pinned_distribution_not_installed_here_is_named() -> None:
    fn = AWSLambda("absent", read_missing, requirements=["jaya-no-such-dist==1.0"])
    p = S3("absent-in", on=[S3.ALL_CREATED_OBJECTS]) >> fn >> S3("absent-out")
    absent = "jaya-no-such-dist is not installed here"
    with pytest.warns(RequirementMismatchWarning, match=absent), test(Pipeline("absent", [p])):
        pass
