"""SNS, locally: topics, their policies, and delivery run synchronously.

The harness delivers every publish (by S3, a handler or the test) before the publish returns: to
each subscribed queue (raw, or in SNS's JSON envelope), then synchronously through the queue's
mapping, and to each subscribed function, asynchronously as SNS does (with Lambda's retries and
on-failure destination). As on AWS, a queue gets the message only when its policy lets
``sns.amazonaws.com`` send from the topic, and a function only with a ``lambda.Permission`` for
``sns.amazonaws.com`` from the topic; otherwise that delivery fails (recorded in ``h.failures``).
At creation, a notification to a topic is refused when the topic's policy does not let the bucket
publish. Not emulated: filter policies, FIFO topics, message attributes.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from jaya_pulumi.local._account import Account, Subscription
from jaya_pulumi.local._resource_policy import resource_policy_allows
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
    _deliver_to_queue: Callable[[str, str], None]

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
            if sub.protocol == "sqs":
                self._to_queue(sub, message, subject, message_id)
                continue
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

    def _to_queue(
        self, sub: Subscription, message: str, subject: str | None, message_id: str
    ) -> None:
        """Send one publish to a subscribed queue, if the queue's policy lets the topic."""
        policy = self.account.resource_policies.get(sub.endpoint)
        if not resource_policy_allows(
            policy, "sns.amazonaws.com", "sqs:SendMessage", sub.endpoint, sub.topic_arn
        ):
            refused = Invocation(sub.endpoint, sub.endpoint, {"Message": message}, 1, message_id)
            refused.error = HarnessError(
                f"SNS could not deliver {sub.topic_arn}'s message to {sub.endpoint}: the queue's "
                f"policy does not let sns.amazonaws.com sqs:SendMessage from {sub.topic_arn}"
            )
            self.account.failures.append(refused)
            return
        if sub.raw:
            body = message
        else:
            sns = sns_event(sub.topic_arn, sub.arn, message, subject, message_id)["Records"][0]
            envelope = dict(sns["Sns"])  # SQS's envelope spells these two URL, Lambda's Url
            envelope["SigningCertURL"] = envelope.pop("SigningCertUrl")
            envelope["UnsubscribeURL"] = envelope.pop("UnsubscribeUrl")
            envelope.pop("MessageAttributes")
            body = json.dumps(envelope)
        self._deliver_to_queue(sub.endpoint, body)


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
    """``aws.sns.TopicSubscription`` of a queue or a function, kept in the account (delivered by
    the harness, so moto holds no subscription)."""
    i = args.inputs
    topic, protocol, endpoint = str(i["topic"]), str(i["protocol"]), str(i["endpoint"])
    if protocol not in ("lambda", "sqs"):
        raise HarnessError(f"protocol {protocol!r} is not emulated; only sqs and lambda are")
    if protocol == "lambda" and endpoint not in h.account.targets:
        raise HarnessError(f"Invalid parameter: Endpoint: no function {endpoint}")
    if i.get("filterPolicy"):
        raise HarnessError("filter policies are not emulated locally")
    raw = bool(i.get("rawMessageDelivery"))
    h.account.subscriptions.append(
        Subscription(topic, endpoint, f"{topic}:{uuid.uuid4()}", protocol, raw)
    )
