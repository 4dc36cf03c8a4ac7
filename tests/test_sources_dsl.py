"""Queues, topics, schedules and S3 via EventBridge: the edges they allow and what they refuse."""

from __future__ import annotations

import pytest

from jaya_pulumi import (
    S3,
    SNS,
    SQS,
    AWSLambda,
    CopyS3Lambda,
    Pipeline,
    PipelineDefinitionError,
    Schedule,
)
from jaya_pulumi.dsl import ALLOWED_EDGES, eventbridge_pattern


def handler(event: object, context: object) -> None:
    """A do-nothing handler for graph tests."""


def created(bucket: str, prefix: str | None = None, **kwargs: object) -> S3:
    return S3(bucket, on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix=prefix)], **kwargs)  # type: ignore[arg-type]


def test_queue_between_bucket_and_function_is_the_functions_source() -> None:
    queue = SQS("incoming")
    copy = CopyS3Lambda({})
    pipeline = Pipeline("queued", [created("raw-bucket") >> queue >> copy >> S3("out-bucket")])
    assert pipeline.queue_of(copy) is queue
    assert pipeline.consumer_of(queue) is copy
    (trigger,) = pipeline.buckets[0].triggers
    assert trigger.target is queue
    assert [t.source.bucket_name for t in pipeline.s3_triggers_of(copy)] == ["raw-bucket"]
    assert pipeline.triggers_of(copy) == []  # not invoked by S3 directly


def test_visibility_timeout_defaults_to_six_times_the_readers_timeout() -> None:
    queue = SQS("incoming", max_batching_window=5)
    fn = AWSLambda("f", handler, timeout=60)
    pipeline = Pipeline("vis", [created("raw-bucket") >> queue >> fn])
    assert pipeline.visibility_timeout_of(queue) == 6 * 60 + 5


def test_visibility_timeout_below_six_times_the_readers_timeout_is_refused() -> None:
    queue = SQS("incoming", visibility_timeout=100)
    with pytest.raises(PipelineDefinitionError) as err:
        Pipeline("vis", [created("raw-bucket") >> queue >> AWSLambda("f", handler, timeout=60)])
    message = str(err.value)
    assert "SQS('incoming') has visibility_timeout=100" in message
    assert "visibility_timeout=360 or more" in message


def test_a_queue_with_two_readers_is_refused_and_points_at_a_topic() -> None:
    queue = SQS("incoming")
    with pytest.raises(PipelineDefinitionError, match="fan out with a topic: SNS"):
        Pipeline(
            "two",
            [created("raw-bucket") >> queue >> [AWSLambda("f", handler), AWSLambda("g", handler)]],
        )


def test_batch_size_over_ten_needs_a_batching_window() -> None:
    with pytest.raises(PipelineDefinitionError, match="needs max_batching_window of at least 1"):
        SQS("big", batch_size=100)
    assert SQS("big", batch_size=100, max_batching_window=1).batch_size == 100
    with pytest.raises(PipelineDefinitionError, match="batch_size of SQS"):
        SQS("zero", batch_size=0)


def test_topic_fans_out_to_functions_and_queues() -> None:
    topic = SNS("fan-out")
    f, g, q = AWSLambda("f", handler), AWSLambda("g", handler), SQS("buffer")
    h = AWSLambda("h", handler)
    pipeline = Pipeline("fan", [created("raw-bucket") >> topic >> [f, g, q >> h]])
    assert pipeline.topics_feeding(f) == [topic]
    assert pipeline.topics_feeding(q) == [topic]
    assert [fn.name for fn in pipeline.functions_reached(topic)] == ["f", "g", "h"]


def test_function_writes_to_queues_and_topics() -> None:
    q, t = SQS("out-queue"), SNS("alerts")
    fn = AWSLambda("f", handler)
    pipeline = Pipeline("writes", [created("raw-bucket") >> fn >> [q, t]])
    assert pipeline.queues_written_by(fn) == [q]
    assert pipeline.topics_written_by(fn) == [t]


