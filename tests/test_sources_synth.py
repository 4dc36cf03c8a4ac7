"""Queues, topics, schedules and EventBridge routes under ``synth``: policies, grants and wiring."""

from __future__ import annotations

import json
from typing import Any

import pytest
from handlers_for_tests import do_nothing

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
from jaya_pulumi.testing import DEFAULT_ACCOUNT, Synthesis, synth

QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
KEY = "aws:kms/key:Key"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
PERMISSION = "aws:lambda/permission:Permission"
NOTIFICATION = "aws:s3/bucketNotification:BucketNotification"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
FUNCTION = "aws:lambda/function:Function"
ALIAS = "aws:lambda/alias:Alias"

SRC_ARN = "arn:aws:s3:::src-bucket"


def statements(s: Synthesis, function_component: str) -> list[dict[str, Any]]:
    policy = s.get(ROLE_POLICY, f"{function_component}-policy")
    return json.loads(policy.inputs["policy"])["Statement"]  # type: ignore[no-any-return]


def s_names(s: Synthesis, type_: str) -> list[str]:
    return [r.name for r in s.of_type(type_)]


def grants(s: Synthesis, function_component: str, prefix: str) -> list[tuple[str, list[str]]]:
    """Every (action, resources) of the role whose action starts with ``prefix``."""
    return [
        (action, st["Resource"])
        for st in statements(s, function_component)
        for action in st["Action"]
        if action.startswith(prefix)
    ]


@pytest.fixture(scope="module")
def queued() -> Synthesis:
    pipeline = Pipeline(
        "queued",
        [
            S3("src-bucket", on=[S3.ALL_CREATED_OBJECTS])
            >> SQS("incoming", batch_size=50, max_batching_window=5)
            >> CopyS3Lambda({})
            >> S3("dst-bucket")
        ],
    )
    return synth(pipeline, stack="staging")


def test_queue_policy_lets_in_only_the_bucket_of_this_account(queued: Synthesis) -> None:
    policy = queued.get(QUEUE_POLICY)
    queue = queued.get(QUEUE, "queued-queue-incoming")
    assert policy.inputs["queueUrl"] == queue.state["url"]
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == queue.state["arn"]
    assert statement["Condition"] == {
        "ArnEquals": {"aws:SourceArn": SRC_ARN},
        "StringEquals": {"aws:SourceAccount": DEFAULT_ACCOUNT},
    }


def test_bucket_notification_sends_to_the_queue_after_its_policy(queued: Synthesis) -> None:
    notification = queued.get(NOTIFICATION, "src-bucket-notification")
    queue = queued.get(QUEUE, "queued-queue-incoming")
    (entry,) = notification.inputs["queues"]
    assert entry["queueArn"] == queue.state["arn"]
    assert entry["events"] == ["s3:ObjectCreated:*"]
    assert "lambdaFunctions" not in notification.inputs
    assert queued.get(QUEUE_POLICY).urn in notification.depends_on


