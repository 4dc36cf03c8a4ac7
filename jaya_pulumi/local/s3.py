"""S3, locally: the event S3 sends, notification dispatch to functions, and IAM on S3 calls.

A notification runs the target function at once, with asynchronous semantics (``retries``
further attempts on failure); a function's own writes cascade synchronously, up to
:data:`MAX_CASCADE_DEPTH` levels. A handler's S3 calls are checked against its role's policy.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from jaya_pulumi.local._account import Account, Active
from jaya_pulumi.local.awslambda import Invocation, LocalFunction
from jaya_pulumi.local.errors import HarnessError
from jaya_pulumi.local.iam import CompiledPolicy, access_denied, s3_request
from jaya_pulumi.mocks import DEFAULT_ACCOUNT, destination_record, s3_record

__all__ = ["MAX_CASCADE_DEPTH", "S3Dispatch"]

MAX_CASCADE_DEPTH = 16
"""Nested invocations after which the harness stops a loop, as Lambda's recursion detection does."""

_WRITES = frozenset({"PutObject", "CopyObject", "CompleteMultipartUpload"})


class S3Dispatch:
    """The harness's S3 side: moto's seam replacements and the botocore hooks on S3 calls."""

    retries: int
    account: Account
    _s3_calls: list[list[tuple[str, Any, str, str]]]
    """One list per S3 call in flight: the notifications it sent, run once it is answered."""
    client: Callable[..., Any]
    """The harness's boto3 client factory (``client(service, region)``)."""

    # -- triggers -------------------------------------------------------------------------

    def _s3_event(self, event_name: str, bucket: Any, key: Any, notification_id: str) -> Any:
        """Replacement for moto's event builder: the full record S3 sends (moto's lacks fields)."""
        principal = "AWS:AIDAJAYATESTUSER"
        if self.account.active:
            active = self.account.active[-1]
            principal = (
                f"AWS:{self.account.role_ids.get(active.role, 'AROA')}:{active.function.name}"
            )
        version = (
            getattr(key, "version_id", None) if getattr(bucket, "is_versioned", False) else None
        )
        etag = getattr(key, "etag", None)
        return {
            "Records": [
                s3_record(
                    bucket.name,
                    key.name,
                    event_name=str(getattr(event_name, "value", event_name)),
                    size=getattr(key, "size", 0),
                    etag=etag.strip('"') if isinstance(etag, str) else None,
                    version_id=version,
                    region=bucket.region_name,
                    configuration_id=notification_id,
                    principal_id=principal,
                )
            ]
        }

    def _on_notification(
        self, account_id: str, event_body: Any, fn_arn: str, region_name: str
    ) -> None:
        """Replacement for moto's Lambda invoke: run the target's archive (async semantics).

        Inside an S3 call (moto sends the event before it answers), the run waits until that call
        has its answer (:meth:`_s3_call_ends`): moto's copies of the request are gone by then, so
        a large object is not held twice while the function reads it.
        """
        if self._s3_calls:
            self._s3_calls[-1].append((account_id, event_body, fn_arn, region_name))
            return
        self._notify(account_id, event_body, fn_arn, region_name)

    def _s3_call_begins(self, context: dict[str, Any], **_: Any) -> None:
        """``before-call.s3``: notifications moto sends during this call run after it."""
        pending: list[tuple[str, Any, str, str]] = []
        context["jaya_s3_pending"] = pending
        self._s3_calls.append(pending)

    def _s3_call_ends(self, context: Mapping[str, Any], **_: Any) -> None:
        """``after-call.s3``: run what the call's notifications queued, in order."""
        pending = context.get("jaya_s3_pending")
        if pending is None:
            return
        while self._s3_calls:  # and any a call left behind, had it raised before its answer
            if self._s3_calls.pop() is pending:
                break
        for notification in pending:
            self._on_notification(*notification)

    def _notify(self, account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        target = self.account.targets.get(fn_arn)
        if target is None:
            return
        fn = target[0]
        if len(self.account.active) >= MAX_CASCADE_DEPTH:
            failed = Invocation(fn.node, fn.name, event_body, 1, str(uuid.uuid4()))
            failed.error = HarnessError(
                f"{fn.node} was invoked {MAX_CASCADE_DEPTH} levels deep in one cascade; Lambda "
                "stops such recursive loops. Check that no function writes where it is triggered."
            )
            self.account.invocations.append(failed)
            self.account.failures.append(failed)
            return
        for attempt in range(1, self.retries + 2):
            invocation = self._attempt(fn, fn_arn, copy.deepcopy(event_body), attempt)
            if invocation.ok:
                return
        self.account.failures.append(invocation)
        queue = self.account.on_failure.get(fn.name)
        if queue is not None:  # Lambda sends its destination record there, as deployed
            record = destination_record(
                fn_arn,
                event_body,
                error=invocation.error or HarnessError("the handler failed"),
                approximate_invoke_count=attempt,
                request_id=invocation.request_id,
            )
            self._send_to_queue(queue, record)
            self.account.dead_lettered.append((invocation, queue))

    def _send_to_queue(self, queue_arn: str, body: Mapping[str, Any]) -> None:
        _, _, _, region, _, name = queue_arn.split(":", 5)
        sqs = self.client("sqs", region)
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body, default=str))

    def _attempt(
        self, fn: LocalFunction, invoked_arn: str, event: dict[str, Any], attempt: int
    ) -> Invocation:
        invocation = Invocation(fn.node, fn.name, event, attempt, str(uuid.uuid4()))
        self.account.invocations.append(invocation)
        role = fn.role_arn.rsplit("/", 1)[-1]
        policy = self.account.policies.get(role) or CompiledPolicy()
        self.account.active.append(Active(fn, invocation, policy, role, f"{role}/{fn.name}"))
        try:
            fn.call(event, invoked_arn, invocation)
        finally:
            self.account.active.pop()
        return invocation

    # -- IAM on the handler's S3 calls -----------------------------------------------------

    def _remember_params(
        self, params: Mapping[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        if self.account.active:
            context["jaya_iam_params"] = {
                k: params[k]
                for k in ("Bucket", "Key", "VersionId", "CopySource", "Delete")
                if k in params
            }

    def _record_write(
        self, http_response: Any, model: Any, context: Mapping[str, Any], **_: Any
    ) -> None:
        if self.account.active and model.name in _WRITES and http_response.status_code < 300:
            params = context.get("jaya_iam_params", {})
            self.account.active[-1].invocation.writes.append(
                f"s3://{params.get('Bucket', '?')}/{params.get('Key', '?')}"
            )

    def _authorize(self, model: Any, context: Mapping[str, Any], **_: Any) -> Any:
        if not self.account.active:
            return None
        active = self.account.active[-1]
        params = context.get("jaya_iam_params", {})
        for action, resource in s3_request(model.name, params):
            if not active.policy.allows(action, resource):
                return access_denied(
                    "s3", model.name, DEFAULT_ACCOUNT, active.principal, action, resource
                )
        return None
