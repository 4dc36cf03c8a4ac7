"""SNS, locally: topics, their policies, and delivery to functions run synchronously.

moto delivers a topic's ``sqs`` subscriptions itself (with SNS's envelope, or raw); the harness
delivers its ``lambda`` subscriptions: each publish (by S3, a handler or the test) invokes every
subscribed function before the publish returns, asynchronously as SNS does (with Lambda's retries
and on-failure destination), then delivers what the queues now hold. A function SNS may not invoke
(no ``lambda.Permission`` for ``sns.amazonaws.com`` from the topic) fails that delivery, as on AWS.
At creation, a notification to a topic is refused when the topic's policy does not let the bucket
publish. Not emulated: filter policies on ``lambda`` subscriptions, FIFO topics, message
attributes in the Lambda event, the topic policy on SNS-to-SQS delivery.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from jaya_pulumi.local._account import Account, Subscription
from jaya_pulumi.local.awslambda import Invocation
from jaya_pulumi.local.errors import HarnessError

if TYPE_CHECKING:
    from pulumi.runtime import MockResourceArgs

    from jaya_pulumi.local.harness import Harness

__all__ = [
    "SNSDispatch",
    "create_subscription",
    "create_topic",
    "create_topic_policy",
    "sns_event",
]


def sns_event(
    topic_arn: str, subscription_arn: str, message: str, subject: str | None, message_id: str
) -> dict[str, Any]:
    """The event SNS sends a subscribed function: one ``aws:sns`` record."""
    region = topic_arn.split(":")[3]
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": now,
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": f"https://sns.{region}.amazonaws.com/"
                    "SimpleNotificationService-0000000000000000000000.pem",
                    "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe"
                    f"&SubscriptionArn={subscription_arn}",
                    "MessageAttributes": {},
                },
            }
        ]
    }


class SNSDispatch:
    """The harness's SNS side: the S3 seam to topics, and delivery to subscribed functions."""

    account: Account
    client: Callable[..., Any]
    _on_notification: Callable[[str, Any, str, str], None]
    _service_depth: int
    _pump: Callable[[], None]
    _as_service: Callable[[], Any]
    _s3_to_queue: Callable[..., None]
    _s3_to_eventbridge: Callable[..., None]
    _after_sqs_call: Callable[..., None]

    def _delivery_seam(self) -> dict[str, Callable[..., Any]]:
        """moto's S3 sends to queues, topics and EventBridge, replaced by synchronous delivery."""
        return {
            "_send_sqs_message": self._s3_to_queue,
            "_send_sns_message": self._s3_to_topic,
            "_send_event_bridge_message": self._s3_to_eventbridge,
        }

    def _delivery_hooks(self) -> list[tuple[str, Callable[..., Any]]]:
        """botocore hooks that deliver what handlers and tests send to queues and topics."""
        return [
            ("after-call.sqs", self._after_sqs_call),
            ("before-parameter-build.sns", self._remember_sns_params),
            ("after-call.sns", self._after_sns_call),
        ]

    def _s3_to_topic(
        self, account_id: str, event_body: Any, topic_arn: str, region_name: str
    ) -> None:
        """Replacement for moto's S3-to-SNS publish: the same message, delivered at once."""
        message, subject = json.dumps(event_body), "Amazon S3 Notification"
        with self._as_service():
            published = self.client("sns", region_name).publish(
                TopicArn=topic_arn, Message=message, Subject=subject
            )
        self._deliver_topic(topic_arn, message, subject, published["MessageId"])

    def _remember_sns_params(
        self, params: Mapping[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        context["jaya_sns_params"] = dict(params)

    def _after_sns_call(
        self, model: Any, http_response: Any, parsed: Any, context: Mapping[str, Any], **_: Any
    ) -> None:
        """After a successful publish by a handler or a test, deliver it to the functions."""
        if self._service_depth or http_response.status_code >= 300:
            return
        params = context.get("jaya_sns_params") or {}
        if model.name == "Publish" and params.get("TopicArn"):
            self._deliver_topic(
                str(params["TopicArn"]),
                str(params.get("Message", "")),
                params.get("Subject"),
                str(parsed.get("MessageId", uuid.uuid4())),
            )
        elif model.name == "PublishBatch":
            for entry in params.get("PublishBatchRequestEntries", []):
                self._deliver_topic(
                    str(params["TopicArn"]),
                    str(entry.get("Message", "")),
                    entry.get("Subject"),
                    str(uuid.uuid4()),
                )

    def _deliver_topic(
        self, topic_arn: str, message: str, subject: str | None, message_id: str
    ) -> None:
        """Invoke each function subscribed to the topic, then deliver the queues' messages."""
        for sub in [s for s in self.account.subscriptions if s.topic_arn == topic_arn]:
            target = self.account.targets.get(sub.endpoint)
            if target is None:
                continue
            fn = target[0]
            event = sns_event(topic_arn, sub.arn, message, subject, message_id)
            if not any(
                principal == "sns.amazonaws.com"
                and source in (topic_arn, "")
                and function in (fn.name, fn.arn, sub.endpoint)
                for function, principal, source in self.account.permissions
            ):
                denied = Invocation(fn.node, fn.name, event, 1, str(uuid.uuid4()))
                denied.error = HarnessError(
                    f"SNS may not invoke {sub.endpoint}: add a lambda.Permission for principal "
                    f"sns.amazonaws.com with source ARN {topic_arn}"
                )
                self.account.invocations.append(denied)
                self.account.failures.append(denied)
                continue
            self._on_notification(topic_arn.split(":")[4], event, sub.endpoint, fn.region)
        self._pump()


# -- creators (registered in _deploy.CREATORS) ---------------------------------------------


def create_topic(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    """``aws.sns.Topic``, with its KMS key and policy when given."""
    attributes: dict[str, str] = {}
    if args.inputs.get("kmsMasterKeyId"):
        attributes["KmsMasterKeyId"] = str(args.inputs["kmsMasterKeyId"])
    arn = h.client("sns", region).create_topic(Name=str(state["name"]), Attributes=attributes)[
        "TopicArn"
    ]
    if args.inputs.get("policy"):
        h.account.resource_policies[arn] = json.loads(str(args.inputs["policy"]))


def create_topic_policy(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    """``aws.sns.TopicPolicy``: stored in moto and kept, parsed, for the S3 check."""
    arn, document = str(args.inputs["arn"]), str(args.inputs["policy"])
    h.client("sns", region).set_topic_attributes(
        TopicArn=arn, AttributeName="Policy", AttributeValue=document
    )
    h.account.resource_policies[arn] = json.loads(document)


def create_subscription(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    """``aws.sns.TopicSubscription``: ``sqs`` in moto, ``lambda`` in the account."""
    i = args.inputs
    topic, protocol, endpoint = str(i["topic"]), str(i["protocol"]), str(i["endpoint"])
    if protocol == "lambda":
        if endpoint not in h.account.targets:
            raise HarnessError(f"Invalid parameter: Endpoint: no function {endpoint}")
        h.account.subscriptions.append(Subscription(topic, endpoint, f"{topic}:{uuid.uuid4()}"))
        return
    if protocol != "sqs":
        raise HarnessError(f"protocol {protocol!r} is not emulated; only sqs and lambda are")
    attributes = {"RawMessageDelivery": "true"} if i.get("rawMessageDelivery") else {}
    if i.get("filterPolicy"):
        attributes["FilterPolicy"] = str(i["filterPolicy"])
    h.client("sns", region).subscribe(
        TopicArn=topic, Protocol=protocol, Endpoint=endpoint, Attributes=attributes
    )