@pytest.mark.parametrize(
    "expression",
    ["rate(1 hour)", "rate(5 minutes)", "rate(2 days)", "cron(0 12 * * ? *)",
     "cron(15 10 ? * MON-FRI *)", "cron(0/15 * * * ? *)", "cron(0 8 L * ? 2027)"],
)  # fmt: skip
def test_valid_schedule_expressions_are_accepted(expression: str) -> None:
    assert Schedule(expression).expression == expression


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("every hour", "is not a schedule expression EventBridge accepts"),
        ("rate(1 hours)", r"write rate\(1 hour\)"),
        ("rate(5 minute)", r"write rate\(5 minutes\)"),
        ("rate(0 minutes)", "at least 1"),
        ("cron(0 12 * * *)", "six fields"),
        ("cron(0 12 * * MON *)", "exactly one of day-of-month and day-of-week"),
        ("cron(61 12 * * ? *)", "minutes field '61' is invalid"),
        ("cron(0 12 * FOO ? *)", "month field 'FOO'"),
    ],
)
def test_bad_schedule_expressions_are_refused_at_graph_build(expression: str, says: str) -> None:
    with pytest.raises(PipelineDefinitionError, match=says):
        Schedule(expression)


def test_schedule_feeds_a_function_and_unnamed_schedules_are_numbered() -> None:
    a, b = Schedule("rate(1 hour)"), Schedule("rate(1 day)")
    f, g = AWSLambda("f", handler), AWSLambda("g", handler)
    pipeline = Pipeline("nightly", [a >> f >> S3("out-bucket"), b >> g])
    assert [s.name for s in pipeline.schedules] == ["schedule", "schedule-2"]
    assert pipeline.schedules_of(f) == [a]
    with pytest.raises(PipelineDefinitionError, match="is not a supported edge"):
        Schedule("rate(1 hour)") >> SQS("q")


def test_overlapping_filters_are_refused_on_the_notification_and_name_the_ways_out() -> None:
    bucket = S3("shared-bucket", on=[S3.ALL_CREATED_OBJECTS])
    with pytest.raises(PipelineDefinitionError) as err:
        Pipeline("overlap", [bucket >> [AWSLambda("f", handler), AWSLambda("g", handler)]])
    message = str(err.value)
    assert "ambiguously defined" in message
    assert "via='eventbridge'" in message and "SNS('fan-out')" in message


def test_overlapping_filters_are_accepted_via_eventbridge() -> None:
    bucket = S3("shared-bucket", on=[S3.ALL_CREATED_OBJECTS], via="eventbridge")
    narrow = S3(
        "shared-bucket", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="in/")], via="eventbridge"
    )
    f, g = AWSLambda("f", handler), AWSLambda("g", handler)
    pipeline = Pipeline("overlap", [bucket >> f, narrow >> g])
    (group,) = pipeline.buckets
    assert group.eventbridge
    assert [t.target.key for t in group.triggers] == ["f", "g"]
    assert group.notification_triggers == ()


def test_eventbridge_refuses_topics_and_events_it_cannot_route() -> None:
    with pytest.raises(PipelineDefinitionError, match="EventBridge rules to functions and queues"):
        Pipeline("eb", [created("raw-bucket", via="eventbridge") >> SNS("t")])
    with pytest.raises(PipelineDefinitionError, match="does not send to EventBridge"):
        S3("raw-bucket", on=["s3:ReducedRedundancyLostObject"], via="eventbridge")
    with pytest.raises(PipelineDefinitionError, match="via='sqs' of S3"):
        S3("raw-bucket", via="sqs")


def test_eventbridge_pattern_matches_bucket_type_and_key_filters() -> None:
    event = S3.event(S3.ALL_CREATED_OBJECTS, prefix="in/", suffix=".csv")
    assert eventbridge_pattern("raw-bucket", event) == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": ["raw-bucket"]},
            "object": {"key": [{"wildcard": "in/*.csv"}]},
        },
    }
    put = S3.event("s3:ObjectCreated:Put", prefix="in/")
    assert eventbridge_pattern("b-1", put)["detail"] == {
        "bucket": {"name": ["b-1"]},
        "reason": ["PutObject"],
        "object": {"key": [{"prefix": "in/"}]},
    }


