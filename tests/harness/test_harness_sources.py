"""Issue 14 locally: queues, topics, schedules and S3 through EventBridge, run with real handlers.

Delivery is synchronous: by the time ``put_object`` returns, the message has gone through the queue
or topic and the function has run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from source_handlers import echo_back, forward, from_messages, nightly, picky, shout

from jaya_pulumi import S3, SNS, SQS, AWSLambda, CopyS3Lambda, Pipeline, Schedule
from jaya_pulumi.cli import main
from jaya_pulumi.mocks import s3_event
from jaya_pulumi.testing import HandlerFailedError, test


def body(h: object, bucket: str, key: str) -> bytes:
    data: bytes = h.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()  # type: ignore[attr-defined]
    return data


def keys(h: object, bucket: str) -> list[str]:
    listed = h.client("s3").list_objects_v2(Bucket=bucket)  # type: ignore[attr-defined]
    return sorted(o["Key"] for o in listed.get("Contents", []))


def test_s3_to_sqs_to_lambda_to_s3_transforms_the_object_before_put_object_returns() -> None:
    p = Pipeline(
        "queued",
        [
            S3("sq-in", on=[S3.ALL_CREATED_OBJECTS])
            >> SQS("inbox")
            >> AWSLambda("shout", shout)
            >> S3("sq-out")
        ],
    )
    with test(p) as h:
        h.client("s3").put_object(Bucket="sq-in", Key="day 1/a.txt", Body=b"hello")

        assert body(h, "sq-out", "day 1/a.txt.upper") == b"HELLO"
        (ran,) = [i for i in h.invocations("shout") if i.keys]
        assert ran.keys == ["s3://sq-in/day 1/a.txt"]
        assert {r["eventSource"] for r in ran.event["Records"]} == {"aws:sqs"}
        assert ran.event["Records"][-1]["eventSourceARN"].endswith(":queued-inbox-local")
        inbox = next(q for q in h.queues() if q["name"] == "queued-inbox-local")
        assert (inbox["waiting"], inbox["in_flight"]) == (0, 0)  # deleted once handled


def test_copy_s3_lambda_works_behind_a_queue() -> None:
    p = Pipeline(
        "copyq",
        [S3("cq-in", on=[S3.ALL_CREATED_OBJECTS]) >> SQS("q") >> CopyS3Lambda() >> S3("cq-out")],
    )
    with test(p) as h:
        h.client("s3").put_object(Bucket="cq-in", Key="x.csv", Body=b"1,2")

        assert body(h, "cq-out", "x.csv") == b"1,2"
        assert h.invocations("copy-s3")[-1].result["batchItemFailures"] == []


def test_s3_to_sns_fans_out_to_both_functions_and_both_destinations() -> None:
    topic = SNS("fan")
    p = Pipeline(
        "fanout",
        [
            S3("fo-in", on=[S3.ALL_CREATED_OBJECTS])
            >> topic
            >> [AWSLambda("left", shout) >> S3("fo-left"), CopyS3Lambda() >> S3("fo-right")]
        ],
    )
    with test(p) as h:
        h.client("s3").put_object(Bucket="fo-in", Key="report.txt", Body=b"news")

        assert body(h, "fo-left", "report.txt.upper") == b"NEWS"
        assert body(h, "fo-right", "report.txt") == b"news"
        # (the s3:TestEvent S3 publishes when the notification is configured may reach it too)
        (left,) = [i for i in h.invocations("left") if i.keys]
        assert left.event["Records"][0]["EventSource"] == "aws:sns"
        assert left.event["Records"][0]["Sns"]["TopicArn"].endswith(":fanout-fan-local")


def test_fire_runs_the_schedule_s_function_once_and_it_writes_the_object() -> None:
    schedule = Schedule("rate(1 hour)")
    p = Pipeline("nightly", [schedule >> AWSLambda("nightly", nightly) >> S3("ni-out")])
    with test(p) as h:
        assert h.invocations() == []  # a schedule never fires by itself locally

        (ran,) = h.fire(schedule)

        assert ran.ok and ran.result == "Scheduled Event"
        (key,) = keys(h, "ni-out")
        event = json.loads(body(h, "ni-out", key))
        assert event["detail-type"] == "Scheduled Event"
        assert event["resources"][0].endswith(":rule/nightly-schedule-local")


def test_overlapping_filters_through_eventbridge_both_fire() -> None:
    created = S3.ALL_CREATED_OBJECTS
    p = Pipeline(
        "bridged",
        [
            S3("eb-in", on=[S3.event(created, prefix="in/")], via="eventbridge")
            >> AWSLambda("by-prefix", shout)
            >> S3("eb-a"),
            S3("eb-in", on=[S3.event(created, suffix=".csv")], via="eventbridge")
            >> CopyS3Lambda()
            >> S3("eb-b"),
        ],
    )
    with test(p) as h:
        h.client("s3").put_object(Bucket="eb-in", Key="in/both.csv", Body=b"a,b")
        h.client("s3").put_object(Bucket="eb-in", Key="in/only-prefix.txt", Body=b"t")
        h.client("s3").put_object(Bucket="eb-in", Key="elsewhere.json", Body=b"{}")

        assert keys(h, "eb-a") == ["in/both.csv.upper", "in/only-prefix.txt.upper"]
        assert keys(h, "eb-b") == ["in/both.csv"]
        assert h.invocations("by-prefix")[0].event["source"] == "aws.s3"


def test_a_partial_batch_failure_retries_only_the_failed_record_then_dead_letters_it() -> None:
    p = Pipeline(
        "partial",
        [
            S3("pb-in", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="in/")])
            >> SQS("work", max_receive_count=2)
            >> AWSLambda("picky", picky)
            >> S3("pb-out")
        ],
    )
    with test(p, raise_failures=False) as h:
        s3, sqs = h.client("s3"), h.client("sqs")
        s3.put_object(Bucket="pb-in", Key="in/good.txt", Body=b"x")  # runs once, alone
        assert keys(h, "pb-out") == ["in/good.txt.upper"]
        url = sqs.get_queue_url(QueueName="partial-work-local")["QueueUrl"]
        before = len(h.invocations("picky"))

        sqs.send_message_batch(  # one batch of two records, as the mapping receives them
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "MessageBody": json.dumps(s3_event("pb-in", key))}
                for n, key in enumerate(("in/good.txt", "in/bad.txt"))
            ],
        )

        tries = h.invocations("picky")[before:]
        assert [i.keys for i in tries] == [
            ["s3://pb-in/in/good.txt", "s3://pb-in/in/bad.txt"],
            ["s3://pb-in/in/bad.txt"],  # only the failed record comes back
        ]
        assert [len(i.result["batchItemFailures"]) for i in tries] == [1, 1]
        assert keys(h, "pb-out") == ["in/good.txt.upper"]
        depth = {q["name"]: (q["waiting"], q["in_flight"]) for q in h.queues()}
        assert depth["partial-work-local"] == (0, 0)
        assert depth["partial-work-local-dlq"] == (1, 0)
        (failure,) = h.failures
        assert failure.keys == ["s3://pb-in/in/bad.txt"]
        assert "moves it to the dead-letter queue" in str(failure.error)
        assert "ValueError: refusing in/bad.txt" in json.dumps(failure.result)
        with pytest.raises(
            HandlerFailedError,
            match=r"picky \(partial-picky-local\) failed on s3://pb-in/in/bad.txt after 2 attempts: "
            r"HarnessError: message \S+ failed 2 receives \(ValueError: refusing in/bad.txt\); SQS "
            r"moves it to the dead-letter queue arn:aws:sqs:\S+:partial-work-local-dlq",
        ):
            h.check()

        (letter,) = h.dead_letters("work")  # the SQS node's dead-letter queue, left there
        assert letter["Records"][0]["s3"]["object"]["key"] == "in/bad.txt"
        assert h.redrive("work") == 1  # back to the queue and delivered: it fails twice again
        assert [i.keys for i in h.invocations("picky")[before + 2 :]] == [
            ["s3://pb-in/in/bad.txt"],
            ["s3://pb-in/in/bad.txt"],
        ]
        assert h.dead_letters("work") == [letter]


def test_jaya_local_lists_the_queue_and_its_dead_letters(tmp_path: Path) -> None:
    pipeline_file = tmp_path / "queue_pipe.py"
    pipeline_file.write_text(
        "from jaya_pulumi import S3, SQS, AWSLambda, Pipeline\n"
        "def broken(event, context):\n"
        "    raise KeyError('no such column')\n"
        "p = S3('cli-q-in', on=[S3.ALL_CREATED_OBJECTS]) >> SQS('work', max_receive_count=1)"
        " >> AWSLambda('broken', broken) >> S3('cli-q-out')\n"
        "piper = Pipeline('cli-q', [p])\n"
    )
    data = tmp_path / "x.csv"
    data.write_text("a,b\n")

    result = CliRunner().invoke(
        main, ["local", str(pipeline_file), "--put", f"cli-q-in/x.csv={data}"]
    )

    assert result.exit_code == 1, result.output
    rows = {
        line.split()[0]: line.split()[1:]
        for line in result.output.splitlines()
        if "cli-q-work" in line
    }
    assert rows["cli-q-work-local"][-2:] == ["0", "0"]
    # two dead letters: the object's event, and the s3:TestEvent S3 sent to the queue when the
    # notification was configured (a handler that fails every message fails that one too)
    assert rows["cli-q-work-local-dlq"] == ["dead", "letters", "of", "cli-q-work-local", "2", "0"]
    assert "broken failed on s3://cli-q-in/x.csv after 1 attempt(s)" in result.output


def test_a_function_s_send_to_its_queue_runs_the_next_function_before_send_returns() -> None:
    p = Pipeline(
        "relay",
        [
            S3("re-in", on=[S3.ALL_CREATED_OBJECTS])
            >> AWSLambda("forward", forward)
            >> SQS("hop")
            >> AWSLambda("from-messages", from_messages)
            >> S3("re-out")
        ],
    )
    with test(p) as h:
        h.client("s3").put_object(Bucket="re-in", Key="a.txt", Body=b"relay me")

        assert json.loads(body(h, "re-out", "a.txt.relayed")) == {"bucket": "re-in", "key": "a.txt"}
        (sent,) = h.invocations("forward")
        assert len(sent.result) == 1  # the message id send() returned
        (relayed,) = h.invocations("from-messages")
        assert relayed.event["Records"][0]["messageId"] == sent.result[0]


def test_s3_to_sns_to_sqs_to_copy_carries_the_s3_event_through_both() -> None:
    p = Pipeline(
        "layered",
        [
            S3("ly-in", on=[S3.ALL_CREATED_OBJECTS])
            >> SNS("news")
            >> SQS("inbox")
            >> CopyS3Lambda()
            >> S3("ly-out")
        ],
    )
    with test(p) as h:
        h.client("s3").put_object(Bucket="ly-in", Key="deep/x.bin", Body=b"\x00\x01")

        assert body(h, "ly-out", "deep/x.bin") == b"\x00\x01"
        (ran,) = [i for i in h.invocations("copy-s3") if i.keys]
        carried = json.loads(ran.event["Records"][-1]["body"])  # raw delivery: S3's own event
        assert carried["Records"][0]["s3"]["object"]["key"] == "deep/x.bin"


def test_jaya_local_fire_runs_a_schedule_and_names_what_it_wrote(tmp_path: Path) -> None:
    pipeline_file = tmp_path / "nightly_pipe.py"
    pipeline_file.write_text(
        "import boto3\n"
        "from jaya_pulumi import S3, AWSLambda, Pipeline, Schedule\n"
        "from jaya_pulumi.runtime import destinations\n"
        "def report(event, context):\n"
        "    for d in destinations():\n"
        "        boto3.client('s3').put_object(Bucket=d.bucket, Key='report.txt', Body=b'ok')\n"
        "p = Schedule('cron(0 2 * * ? *)', name='nightly') >> AWSLambda('report', report)"
        " >> S3('cli-sched-out')\n"
        "piper = Pipeline('cli-sched', [p])\n"
    )

    result = CliRunner().invoke(main, ["local", str(pipeline_file), "--fire", "nightly"])
    unknown = CliRunner().invoke(main, ["local", str(pipeline_file), "--fire", "hourly"])

    assert result.exit_code == 0, result.output
    assert any(
        "s3://cli-sched-out/report.txt" in line and "written by report" in line
        for line in result.output.splitlines()
    ), result.output
    assert unknown.exit_code == 2
    assert "No schedule matches 'hourly'" in unknown.output
    assert "cli-sched-nightly-local (cron(0 2 * * ? *))" in unknown.output


def test_send_to_a_queue_the_function_only_reads_is_denied_naming_the_grant() -> None:
    p = Pipeline(
        "echo",
        [
            S3("ec-in", on=[S3.ALL_CREATED_OBJECTS])
            >> SQS("loop", max_receive_count=1)
            >> AWSLambda("echo-back", echo_back)
            >> S3("ec-out")
        ],
    )
    with test(p, raise_failures=False) as h:
        h.client("s3").put_object(Bucket="ec-in", Key="a.txt", Body=b"x")

        # (the s3:TestEvent, alone or in the same batch, may fail the same way: not counted)
        (tried,) = [i for i in h.invocations("echo-back") if not i.ok and i.keys]
        assert type(tried.error).__name__ == "AccessDeniedError"
        assert "needs sqs:SendMessage on arn:aws:sqs:us-east-1:123456789012:echo-loop-local" in str(
            tried.error
        )
        depth = {q["name"]: q["waiting"] for q in h.queues()}
        assert depth["echo-loop-local"] == 0 and depth["echo-loop-local-dlq"] >= 1


def test_jaya_local_says_which_invocations_reported_failed_messages(tmp_path: Path) -> None:
    pipeline_file = tmp_path / "partial_pipe.py"
    pipeline_file.write_text(
        "from jaya_pulumi import S3, SQS, AWSLambda, Pipeline\n"
        "from jaya_pulumi.runtime import partial_batch, s3_objects\n"
        "@partial_batch\n"
        "def picky(event, context):\n"
        "    if any('bad' in o.key for o in s3_objects(event)):\n"
        "        raise ValueError('bad key')\n"
        "p = S3('cli-pb-in', on=[S3.ALL_CREATED_OBJECTS]) >> SQS('work', max_receive_count=1)"
        " >> AWSLambda('picky', picky) >> S3('cli-pb-out')\n"
        "piper = Pipeline('cli-pb', [p])\n"
    )
    data = tmp_path / "bad.txt"
    data.write_text("x")

    result = CliRunner().invoke(
        main, ["local", str(pipeline_file), "--put", f"cli-pb-in/bad.txt={data}"]
    )

    assert result.exit_code == 1, result.output
    (row,) = [
        line
        for line in result.output.splitlines()
        if line.split()[:2] == ["picky", "s3://cli-pb-in/bad.txt"]
    ]
    assert re.search(r"ok, 1 of [12] messages failed", row), row


def test_s3_through_eventbridge_to_a_queue_runs_the_function_behind_it() -> None:
    p = Pipeline(
        "bridged-queue",
        [
            S3("ebq-in", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="in/")], via="eventbridge")
            >> SQS("inbox")
            >> CopyS3Lambda()
            >> S3("ebq-out")
        ],
    )
    with test(p) as h:
        h.client("s3").put_object(Bucket="ebq-in", Key="in/a b.csv", Body=b"1")
        h.client("s3").put_object(Bucket="ebq-in", Key="other/c.csv", Body=b"2")

        assert keys(h, "ebq-out") == ["a b.csv"]  # the trigger prefix is stripped, as from S3
        (ran,) = h.invocations("copy-s3")
        assert json.loads(ran.event["Records"][0]["body"])["detail-type"] == "Object Created"