def test_an_event_source_mapping_reads_the_queue_with_partial_batch_responses(
    queued: Synthesis,
) -> None:
    mapping = queued.get(MAPPING)
    assert (
        mapping.inputs["eventSourceArn"] == queued.get(QUEUE, "queued-queue-incoming").state["arn"]
    )
    assert mapping.inputs["functionName"] == queued.get(ALIAS).state["arn"]
    assert mapping.inputs["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping.inputs["batchSize"] == 50
    assert mapping.inputs["maximumBatchingWindowInSeconds"] == 5
    # Lambda checks the role may receive when the mapping is created.
    assert queued.get(ROLE_POLICY).urn in mapping.depends_on


def test_the_roles_sqs_grants_name_that_queue_only(queued: Synthesis) -> None:
    queue_arn = queued.get(QUEUE, "queued-queue-incoming").state["arn"]
    failed_arn = queued.get(QUEUE, "queued-copy-s3-failed").state["arn"]
    assert sorted(grants(queued, "queued-copy-s3", "sqs:")) == sorted(
        [
            ("sqs:SendMessage", [failed_arn]),  # the function's own failure queue
            ("sqs:ReceiveMessage", [queue_arn]),
            ("sqs:DeleteMessage", [queue_arn]),
            ("sqs:GetQueueAttributes", [queue_arn]),
        ]
    )
    # It still reads the objects the queued events name, and writes its destination.
    assert ("s3:GetObject", [f"{SRC_ARN}/*"]) in grants(queued, "queued-copy-s3", "s3:")
    variables = queued.get(FUNCTION).inputs["environment"]["variables"]
    assert json.loads(variables["JAYA_SOURCES"]) == [{"bucket": "src-bucket", "prefix": ""}]


def test_queue_is_encrypted_with_its_own_dead_letter_queue(queued: Synthesis) -> None:
    queue = queued.get(QUEUE, "queued-queue-incoming")
    dlq = queued.get(QUEUE, "queued-queue-incoming-dlq")
    assert queue.inputs["name"] == "queued-incoming-staging"
    assert dlq.inputs["name"] == "queued-incoming-staging-dlq"
    assert queue.inputs["sqsManagedSseEnabled"] is True
    assert dlq.inputs["sqsManagedSseEnabled"] is True
    assert json.loads(queue.inputs["redrivePolicy"]) == {
        "deadLetterTargetArn": dlq.state["arn"],
        "maxReceiveCount": 3,
    }
    # Six times CopyS3Lambda's 300 s timeout, plus the 5 s batching window.
    assert queue.inputs["visibilityTimeoutSeconds"] == 6 * 300 + 5
    allow = json.loads(
        queued.get("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy").inputs["redriveAllowPolicy"]
    )
    assert allow == {"redrivePermission": "byQueue", "sourceQueueArns": [queue.state["arn"]]}
    alarm = queued.get("aws:cloudwatch/metricAlarm:MetricAlarm", "queued-queue-incoming-dlq-alarm")
    assert alarm.inputs["dimensions"] == {"QueueName": "queued-incoming-staging-dlq"}
    assert alarm.inputs["threshold"] == 0


def test_queue_outputs_name_the_dead_letter_queue(queued: Synthesis) -> None:
    out = queued.outputs["queued"]["queues"]["incoming"]
    assert out["url"].endswith("/queued-incoming-staging")
    assert out["dead_letter_url"].endswith("/queued-incoming-staging-dlq")


@pytest.fixture(scope="module")
def fan_out() -> Synthesis:
    topic = SNS("new-objects")
    pipeline = Pipeline(
        "fan",
        [
            S3("src-bucket", on=[S3.ALL_CREATED_OBJECTS])
            >> topic
            >> [
                CopyS3Lambda({}, name="copy-a") >> S3("out-a"),
                SQS("buffer") >> CopyS3Lambda({}, name="copy-b") >> S3("out-b"),
            ],
            S3("out-b", on=[S3.ALL_CREATED_OBJECTS])
            >> AWSLambda("notify", do_nothing)
            >> [SNS("alerts"), SQS("outbox")],
        ],
    )
    return synth(pipeline, stack="staging")


def test_topic_is_encrypted_with_a_key_s3_may_use_for_this_bucket_only(fan_out: Synthesis) -> None:
    topic = fan_out.get(TOPIC, "fan-topic-new-objects")
    key = fan_out.get(KEY, "fan-topic-new-objects-key")
    assert topic.inputs["kmsMasterKeyId"] == key.state["arn"]
    assert key.inputs["enableKeyRotation"] is True
    service = [
        st for st in json.loads(key.inputs["policy"])["Statement"] if "Service" in st["Principal"]
    ]
    (statement,) = service
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Condition"]["ArnEquals"] == {"aws:SourceArn": SRC_ARN}


def test_topic_policy_lets_in_only_the_bucket(fan_out: Synthesis) -> None:
    topic = fan_out.get(TOPIC, "fan-topic-new-objects")
    policy = fan_out.get(TOPIC_POLICY)  # the alerts topic has no service source: no policy
    assert policy.inputs["arn"] == topic.state["arn"]
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Action"] == "sns:Publish"
    assert statement["Resource"] == topic.state["arn"]
    assert statement["Condition"] == {
        "ArnEquals": {"aws:SourceArn": SRC_ARN},
        "StringEquals": {"aws:SourceAccount": DEFAULT_ACCOUNT},
    }
    notification = fan_out.get(NOTIFICATION, "src-bucket-notification")
    assert [t["topicArn"] for t in notification.inputs["topics"]] == [topic.state["arn"]]
    assert policy.urn in notification.depends_on


def test_topic_subscribes_the_function_and_the_queue(fan_out: Synthesis) -> None:
    topic_arn = fan_out.get(TOPIC, "fan-topic-new-objects").state["arn"]
    subs = {s.inputs["protocol"]: s for s in fan_out.find(SUBSCRIPTION, topic=topic_arn)}
    assert set(subs) == {"lambda", "sqs"}
    copy_a_alias = fan_out.get(ALIAS, "fan-copy-a-alias").state["arn"]
    assert subs["lambda"].inputs["endpoint"] == copy_a_alias
    assert subs["sqs"].inputs["endpoint"] == fan_out.get(QUEUE, "fan-queue-buffer").state["arn"]
    assert subs["sqs"].inputs["rawMessageDelivery"] is True
    assert "rawMessageDelivery" not in subs["lambda"].inputs
    permission = fan_out.get(PERMISSION, "fan-copy-a-allow-topic-new-objects")
    assert permission.inputs["principal"] == "sns.amazonaws.com"
    assert permission.inputs["sourceArn"] == topic_arn
    assert permission.inputs["function"] == copy_a_alias
    assert permission.urn in subs["lambda"].depends_on
    (statement,) = json.loads(
        fan_out.get(QUEUE_POLICY, "fan-queue-buffer-policy").inputs["policy"]
    )["Statement"]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Condition"]["ArnEquals"] == {"aws:SourceArn": topic_arn}


def test_a_function_may_send_and_publish_to_its_destinations_only(fan_out: Synthesis) -> None:
    alerts = fan_out.get(TOPIC, "fan-topic-alerts")
    outbox = fan_out.get(QUEUE, "fan-queue-outbox")
    key = fan_out.get(KEY, "fan-topic-alerts-key")
    assert grants(fan_out, "fan-notify", "sns:") == [("sns:Publish", [alerts.state["arn"]])]
    sends = [r for a, r in grants(fan_out, "fan-notify", "sqs:") if a == "sqs:SendMessage"]
    assert [outbox.state["arn"]] in sends
    assert ("kms:GenerateDataKey", [key.state["arn"]]) in grants(fan_out, "fan-notify", "kms:")
    variables = fan_out.get(FUNCTION, "fan-notify").inputs["environment"]["variables"]
    assert json.loads(variables["JAYA_DESTINATIONS"]) == [
        {
            "type": "sqs",
            "name": "outbox",
            "url": outbox.state["url"],
            "arn": outbox.state["arn"],
        },
        {"type": "sns", "name": "alerts", "arn": alerts.state["arn"]},
    ]
    # A queue only functions write to needs no resource policy: IAM grants the writer.
    assert s_names(fan_out, QUEUE_POLICY) == ["fan-queue-buffer-policy"]
    # A function that writes to no queue or topic gets no such grant.
    assert grants(fan_out, "fan-copy-a", "sns:") == []


def test_a_schedule_is_a_rule_whose_permission_names_that_rule() -> None:
    pipeline = Pipeline(
        "nightly",
        [
            Schedule("cron(0 2 * * ? *)", name="two-am")
            >> AWSLambda("report", do_nothing)
            >> S3("reports")
        ],
    )
    s = synth(pipeline, stack="staging")
    rule = s.get(RULE)
    assert rule.inputs["scheduleExpression"] == "cron(0 2 * * ? *)"
    assert rule.inputs["name"] == "nightly-two-am-staging"
    target = s.get(TARGET)
    alias_arn = s.get(ALIAS).state["arn"]
    assert target.inputs["arn"] == alias_arn
    permission = s.get(PERMISSION)
    assert permission.inputs["principal"] == "events.amazonaws.com"
    assert permission.inputs["sourceArn"] == rule.state["arn"]
    assert permission.inputs["sourceAccount"] == DEFAULT_ACCOUNT
    assert permission.urn in target.depends_on


def test_schedule_every_hour_is_refused_before_anything_is_built() -> None:
    with pytest.raises(PipelineDefinitionError, match="is not a schedule expression EventBridge"):
        Schedule("every hour") >> AWSLambda("f", do_nothing)


def test_overlapping_filters_via_eventbridge_become_one_rule_each() -> None:
    wide = S3("shared-bucket", on=[S3.ALL_CREATED_OBJECTS], via="eventbridge")
    narrow = S3(
        "shared-bucket", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="in/")], via="eventbridge"
    )
    pipeline = Pipeline(
        "routes",
        [
            wide >> AWSLambda("f", do_nothing),
            narrow >> AWSLambda("g", do_nothing),
            narrow >> SQS("later") >> AWSLambda("h", do_nothing),
        ],
    )
    s = synth(pipeline, stack="staging")
    notification = s.get(NOTIFICATION)
    assert notification.inputs["eventbridge"] is True
    assert "lambdaFunctions" not in notification.inputs
    patterns = {r.name: json.loads(r.inputs["eventPattern"]) for r in s.of_type(RULE)}
    assert patterns["shared-bucket-rule-f-1"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": ["shared-bucket"]}},
    }
    assert patterns["shared-bucket-rule-g-2"]["detail"]["object"] == {"key": [{"prefix": "in/"}]}
    # Functions are invoked with a permission scoped to their rule.
    rule_f = s.get(RULE, "shared-bucket-rule-f-1")
    permission = s.get(PERMISSION, "shared-bucket-rule-f-1-allow")
    assert permission.inputs["sourceArn"] == rule_f.state["arn"]
    assert permission.inputs["principal"] == "events.amazonaws.com"
    # The queue lets in exactly its rule.
    rule_q = s.get(RULE, "shared-bucket-rule-later-3")
    (statement,) = json.loads(s.get(QUEUE_POLICY).inputs["policy"])["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"]["ArnEquals"] == {"aws:SourceArn": rule_q.state["arn"]}
    (to_queue,) = s.find(TARGET, rule="routes-shared-bucket-later-3-staging")
    assert to_queue.inputs["arn"] == s.get(QUEUE, "routes-queue-later").state["arn"]
    assert s.get(QUEUE_POLICY).urn in to_queue.depends_on


