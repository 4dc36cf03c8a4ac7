"""Issue 10, item 2 locally: after its retries an event goes to the function's failure queue."""

from __future__ import annotations

from collections.abc import Iterator

import harness_handlers
import pytest
from harness_handlers import fails_while_broken

from jaya_pulumi import S3, AWSLambda, Pipeline
from jaya_pulumi.testing import HandlerFailedError, test


def pipeline() -> Pipeline:
    return Pipeline(
        "dlq-pipe",
        [S3("dlq-src", on=[S3.ALL_CREATED_OBJECTS]) >> AWSLambda("flaky", fails_while_broken)],
    )


@pytest.fixture(autouse=True)
def broken() -> Iterator[None]:
    harness_handlers.BROKEN.touch()
    yield
    harness_handlers.BROKEN.unlink(missing_ok=True)


def test_an_event_that_fails_every_attempt_lands_in_the_failure_queue_and_redrives() -> None:
    with test(pipeline(), raise_failures=False) as h:
        h.client("s3").put_object(Bucket="dlq-src", Key="a.txt", Body=b"x")

        assert len(h.invocations("flaky")) == 3
        (record,) = h.dead_letters("flaky")
        assert record["requestContext"]["condition"] == "RetriesExhausted"
        assert record["requestContext"]["approximateInvokeCount"] == 3
        assert record["requestContext"]["functionArn"].endswith(
            ":function:dlq-pipe-flaky-local:local"
        )
        assert record["requestPayload"]["Records"][0]["s3"]["object"]["key"] == "a.txt"
        assert record["responsePayload"]["errorType"] == "RuntimeError"
        assert record["responsePayload"]["errorMessage"] == "downstream is down"
        assert h.dead_letters("flaky") == [record]  # looking leaves it in the queue

        harness_handlers.BROKEN.unlink()  # the fix is deployed
        assert h.redrive("flaky") == 1
        assert h.invocations("flaky")[-1].ok
        assert h.invocations("flaky")[-1].result == "a.txt"
        assert h.dead_letters("flaky") == []


def test_raise_failures_says_where_the_event_went() -> None:
    with (
        pytest.raises(
            HandlerFailedError, match=r"destination record went to arn:aws:sqs:.*-failed"
        ),
        test(pipeline()) as h,
    ):
        h.client("s3").put_object(Bucket="dlq-src", Key="b.txt", Body=b"x")
