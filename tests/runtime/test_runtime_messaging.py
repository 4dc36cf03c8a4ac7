"""Queues and topics in the runtime: typed destinations, send(), events wrapped in SQS and SNS,
and partial batch responses behind an SQS event source mapping."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from jaya_pulumi.mocks import s3_event as make_s3_event
from jaya_pulumi.runtime import (
    AccessDeniedError,
    MessageTooLargeError,
    QueueDestination,
    RuntimeConfigurationError,
    S3Destination,
    TopicDestination,
    destinations,
    each_message,
    partial_batch,
    s3_objects,
    send,
)
from jaya_pulumi.runtime.copy import handler as copy_handler
from jaya_pulumi.runtime.firehose import handler as firehose_handler

REGION = "us-east-1"
ACCOUNT = "123456789012"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-1a2b"
QUEUE_URL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/orders-1a2b"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:fan-3c4d"


def sqs_record(body: str, message_id: str | None = None) -> dict[str, Any]:
    """One record of an SQS event source mapping's batch."""
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": "AQEB" + uuid.uuid4().hex,
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": REGION,
    }


def environ(*entries: dict[str, Any]) -> dict[str, str]:
    """JAYA_DESTINATIONS as the deployment layer writes it."""
    return {"JAYA_DESTINATIONS": json.dumps(list(entries)), "JAYA_SOURCES": "[]"}


# -- typed destinations -------------------------------------------------------------------


def test_destinations_are_typed_in_edge_order() -> None:
    env = environ(
        {"type": "s3", "bucket": "out-1", "prefix": "p/"},
        {"type": "sqs", "name": "orders", "url": QUEUE_URL, "arn": QUEUE_ARN},
        {"type": "firehose", "name": "fh", "stream": "fh-1"},
        {"type": "sns", "name": "fan", "arn": TOPIC_ARN},
    )
    assert destinations(env) == [
        S3Destination("out-1", "p/"),
        QueueDestination("orders", QUEUE_URL, QUEUE_ARN),
        TopicDestination("fan", TOPIC_ARN),
    ]


def test_a_queue_url_is_derived_from_its_arn_and_the_name_from_either() -> None:
    (by_arn,) = destinations(environ({"type": "sqs", "arn": QUEUE_ARN}))
    assert by_arn == QueueDestination("orders-1a2b", QUEUE_URL, QUEUE_ARN)
    (by_url,) = destinations(environ({"type": "sqs", "name": "orders", "url": QUEUE_URL}))
    assert by_url == QueueDestination("orders", QUEUE_URL, QUEUE_ARN)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"type": "sqs", "name": "orders"}, "needs the queue's 'url' or 'arn'"),
        ({"type": "sqs", "arn": TOPIC_ARN}, "not an SQS queue ARN"),
        ({"type": "sns", "name": "fan"}, "needs a non-empty string 'arn'"),
        ({"type": "kinesis", "name": "k"}, "expected 's3', 'firehose', 'sqs' or 'sns'"),
    ],
)
def test_malformed_queue_and_topic_entries_are_refused(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(RuntimeConfigurationError, match=message):
        destinations(environ(entry))


# -- send() ----------------------------------------------------------------------------------


@pytest.fixture
def cloud(aws_credentials: None) -> Iterator[dict[str, Any]]:
    """moto with a queue ``orders``, a topic ``fan`` and a queue ``fan-copy`` subscribed to it."""
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        sns = boto3.client("sns", region_name=REGION)
        url = sqs.create_queue(QueueName="orders-1a2b")["QueueUrl"]
        copy_url = sqs.create_queue(QueueName="fan-copy")["QueueUrl"]
        topic = sns.create_topic(Name="fan-3c4d")["TopicArn"]
        copy_arn = sqs.get_queue_attributes(QueueUrl=copy_url, AttributeNames=["QueueArn"])
        sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=copy_arn["Attributes"]["QueueArn"],
            Attributes={"RawMessageDelivery": "true"},
        )
        env = environ(
            {"type": "sqs", "name": "orders", "url": url, "arn": QUEUE_ARN},
            {"type": "sns", "name": "fan", "arn": topic},
        )
        yield {"sqs": sqs, "sns": sns, "url": url, "copy_url": copy_url, "env": env}