def test_previews_group_queue_topic_schedule_and_rule_resources_with_their_node() -> None:
    from pulumi.automation.events import EngineEvent, OpType, ResourcePreEvent, StepEventMetadata

    from jaya_pulumi.automation import NodeEvents

    pipeline = Pipeline(
        "grouped",
        [
            S3("grouped-src", on=[S3.ALL_CREATED_OBJECTS], via="eventbridge")
            >> SQS("work")
            >> AWSLambda("worker", do_nothing)
            >> SNS("done"),
            Schedule("rate(1 hour)", name="hourly") >> AWSLambda("ticker", do_nothing),
        ],
    )
    s = synth(pipeline, stack="staging")
    events = NodeEvents(pipeline)
    for r in s.resources:
        meta = StepEventMetadata(op=OpType.CREATE, urn=r.urn, type=r.type, provider="")
        events.handle(EngineEvent(1, 0, resource_pre_event=ResourcePreEvent(meta)))
    groups = {g.label: {(r.type, r.name) for r in g.resources} for g in events.nodes}
    assert (QUEUE, "grouped-queue-work-dlq") in groups["SQS('work')"]
    assert (QUEUE_POLICY, "grouped-queue-work-policy") in groups["SQS('work')"]
    assert (KEY, "grouped-topic-done-key") in groups["SNS('done')"]
    assert (RULE, "grouped-schedule-hourly") in groups["Schedule('rate(1 hour)', name='hourly')"]
    assert (PERMISSION, "grouped-schedule-hourly-allow-ticker") in groups[
        "Schedule('rate(1 hour)', name='hourly')"
    ]
    # The bucket's EventBridge rule and its target group with the bucket.
    assert (RULE, "grouped-src-rule-work-1") in groups["S3('grouped-src')"]
    assert (TARGET, "grouped-src-rule-work-1-target") in groups["S3('grouped-src')"]
    # Nothing of a queue, topic or rule is left to the pipeline's own group.
    leftovers = {t for t, _ in groups["Pipeline('grouped')"]}
    assert not leftovers & {QUEUE, QUEUE_POLICY, TOPIC, KEY, RULE, TARGET}


