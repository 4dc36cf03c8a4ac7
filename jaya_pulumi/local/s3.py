"""S3, locally: the event S3 sends and notification dispatch to functions.

A notification runs the target function at once, with asynchronous semantics (``retries``
further attempts on failure); a function's own writes cascade synchronously. Lambda's recursive
loop detection is emulated: an invocation that would be a function's 17th in one chain of events
(:data:`MAX_LOOP_INVOCATIONS`) is stopped, not retried, and its event goes to the function's
failure destination. This catches the loops the graph check cannot see (a handler writing where
its pipeline does not declare). A chain deeper than :data:`MAX_CASCADE_DEPTH` nested invocations
is stopped the same way (the harness runs cascades on one stack). A handler's calls are checked
against its role in ``iam.py``.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jaya_pulumi.local._account import Account, Active
from jaya_pulumi.local.awslambda import Invocation, LocalFunction
from jaya_pulumi.local.errors import HarnessError, RecursiveInvocationError
from jaya_pulumi.local.iam import PARAMS
from jaya_pulumi.mocks import destination_record, s3_record

__all__ = ["MAX_CASCADE_DEPTH", "MAX_LOOP_INVOCATIONS", "S3Dispatch", "quarantined"]

MAX_LOOP_INVOCATIONS = 16
"""A function's invocations in one chain of events after which Lambda stops the next one."""
MAX_CASCADE_DEPTH = 32
"""Nested invocations (any functions) after which the harness stops a chain: it runs on one stack."""

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
        """``after-call.s3`` (and ``after-call-error.s3``, when the call raised): run what the
        call's notifications queued, in order, and take the call off the stack of calls in flight
        (left there, it would swallow every later notification sent outside an S3 call)."""
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
        if self._loops(fn):
            self._stop_loop(fn, fn_arn, event_body)
            return
        for attempt in range(1, self.retries + 2):
            invocation = self._attempt(fn, fn_arn, copy.deepcopy(event_body), attempt)
            if invocation.ok:
                return
        self._fail(invocation, fn_arn, event_body)

    def _fail(self, invocation: Invocation, fn_arn: str, event_body: Any) -> None:
        """Record an event's final failure; send its destination record where Lambda would."""
        self.account.failures.append(invocation)
        queue = self.account.on_failure.get(invocation.function_name)
        if queue is not None:  # Lambda sends its destination record there, as deployed
            record = destination_record(
                fn_arn,
                event_body,
                error=invocation.error or HarnessError("the handler failed"),
                approximate_invoke_count=invocation.attempt,
                request_id=invocation.request_id,
            )
            self._send_to_queue(queue, record)
            self.account.dead_lettered.append((invocation, queue))

    def _loops(self, fn: LocalFunction) -> bool:
        """Whether invoking ``fn`` now continues a chain Lambda (or the harness) stops."""
        active = self.account.active
        if len(active) >= MAX_CASCADE_DEPTH:
            return True
        return sum(a.function is fn for a in active) >= MAX_LOOP_INVOCATIONS

    def _stop_loop(self, fn: LocalFunction, fn_arn: str, event_body: Any) -> None:
        """Stop the invocation that continues a recursive loop, as Lambda does (no retry).

        For every dispatcher of events to functions (S3 here; queues and topics alike).
        """
        chain = [a.function.node for a in self.account.active] + [fn.node]
        times = chain.count(fn.node)
        stopped = Invocation(fn.node, fn.name, event_body, 1, str(uuid.uuid4()))
        stopped.error = RecursiveInvocationError(
            f"Lambda stopped a recursive loop: {fn.node} ({fn.name}) would be invoked "
            f"{_times(times)} in one chain of events ({len(chain)} invocations), on "
            f"{', '.join(stopped.keys) or 'its event'} ({' -> '.join(chain[:2])} -> ... -> "
            f"{chain[-1]}). A handler writes where a trigger of the chain fires, which the "
            "pipeline does not declare: write under a prefix no trigger watches, or to another "
            "bucket. The event went to the failure destination, if the function has one."
        )
        self.account.invocations.append(stopped)
        self._fail(stopped, fn_arn, event_body)

    def _send_to_queue(self, queue_arn: str, body: Mapping[str, Any]) -> None:
        _, _, _, region, _, name = queue_arn.split(":", 5)
        sqs = self.client("sqs", region)
        with self.account.as_service():  # Lambda sends it, not the handler
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body, default=str))

    def _attempt(
        self, fn: LocalFunction, invoked_arn: str, event: dict[str, Any], attempt: int
    ) -> Invocation:
        invocation = Invocation(fn.node, fn.name, event, attempt, str(uuid.uuid4()))
        self.account.invocations.append(invocation)
        role = fn.role_arn.rsplit("/", 1)[-1]
        self.account.active.append(Active(fn, invocation, role, f"{role}/{fn.name}"))
        try:
            fn.call(event, invoked_arn, invocation)
        finally:
            self.account.active.pop()
        return invocation

    # -- what a handler writes -------------------------------------------------------------

    def _record_write(
        self, http_response: Any, model: Any, context: Mapping[str, Any], **_: Any
    ) -> None:
        if self.account.active and model.name in _WRITES and http_response.status_code < 300:
            params = context.get(PARAMS, {})
            self.account.active[-1].invocation.writes.append(
                f"s3://{params.get('Bucket', '?')}/{params.get('Key', '?')}"
            )


def _times(count: int) -> str:
    """``17 times`` as ``a 17th time``."""
    suffix = "th" if 10 <= count % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(count % 10, "th")
    return f"a {count}{suffix} time"


def quarantined(s3: Any, functions: Iterable[LocalFunction]) -> list[dict[str, Any]]:
    """Every record the mappers among ``functions`` wrote to their quarantine, oldest first.

    A mapper's ``JAYA_QUARANTINE`` names its bucket and prefix; each object there holds JSON lines.
    """
    locations = {
        (where["bucket"], where["prefix"])
        for function in functions
        if (where := json.loads(function.environment.get("JAYA_QUARANTINE", "null")))
    }
    found: list[tuple[Any, str, list[dict[str, Any]]]] = []
    for bucket, prefix in sorted(locations):
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for item in (obj for page in pages for obj in page.get("Contents", [])):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            lines = [json.loads(line) for line in body.decode("utf-8").splitlines() if line]
            found.append((item["LastModified"], item["Key"], lines))
    return [record for _, _, lines in sorted(found, key=lambda f: f[:2]) for record in lines]
