"""``examples/fan_out.py`` and ``examples/nightly.py`` load and build as their docstrings say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jaya_pulumi import load_pipelines
from jaya_pulumi.diagram import to_mermaid
from jaya_pulumi.testing import synth

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_fan_out_publishes_to_one_topic_that_invokes_both_copies() -> None:
    (pipeline,) = load_pipelines(EXAMPLES / "fan_out.py")
    s = synth(pipeline, stack="staging")
    (topic,) = s.of_type("aws:sns/topic:Topic")
    subscriptions = s.of_type("aws:sns/topicSubscription:TopicSubscription")
    aliases = {a.state["arn"] for a in s.of_type("aws:lambda/alias:Alias")}
    assert {sub.inputs["endpoint"] for sub in subscriptions} == aliases
    assert len(aliases) == 2
    (notification,) = s.of_type("aws:s3/bucketNotification:BucketNotification")
    assert [t["topicArn"] for t in notification.inputs["topics"]] == [topic.state["arn"]]
    assert 'fan-out-new-objects-staging"}}' in to_mermaid(pipeline, stack="staging")


def test_nightly_runs_its_function_from_a_schedule() -> None:
    (pipeline,) = load_pipelines(EXAMPLES / "nightly.py")
    s = synth(pipeline, stack="staging")
    (rule,) = s.of_type("aws:cloudwatch/eventRule:EventRule")
    assert rule.inputs["scheduleExpression"] == "cron(0 2 * * ? *)"
    (function,) = s.of_type("aws:lambda/function:Function")
    destinations = json.loads(function.inputs["environment"]["variables"]["JAYA_DESTINATIONS"])
    assert destinations == [
        {"type": "s3", "bucket": "nightly-reports-staging", "prefix": "reports/"}
    ]


def test_nightly_handler_writes_the_report_where_its_destination_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import boto3
    from moto import mock_aws

    (pipeline,) = load_pipelines(EXAMPLES / "nightly.py")
    handler = pipeline.functions[0].handler
    assert callable(handler)
    destinations = [{"type": "s3", "bucket": "nightly-reports-test", "prefix": "reports/"}]
    monkeypatch.setenv("JAYA_DESTINATIONS", json.dumps(destinations))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    event = {"time": "2026-12-02T02:00:00Z", "resources": ["arn:aws:events:::rule/x"]}
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="nightly-reports-test")
        assert handler(event, None) == {"written": 1}
        body = s3.get_object(Bucket="nightly-reports-test", Key="reports/2026-12-02T02:00:00Z.json")
        assert json.loads(body["Body"].read())["scheduled_for"] == "2026-12-02T02:00:00Z"