def test_one_schedule_invokes_two_functions_with_a_target_and_permission_each() -> None:
    pipeline = Pipeline(
        "both",
        [Schedule("rate(1 hour)") >> [AWSLambda("f", do_nothing), AWSLambda("g", do_nothing)]],
    )
    s = synth(pipeline, stack="staging")
    (rule,) = s.of_type(RULE)
    targets = {t.inputs["targetId"]: t.inputs["arn"] for t in s.of_type(TARGET)}
    aliases = {a.name: a.state["arn"] for a in s.of_type(ALIAS)}
    assert targets == {"f": aliases["both-f-alias"], "g": aliases["both-g-alias"]}
    assert {p.inputs["sourceArn"] for p in s.of_type(PERMISSION)} == {rule.state["arn"]}


def test_a_function_reading_two_queues_maps_and_reads_each() -> None:
    pipeline = Pipeline("fan-in", [[SQS("a"), SQS("b")] >> AWSLambda("f", do_nothing)])
    s = synth(pipeline, stack="staging")
    arns = {q.name: q.state["arn"] for q in s.of_type(QUEUE)}
    mapped = sorted(m.inputs["eventSourceArn"] for m in s.of_type(MAPPING))
    assert mapped == sorted([arns["fan-in-queue-a"], arns["fan-in-queue-b"]])
    received = sorted(r[0] for a, r in grants(s, "fan-in-f", "sqs:") if a == "sqs:ReceiveMessage")
    assert received == mapped


