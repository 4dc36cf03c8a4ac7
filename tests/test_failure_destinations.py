"""Every function's failed events land in a queue: what synth registers, and what the DSL refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from handlers_for_tests import do_nothing

import jaya_pulumi.components  # noqa: F401  (imported before synth, as a deployed program has it)
from jaya_pulumi import S3, AWSLambda, CopyS3Lambda, Pipeline, PipelineDefinitionError
from jaya_pulumi.testing import DEFAULT_ACCOUNT, Synthesis, synth

QUEUE = "aws:sqs/queue:Queue"
INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def two_function_pipeline(**settings: Any) -> Pipeline:
    first = CopyS3Lambda({}, "us-east-1", name="first", **settings)
    second = AWSLambda("second", do_nothing, "us-east-1")
    return Pipeline(
        "fails",
        [
            S3("fails-in", "us-east-1", on=[S3.ALL_CREATED_OBJECTS]) >> first >> S3("fails-mid"),
            S3("fails-mid", on=[S3.ALL_CREATED_OBJECTS]) >> second,
        ],
    )


def send_grants(s: Synthesis) -> dict[str, list[Any]]:
    """``sqs:SendMessage`` resources per role policy."""
    grants: dict[str, list[Any]] = {}
    for policy in s.of_type(ROLE_POLICY):
        for statement in json.loads(policy.inputs["policy"])["Statement"]:
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            if "sqs:SendMessage" in actions or any(a in ("sqs:*", "*") for a in actions):
                grants.setdefault(policy.name, []).extend(statement["Resource"])
    return grants


@pytest.fixture(scope="module")
def created() -> Synthesis:
    return synth(two_function_pipeline(), stack="staging")


def test_each_function_has_one_invoke_config_to_a_queue_the_pipeline_creates(
    created: Synthesis,
) -> None:
    s = created
    s.resource_count_is(INVOKE_CONFIG, 2)
    s.resource_count_is(QUEUE, 2)
    queues = {q.inputs["name"]: q for q in s.of_type(QUEUE)}
    assert set(queues) == {"fails-first-staging-failed", "fails-second-staging-failed"}
    for queue in queues.values():
        assert queue.inputs["sqsManagedSseEnabled"] is True
        assert queue.inputs["messageRetentionSeconds"] == 14 * 24 * 3600
    for fn in ("first", "second"):
        config = s.get(INVOKE_CONFIG, f"fails-{fn}-invoke-config")
        queue = queues[f"fails-{fn}-staging-failed"]
        assert config.inputs["functionName"] == f"fails-{fn}-staging"
        assert config.inputs["qualifier"] == "staging"
        assert config.inputs["maximumRetryAttempts"] == 2
        assert config.inputs["maximumEventAgeInSeconds"] == 21600
        assert config.inputs["destinationConfig"] == {
            "onFailure": {"destination": queue.state["arn"]}
        }
        assert queue.state["arn"] == (
            f"arn:aws:sqs:us-east-1:{DEFAULT_ACCOUNT}:fails-{fn}-staging-failed"
        )
        policy = s.get(ROLE_POLICY, f"fails-{fn}-policy")
        assert policy.urn in config.depends_on


def test_the_only_send_grant_of_each_role_is_its_own_queue(created: Synthesis) -> None:
    grants = send_grants(created)
    assert grants == {
        f"fails-{fn}-policy": [f"arn:aws:sqs:us-east-1:{DEFAULT_ACCOUNT}:fails-{fn}-staging-failed"]
        for fn in ("first", "second")
    }


def test_queue_url_and_arn_are_exported(created: Synthesis) -> None:
    functions = created.outputs["fails"]["functions"]
    assert functions["first"]["failure_queue_arn"] == (
        f"arn:aws:sqs:us-east-1:{DEFAULT_ACCOUNT}:fails-first-staging-failed"
    )
    assert functions["first"]["failure_queue_url"] == (
        f"https://sqs.us-east-1.amazonaws.com/{DEFAULT_ACCOUNT}/fails-first-staging-failed"
    )


def test_an_alarm_watches_visible_messages_without_a_topic_by_default(created: Synthesis) -> None:
    alarm = created.get(ALARM, "fails-first-failed-alarm")
    assert alarm.inputs["namespace"] == "AWS/SQS"
    assert alarm.inputs["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm.inputs["dimensions"] == {"QueueName": "fails-first-staging-failed"}
    assert alarm.inputs["comparisonOperator"] == "GreaterThanThreshold"
    assert alarm.inputs["threshold"] == 0
    assert not alarm.inputs.get("alarmActions")


def test_settings_reach_the_invoke_config_and_the_alarm() -> None:
    topic = f"arn:aws:sns:us-east-1:{DEFAULT_ACCOUNT}:oncall"
    s = synth(two_function_pipeline(retries=0, max_event_age=60, alarm_topic=topic))
    config = s.get(INVOKE_CONFIG, "fails-first-invoke-config")
    assert config.inputs["maximumRetryAttempts"] == 0
    assert config.inputs["maximumEventAgeInSeconds"] == 60
    alarm = s.get(ALARM, "fails-first-failed-alarm")
    assert alarm.inputs["alarmActions"] == [topic]
    assert alarm.inputs["okActions"] == [topic]


def test_on_failure_uses_the_given_queue_and_creates_none_for_that_function() -> None:
    existing = f"arn:aws:sqs:us-east-1:{DEFAULT_ACCOUNT}:team-failures"
    s = synth(two_function_pipeline(on_failure=existing))
    assert [q.inputs["name"] for q in s.of_type(QUEUE)] == ["fails-second-staging-failed"]
    config = s.get(INVOKE_CONFIG, "fails-first-invoke-config")
    assert config.inputs["destinationConfig"] == {"onFailure": {"destination": existing}}
    assert send_grants(s)["fails-first-policy"] == [existing]
    assert s.outputs["fails"]["functions"]["first"]["failure_queue_url"] == (
        f"https://sqs.us-east-1.amazonaws.com/{DEFAULT_ACCOUNT}/team-failures"
    )
    assert [a.name for a in s.of_type(ALARM)] == ["fails-second-failed-alarm"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"retries": 3}, "retries of AWSLambda('f')"),
        ({"retries": -1}, "from 0 to 2"),
        ({"retries": True}, "retries"),
        ({"max_event_age": 59}, "from 60 to 21600 seconds"),
        ({"max_event_age": 21601}, "max_event_age of AWSLambda('f')"),
        ({"on_failure": "team-failures"}, "not the ARN of a standard SQS queue"),
        ({"on_failure": "arn:aws:sns:us-east-1:123456789012:t"}, "standard SQS queue"),
        ({"on_failure": "arn:aws:sqs:us-east-1:123456789012:q.fifo"}, "FIFO queues"),
        ({"alarm_topic": "arn:aws:sqs:us-east-1:123456789012:q"}, "ARN of an SNS topic"),
        (
            {
                "on_failure": "arn:aws:sqs:us-east-1:123456789012:q",
                "alarm_topic": "arn:aws:sns:us-east-1:123456789012:t",
            },
            "alarm watches only the failure queue the pipeline creates",
        ),
    ],
)
def test_bad_failure_settings_fail_at_graph_build(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(
        PipelineDefinitionError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        AWSLambda("f", do_nothing, **settings)