def received(sqs: Any, url: str) -> list[str]:
    """The bodies waiting in a queue."""
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [m["Body"] for m in messages]


def test_send_by_name_puts_json_on_the_queue_and_returns_its_id(cloud: dict[str, Any]) -> None:
    message_id = send("orders", {"order": 7}, environ=cloud["env"])

    messages = cloud["sqs"].receive_message(QueueUrl=cloud["url"])["Messages"]
    assert [(m["MessageId"], json.loads(m["Body"])) for m in messages] == [
        (message_id, {"order": 7})
    ]


def test_send_to_a_topic_publishes_to_its_subscribers(cloud: dict[str, Any]) -> None:
    (topic,) = [d for d in destinations(cloud["env"]) if isinstance(d, TopicDestination)]

    send(topic, "hello", subject="greeting", environ=cloud["env"])
    send(topic, b"bytes too", environ=cloud["env"])

    assert received(cloud["sqs"], cloud["copy_url"]) == ["hello", "bytes too"]


def test_send_to_an_unknown_name_lists_the_function_s_queues_and_topics(
    cloud: dict[str, Any],
) -> None:
    with pytest.raises(
        RuntimeConfigurationError, match=r"no queue or topic named 'audit'.*orders, fan"
    ):
        send("audit", "x", environ=cloud["env"])


def test_a_message_over_256_kib_is_refused_before_the_call(cloud: dict[str, Any]) -> None:
    with pytest.raises(MessageTooLargeError, match="262145 bytes"):
        send("orders", "x" * (256 * 1024 + 1), environ=cloud["env"])
    assert received(cloud["sqs"], cloud["url"]) == []


class _Denying:
    """A client whose every call SQS or SNS refuses with 403."""

    def __getattr__(self, name: str) -> Any:
        def call(**_: Any) -> Any:
            raise ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, name
            )

        return call


def test_access_denied_names_the_permission_and_the_edge_that_grants_it() -> None:
    env = environ({"type": "sqs", "name": "orders", "arn": QUEUE_ARN})
    with pytest.raises(
        AccessDeniedError, match=rf"needs sqs:SendMessage on {QUEUE_ARN}.*SQS\('orders'\)"
    ):
        send("orders", "x", sqs_client=_Denying(), environ=env)
    env = environ({"type": "sns", "name": "fan", "arn": TOPIC_ARN})
    with pytest.raises(AccessDeniedError, match=rf"needs sns:Publish on {TOPIC_ARN}"):
        send("fan", "x", sns_client=_Denying(), environ=env)


# -- S3 events wrapped in SQS and SNS, and through EventBridge --------------------------------


def test_s3_objects_unwraps_sns_inside_sqs_and_eventbridge_events() -> None:
    notification = make_s3_event("src", "in/a b.csv")
    envelope = {"Type": "Notification", "TopicArn": TOPIC_ARN, "Message": json.dumps(notification)}
    bridge = {
        "version": "0",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "time": "2026-01-02T03:04:05Z",
        "resources": ["arn:aws:s3:::src"],
        "detail": {
            "bucket": {"name": "src"},
            "object": {"key": "in/c d.csv", "size": 3, "etag": "e", "version-id": "v1"},
            "reason": "PutObject",
        },
    }
    event = {"Records": [sqs_record(json.dumps(envelope)), sqs_record(json.dumps(bridge))]}

    objects = s3_objects(event)

    assert [(o.bucket, o.key, o.created) for o in objects] == [
        ("src", "in/a b.csv", True),
        ("src", "in/c d.csv", True),
    ]
    assert objects[1].event_name == "ObjectCreated:Put" and objects[1].version_id == "v1"
    assert s3_objects(bridge) == [objects[1]]


