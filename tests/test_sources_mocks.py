"""JayaMocks answers every type the sources create with the ids and outputs AWS computes."""

from __future__ import annotations

import re

import pytest
from handlers_for_tests import do_nothing

from jaya_pulumi import S3, SNS, SQS, AWSLambda, Pipeline, Schedule
from jaya_pulumi.testing import DEFAULT_ACCOUNT, Synthesis, synth

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture(scope="module")
def s() -> Synthesis:
    pipeline = Pipeline(
        "mocked",
        [
            S3("mocked-src", on=[S3.ALL_CREATED_OBJECTS])
            >> SNS("news")
            >> SQS("work")
            >> AWSLambda("worker", do_nothing),
            Schedule("rate(5 minutes)", name="tick") >> AWSLambda("ticker", do_nothing),
        ],
    )
    return synth(pipeline, stack="dev", config={"aws:region": "eu-west-1"})


def test_topics_keys_and_subscriptions_have_arns_of_their_region_and_account(s: Synthesis) -> None:
    topic = s.get("aws:sns/topic:Topic")
    assert (
        topic.id == topic.state["arn"] == f"arn:aws:sns:eu-west-1:{DEFAULT_ACCOUNT}:mocked-news-dev"
    )
    assert topic.state["name"] == "mocked-news-dev"
    key = s.get("aws:kms/key:Key")
    assert re.fullmatch(UUID, key.state["keyId"])
    assert key.state["arn"] == f"arn:aws:kms:eu-west-1:{DEFAULT_ACCOUNT}:key/{key.state['keyId']}"
    (subscription,) = s.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert re.fullmatch(re.escape(topic.state["arn"]) + ":" + UUID, subscription.state["arn"])
    assert s.get("aws:sns/topicPolicy:TopicPolicy").id == topic.state["arn"]


def test_queues_mappings_and_rules_have_what_aws_returns(s: Synthesis) -> None:
    queue = s.get("aws:sqs/queue:Queue", "mocked-queue-work")
    assert (
        queue.state["url"]
        == f"https://sqs.eu-west-1.amazonaws.com/{DEFAULT_ACCOUNT}/mocked-work-dev"
    )
    assert s.get("aws:sqs/queuePolicy:QueuePolicy").id == queue.state["url"]
    mapping = s.get("aws:lambda/eventSourceMapping:EventSourceMapping")
    assert re.fullmatch(UUID, mapping.state["uuid"]) and mapping.id == mapping.state["uuid"]
    assert mapping.state["arn"].startswith(
        f"arn:aws:lambda:eu-west-1:{DEFAULT_ACCOUNT}:event-source-mapping:"
    )
    assert mapping.state["state"] == "Enabled"
    rule = s.get("aws:cloudwatch/eventRule:EventRule")
    assert rule.state["arn"] == f"arn:aws:events:eu-west-1:{DEFAULT_ACCOUNT}:rule/mocked-tick-dev"
    target = s.get("aws:cloudwatch/eventTarget:EventTarget")
    assert target.id == "mocked-tick-dev-ticker"