def test_long_queue_and_rule_names_are_shortened_within_aws_limits_and_stay_distinct() -> None:
    long_a, long_b = "a" * 70 + "-one", "a" * 70 + "-two"
    pipeline = Pipeline(
        "long-names",
        [
            SQS(long_a) >> AWSLambda("f", do_nothing),
            SQS(long_b) >> AWSLambda("g", do_nothing),
            Schedule("rate(1 hour)", name="b" * 70) >> AWSLambda("h", do_nothing),
        ],
    )
    s = synth(pipeline, stack="production")
    names = [q.inputs["name"] for q in s.of_type(QUEUE) if "-failed" not in q.inputs["name"]]
    assert len(names) == 4 and len(set(names)) == 4
    assert all(len(n) <= 80 for n in names)
    queues = [n for n in names if not n.endswith("-dlq")]
    assert len(queues) == 2
    assert sorted(names) == sorted([*queues, *(f"{q}-dlq" for q in queues)])
    (rule,) = s.of_type(RULE)
    assert len(rule.inputs["name"]) <= 64


def test_queues_and_topics_outside_the_stacks_region_get_its_provider() -> None:
    pipeline = Pipeline(
        "eu",
        [
            S3("eu-src-bucket", "eu-west-1", on=[S3.ALL_CREATED_OBJECTS])
            >> SNS("eu-news", region_name="eu-west-1")
            >> SQS("eu-work", region_name="eu-west-1")
            >> AWSLambda("eu-worker", do_nothing, "eu-west-1")
        ],
    )
    s = synth(pipeline, stack="staging", config={"aws:region": "us-east-1"})
    assert s.get(TOPIC).state["arn"].startswith("arn:aws:sns:eu-west-1:")
    assert s.get(QUEUE, "eu-queue-eu-work").state["arn"].startswith("arn:aws:sqs:eu-west-1:")
    assert s.get(KEY).state["arn"].startswith("arn:aws:kms:eu-west-1:")