def test_unsupported_edge_message_lists_every_new_edge() -> None:
    with pytest.raises(PipelineDefinitionError) as err:
        SQS("a") >> SQS("b")
    message = str(err.value)
    for source, target, _ in ALLOWED_EDGES:
        assert f"  {source} >> {target}: " in message
    for pair in ("S3 >> SQS", "S3 >> SNS", "SNS >> SQS", "SNS >> AWSLambda", "SQS >> AWSLambda",
                 "Schedule >> AWSLambda", "AWSLambda >> SQS", "AWSLambda >> SNS"):  # fmt: skip
        assert pair in message


def test_a_function_fed_only_by_a_queue_counts_as_triggered() -> None:
    pipeline = Pipeline("ok", [SQS("work") >> AWSLambda("f", handler)])
    assert pipeline.functions[0].name == "f"


def test_recursion_through_a_queue_is_refused() -> None:
    with pytest.raises(PipelineDefinitionError, match="on its own output") as err:
        Pipeline(
            "rec",
            [created("raw-bucket") >> SQS("q") >> CopyS3Lambda({}) >> S3("raw-bucket")],
        )
    assert "via SQS('q')" in str(err.value)


def test_queue_and_topic_names_are_checked() -> None:
    with pytest.raises(PipelineDefinitionError, match="may contain only letters"):
        SQS("bad name")
    with pytest.raises(PipelineDefinitionError, match="stack name is added for you"):
        SNS("t-{stack}")
    with pytest.raises(PipelineDefinitionError, match="Two queues in pipeline 'dup'"):
        Pipeline("dup", [SQS("q") >> AWSLambda("f", handler), SQS("q") >> AWSLambda("g", handler)])


def test_cross_region_queue_reader_is_refused() -> None:
    with pytest.raises(PipelineDefinitionError, match="joined within one region"):
        Pipeline("xr", [SQS("q", region_name="us-east-1") >> AWSLambda("f", handler, "eu-west-1")])


def test_a_schedule_feeding_two_functions_is_one_rule_and_a_lone_one_is_refused() -> None:
    tick = Schedule("rate(1 hour)")
    f, g = AWSLambda("f", handler), AWSLambda("g", handler)
    pipeline = Pipeline("two", [tick >> [f, g]])
    assert pipeline.functions_of(tick) == [f, g]
    with pytest.raises(PipelineDefinitionError, match="invokes nothing"):
        Pipeline("lone", [Schedule("rate(1 hour)"), SQS("q") >> AWSLambda("h", handler)])
    with pytest.raises(PipelineDefinitionError, match="Use one schedule per region"):
        Pipeline(
            "regions",
            [
                Schedule("rate(1 hour)")
                >> [AWSLambda("f", handler, "us-east-1"), AWSLambda("g", handler, "eu-west-1")]
            ],
        )


def test_a_function_may_read_two_queues() -> None:
    a, b, f = SQS("a"), SQS("b"), AWSLambda("f", handler)
    pipeline = Pipeline("fan-in", [[a, b] >> f])
    assert pipeline.queues_feeding(f) == [a, b]


def test_a_queue_or_topic_joined_to_nothing_is_refused() -> None:
    with pytest.raises(PipelineDefinitionError, match=r"SQS\('idle'\) is joined to nothing"):
        Pipeline("idle", [SQS("idle"), SQS("q") >> AWSLambda("f", handler)])
    with pytest.raises(PipelineDefinitionError, match=r"SNS\('idle'\) is joined to nothing"):
        Pipeline("idle", [SNS("idle"), SQS("q") >> AWSLambda("f", handler)])
    # Fed from outside, or read from outside: a reader or a writer is enough.
    assert Pipeline("out", [AWSLambda("f", handler, invoked_by="external") >> SQS("outbox")])