# -- partial batch responses --------------------------------------------------------------------


def test_each_message_reports_only_the_failed_messages() -> None:
    seen: list[str] = []

    def process(one: dict[str, Any]) -> str:
        body = one["Records"][0]["body"]
        seen.append(body)
        if body == "bad":
            raise ValueError("cannot process")
        return body.upper()

    event = {"Records": [sqs_record("a", "m1"), sqs_record("bad", "m2"), sqs_record("c", "m3")]}
    response = each_message(event, process)

    assert seen == ["a", "bad", "c"]
    assert response["batchItemFailures"] == [{"itemIdentifier": "m2"}]
    assert response["messages"][0] == {"messageId": "m1", "result": "A"}
    assert response["messages"][1] == {"messageId": "m2", "error": "ValueError: cannot process"}


def test_partial_batch_leaves_other_events_to_the_handler() -> None:
    @partial_batch
    def handler(event: dict[str, Any], context: Any) -> Any:
        return len(event["Records"])

    assert handler({"Records": [{"s3": {}}, {"s3": {}}]}, None) == 2
    assert handler({"Records": [sqs_record("x", "m1")]}, None) == {
        "batchItemFailures": [],
        "messages": [{"messageId": "m1", "result": 1}],
    }


@pytest.fixture
def s3(aws_credentials: None) -> Iterator[Any]:
    """moto S3 with buckets src and dst."""
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket="src")
        client.create_bucket(Bucket="dst")
        yield client


def test_copy_behind_sqs_fails_only_the_message_whose_object_is_missing(s3: Any) -> None:
    s3.put_object(Bucket="src", Key="here.txt", Body=b"present")
    event = {
        "Records": [
            sqs_record(json.dumps(make_s3_event("src", "here.txt")), "ok-1"),
            sqs_record(json.dumps(make_s3_event("src", "gone.txt")), "missing-2"),
        ]
    }
    env = environ({"type": "s3", "bucket": "dst", "prefix": "out/"})

    response = copy_handler(event, None, environ=env)

    assert response["batchItemFailures"] == [{"itemIdentifier": "missing-2"}]
    assert s3.get_object(Bucket="dst", Key="out/here.txt")["Body"].read() == b"present"
    assert response["messages"][0]["result"]["copied"][0]["destination"] == "s3://dst/out/here.txt"


def test_map_to_firehose_behind_sqs_fails_only_the_unparseable_message(s3: Any) -> None:
    s3.put_object(Bucket="src", Key="a.gz", Body=gzip.compress(b"1\n2\n"))
    sent: list[bytes] = []

    class Firehose:
        def put_record_batch(self, DeliveryStreamName: str, Records: list[Any]) -> Any:
            sent.extend(r["Data"] for r in Records)
            return {"FailedPutCount": 0, "RequestResponses": [{"RecordId": "r"} for _ in Records]}

    def mapper(line: Any, bucket: str, key: str) -> list[dict[str, Any]]:
        return [{"firehose_name": "fh", "result": [{"n": int(line)}]}]

    event = {
        "Records": [
            sqs_record("not json at all", "poison-1"),
            sqs_record(json.dumps(make_s3_event("src", "a.gz")), "good-2"),
        ]
    }
    env = environ({"type": "firehose", "name": "fh", "stream": "fh-1"})

    response = firehose_handler(
        event,
        None,
        map_function=mapper,
        firehose_client=Firehose(),
        environ=env,  # type: ignore[arg-type]
    )

    assert response["batchItemFailures"] == [{"itemIdentifier": "poison-1"}]
    assert "EventFormatError" in response["messages"][0]["error"]
    assert sent == [b'{"n": 1}\n', b'{"n": 2}\n']
