"""The local harness: run a pipeline's Pulumi program on emulated AWS, with its real handler code.

``test(pipeline)`` starts moto in-process with fake credentials, runs the program that ``pulumi up``
would run under mocks whose ``new_resource`` creates each resource in moto from the registered
inputs, and wires moto's S3 notifications to the functions' real archives, run in-process.
Every AWS call a handler makes is checked against its role's inline policies (``iam.py``).

Supported resource types are listed in ``_deploy.CREATORS`` (one entry per type token); other types
are registered with the mocks' computed outputs and not created. Firehose delivery streams go to
a Firehose emulator and Redshift tables are created in a local PostgreSQL (see
``redshift/`` and ``firehose/``). Not emulated: Lambda layers (their packages come
from the developer's environment), bucket policies (stored, not enforced), managed IAM policies,
invocation delays (retries run at once). Queues, topics, rules and schedules: ``sqs.py``,
``sns.py`` and ``events.py``.
"""

from __future__ import annotations

import copy
import gc
import json
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import boto3

from jaya_pulumi.dsl import Pipeline, expand
from jaya_pulumi.local._account import Account
from jaya_pulumi.local._deploy import CREATORS, HarnessMocks
from jaya_pulumi.local._sandbox import Sandbox
from jaya_pulumi.local.awslambda import Invocation, LocalFunction
from jaya_pulumi.local.errors import HandlerFailedError, HarnessError, ResourceRejectedError
from jaya_pulumi.local.events import EventsDispatch
from jaya_pulumi.local.firehose import FULL_PARAMS, FirehoseEmulator, LocalFirehose
from jaya_pulumi.local.iam import PARAMS, Authorizer, ClientNames
from jaya_pulumi.local.redshift.database import LocalRedshift
from jaya_pulumi.local.requirements import warn_requirement_mismatches
from jaya_pulumi.local.s3 import S3Dispatch, quarantined
from jaya_pulumi.local.sns import SNSDispatch
from jaya_pulumi.local.sqs import SQSDispatch
from jaya_pulumi.mocks import DEFAULT_ACCOUNT, DEFAULT_REGION, Synthesis, s3_event, synth

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3ServiceResource

__all__ = [
    "CREATORS",
    "HandlerFailedError",
    "Harness",
    "HarnessError",
    "ResourceRejectedError",
    "s3_event",
    "test",
]

LOCAL_STACK = "local"
"""The stack the harness runs as when the pipeline's functions name no common alias."""


def default_stack(pipeline: Pipeline) -> str:
    """The alias the pipeline's functions agree on, else ``local``."""
    aliases = {fn.alias for fn in pipeline.functions if fn.alias is not None}
    return aliases.pop() if len(aliases) == 1 else LOCAL_STACK


class Harness(S3Dispatch, SQSDispatch, SNSDispatch, EventsDispatch):
    """A pipeline deployed on in-process moto; its functions' archives run when triggers fire.

    Use :func:`test` to make one. See the module docstring for what is emulated.
    """

    _running: Harness | None = None

    def __init__(
        self,
        pipeline: Pipeline,
        stack: str | None = None,
        *,
        region: str = DEFAULT_REGION,
        retries: int = 2,
        raise_failures: bool = True,
        config: Mapping[str, Any] | None = None,
        database_url: str | None = None,
    ) -> None:
        if not isinstance(pipeline, Pipeline):
            raise TypeError(f"test() takes a Pipeline, got {type(pipeline).__name__}")
        if retries < 0:
            raise ValueError(f"retries must be 0 or more, got {retries}")
        self.pipeline = pipeline
        """The pipeline under test."""
        self.stack = stack or default_stack(pipeline)
        """The stack (environment) the program runs as."""
        self.region = region
        """The stack's ``aws:region``."""
        self.retries = retries
        """How many times a failing asynchronous invocation is retried (S3's default: 2)."""
        self.raise_failures = raise_failures
        """Raise :class:`HandlerFailedError` at exit for unresolved failures."""
        self._config = {"aws:region": region, **(config or {})}
        self._synthesis: Synthesis | None = None
        self.account = Account()
        """The state of the local account the pipeline is deployed in."""
        self._reported = 0
        self._clients: dict[tuple[str, str], Any] = {}
        self._session: boto3.session.Session | None = None
        self._sandbox = Sandbox()
        self._started = False
        self._s3_calls = []
        self._redshift = LocalRedshift(DEFAULT_ACCOUNT, database_url)
        self._firehose = LocalFirehose(DEFAULT_ACCOUNT, self._redshift, self.account)
        self._iam = Authorizer(
            self.account.policies,
            self.account.caller,
            DEFAULT_ACCOUNT,
            ClientNames(self.client, self.account.workgroups, DEFAULT_ACCOUNT),
        )

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Harness:
        """Start moto, deploy the pipeline into it and wire the triggers; return ``self``."""
        if self._started:
            return self
        if Harness._running is not None:
            raise HarnessError(
                "Another jaya_pulumi harness is running; stop it (leave its `with` block) first."
            )
        Harness._running = self
        self._started = True
        warn_requirement_mismatches(self.pipeline.functions)
        try:
            if self.pipeline.tables:
                self._redshift.warm_up()  # PostgreSQL starts while the program registers
            self._start_aws()
            self._synthesis = synth(
                self.pipeline,
                stack=self.stack,
                config=self._config,
                mocks=HarnessMocks(self, self.region),
            )
            if self.account.rejected:
                raise ResourceRejectedError(
                    f"Pipeline {self.pipeline.name!r} on stack {self.stack!r} cannot be deployed: "
                    + "; ".join(self.account.rejected)
                )
            gc.freeze()  # moto and the deploy stay put: the handlers' collections skip them
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Delete the extracted archives, stop moto and restore the environment."""
        if not self._started:
            return
        self._started = False
        closing: Exception | None = None
        for close in (self._firehose.close, self._redshift.close):  # deliver, then drop the DB
            try:
                close()
            except Exception as exc:  # finish stopping first, then report the first
                closing = closing or exc
        for function in self.account.functions.values():
            function.close()
        self._sandbox.stop()
        gc.unfreeze()
        self._clients.clear()
        Harness._running = None
        if closing is not None:
            raise closing

    def __enter__(self) -> Harness:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc_type is None and self.raise_failures:
            self.check()

    def _start_aws(self) -> None:
        self._sandbox.start(
            self.region,
            {"_get_s3_event": self._s3_event, "_invoke_awslambda": self._on_notification}
            | self._delivery_seam(),
            [
                *self._delivery_hooks(),
                ("before-parameter-build", self._iam.remember),
                ("after-call", self._iam.after_call),
                ("before-call.s3", self._s3_call_begins),
                ("after-call.s3", self._record_write),
                ("after-call.s3", self._s3_call_ends),
                ("after-call-error.s3", self._s3_call_ends),
                ("before-parameter-build.firehose", self._firehose.remember),
                ("before-call.firehose", self._firehose_call),
                *self._redshift.data_api_hooks(self.account),
            ],
            guard=self._iam.authorize,
        )
        self._session = boto3.session.Session(region_name=self.region)

    # -- what tests use -------------------------------------------------------------------

    def _require_running(self) -> boto3.session.Session:
        if not self._started or self._session is None:
            raise HarnessError("The harness is not running; use it inside `with test(...)`.")
        return self._session

    def s3(self, region: str | None = None) -> S3ServiceResource:
        """A boto3 S3 resource on the emulated account (as in the seed's test)."""
        session = self._require_running()
        return session.resource("s3", region_name=region or self.region)

    def client(self, name: str, region: str | None = None) -> Any:
        """A boto3 client for service ``name`` on the emulated account (cached)."""
        session = self._require_running()
        key = (name, region or self.region)
        if key not in self._clients:
            self._clients[key] = session.client(name, region_name=key[1])  # type: ignore[call-overload]
        return self._clients[key]

    @property
    def outputs(self) -> dict[str, Any]:
        """The program's stack exports (physical names and ARNs by pipeline name)."""
        return dict(self.synthesis.outputs)

    @property
    def synthesis(self) -> Synthesis:
        """Everything the program registered (see :class:`~jaya_pulumi.testing.Synthesis`)."""
        if self._synthesis is None:
            raise HarnessError("The harness has not run the program; start() it first.")
        return self._synthesis

    def bucket_name(self, name: str) -> str:
        """The physical name of a bucket as written in the pipeline (``{stack}`` expanded)."""
        return expand(name, self.stack)

    def invocations(self, function: str | None = None) -> list[Invocation]:
        """Every attempt so far, oldest first; ``function`` filters by node or physical name."""
        if function is None:
            return list(self.account.invocations)
        return [i for i in self.account.invocations if function in (i.function, i.function_name)]

    @property
    def failures(self) -> list[Invocation]:
        """The last attempt of every event still failing after its retries."""
        return list(self.account.failures)

    def check(self) -> None:
        """Raise :class:`HandlerFailedError` for failures not yet reported (then delivery errors)."""
        pending = self.account.failures[self._reported :]
        self._reported = len(self.account.failures)
        if not pending:
            if self._firehose.emulator is not None:
                self._firehose.emulator.check()
            return
        went = {id(i): queue for i, queue in self.account.dead_lettered}
        lines = [
            f"{f.function} ({f.function_name}) failed on {', '.join(f.keys) or 'its event'} "
            f"after {f.attempt} attempt{'s' if f.attempt > 1 else ''}: "
            f"{type(f.error).__name__}: {f.error}"
            + (
                f"; its destination record went to {went[id(f)]} (h.dead_letters, h.redrive)"
                if id(f) in went
                else ""
            )
            for f in pending
        ]
        last = pending[-1].traceback or ""
        raise HandlerFailedError(
            f"{len(pending)} event(s) failed:\n  " + "\n  ".join(lines) + f"\n\n{last}", pending
        )

    def function(self, name: str) -> LocalFunction:
        """The deployed function for a node name (``copy-s3``) or physical name."""
        for fn in self.account.functions.values():
            if name in (fn.node, fn.name):
                return fn
        known = ", ".join(sorted(fn.node for fn in self.account.functions.values()))
        raise HarnessError(f"No function {name!r} in pipeline {self.pipeline.name!r}: {known}.")

    def invoke(self, function: str, event: Mapping[str, Any]) -> Invocation:
        """Invoke a function synchronously (``RequestResponse``, no retry); return the attempt."""
        self._require_running()
        fn = self.function(function)
        qualified = f"{fn.arn}:{self.stack}"
        # a copy, as Lambda hands over a deserialized one: in-place edits stay in the handler
        return self._attempt(fn, qualified, copy.deepcopy(dict(event)), attempt=1)

    # -- Firehose and the local Redshift ---------------------------------------------------

    @property
    def firehose(self) -> FirehoseEmulator:
        """The Firehose emulator (set ``h.firehose.clock`` to drive buffering intervals)."""
        if self._firehose.emulator is None:
            raise HarnessError(f"Pipeline {self.pipeline.name!r} has no Firehose.")
        return self._firehose.emulator

    def flush(self) -> None:
        """Deliver what every Firehose stream buffers: stage it and COPY it into its table now.

        :raises FirehoseDeliveryError: when a delivery could not stage or load at all.
        """
        self.firehose.flush()

    @property
    def database_url(self) -> str:
        """``postgresql://`` URL of the database the pipeline's tables live in locally."""
        if self._redshift.url is None:
            raise HarnessError(f"Pipeline {self.pipeline.name!r} has no Table.")
        return self._redshift.url

    def query(self, sql: str, params: Any = None) -> list[Any]:
        """Run SQL on the local database that holds the pipeline's tables; return row tuples.

        Firehose's loads still running in the background finish first.
        """
        self._settle()
        return self._redshift.query(sql, params)

    def rows(self, table: Any) -> list[dict[str, Any]]:
        """Every row of a table (a ``Table`` node, ``schema.table`` or name), sorted, as dicts."""
        self._settle()
        return self._redshift.rows(str(getattr(table, "key", table)))

    def _settle(self) -> None:  # raises when there is no table; Firehose's loads finish
        self.database_url  # noqa: B018
        if self._firehose.emulator is not None:
            self._firehose.emulator.settle()

    def _failure_queue(self, function: str) -> tuple[Any, str]:
        if (dlq := self._queue_dead_letters(function)) is not None:
            return dlq  # an SQS node: its dead-letter queue
        fn = self.function(function)
        queue = self.account.on_failure.get(fn.name)
        if queue is None:
            raise HarnessError(f"{fn.node} has no on-failure destination in this harness.")
        _, _, _, region, _, name = queue.split(":", 5)
        sqs = self.client("sqs", region)
        return sqs, sqs.get_queue_url(QueueName=name)["QueueUrl"]

    def _drain(self, sqs: Any, url: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while batch := sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300
        ).get("Messages", []):
            messages += batch
        return messages

    def dead_letters(self, function: str) -> list[dict[str, Any]]:
        """The records in ``function``'s failure queue (or an SQS node's DLQ), left there, parsed."""
        sqs, url = self._failure_queue(function)
        messages = self._drain(sqs, url)
        for m in messages:  # visible again, as they were: this only looks
            sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
            )
        return [json.loads(m["Body"]) for m in messages]

    def redrive(self, function: str) -> int:
        """Re-invoke each event in ``function``'s failure queue, as ``jaya redrive`` does deployed
        (an ``SQS`` node's name: move its dead letters back to the queue and deliver them).

        Each record's ``requestPayload`` is invoked (with retries) on the function it names and
        its message deleted; an event that fails again goes back to the queue. Returns the count.
        """
        if self._queue_dead_letters(function) is not None:  # an SQS node: back to the queue
            return self._redrive_queue(function)
        sqs, url = self._failure_queue(function)
        messages = self._drain(sqs, url)
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            record = json.loads(m["Body"])
            arn = record["requestContext"]["functionArn"]
            self._on_notification(DEFAULT_ACCOUNT, record["requestPayload"], arn, self.region)
        return len(messages)

    def fire(self, schedule: Any) -> list[Invocation]:
        """Run a schedule's targets once (a ``Schedule`` node, its name or its expression)."""
        self._require_running()
        return self._fire(schedule)

    def rejected(self) -> list[dict[str, Any]]:
        """The lines (and unreadable objects) mappers quarantined, oldest first, as dicts.

        Each has ``bucket``, ``key``, ``line_number``, ``error`` (``type`` and ``message``) and
        ``line``; an object that could not be read has ``"object": True`` and ``line`` ``None``.
        """
        return quarantined(self.client("s3"), self.account.functions.values())

    def _firehose_call(self, model: Any, context: Mapping[str, Any], **_: Any) -> Any:
        params = context.get(FULL_PARAMS, context.get(PARAMS))  # whole, not the validated cut
        if params is None:
            return None
        with self.account.as_service():  # Firehose's own S3 writes are not the handler's
            return self._firehose.call(model.name, params)

    # -- deployment: one creator per type token -------------------------------------------

    def _s3_client(self, region: str) -> Any:
        return self.client("s3", region)


def test(
    pipeline: Pipeline,
    stack: str | None = None,
    *,
    region: str = DEFAULT_REGION,
    retries: int = 2,
    raise_failures: bool = True,
    config: Mapping[str, Any] | None = None,
    database_url: str | None = None,
    secrets: Mapping[str, str] | None = None,
) -> Harness:
    """Run ``pipeline`` on emulated AWS with its real handler code: ``with test(piper) as h:``.

    :param pipeline: the pipeline to deploy locally.
    :param stack: the stack (environment); default: the alias the functions agree on, else
        ``local``.
    :param region: the stack's ``aws:region``.
    :param retries: retries of a failing asynchronous (S3-triggered) invocation; S3's default is 2.
    :param raise_failures: raise :class:`HandlerFailedError` when the ``with`` block exits if an
        event still failed after its retries; pass ``False`` to inspect ``h.failures`` instead.
    :param config: extra stack config, ``{"jaya:setting": ...}``; a bare key is in project ``jaya``.
    :param database_url: a PostgreSQL server for the pipeline's tables (each harness makes its own
        database on it); default: an embedded PostgreSQL, started only if the pipeline has a Table.
        The ``Table``'s own ``db_conf`` (a Redshift cluster) is never contacted.
    :param secrets: secret stack config, as ``config``: ``{"dbPassword": ...}`` for ``ConfigSecret``.
    :raises ResourceRejectedError: at start, when emulated AWS refuses a resource's inputs.
    """
    return Harness(
        pipeline,
        stack,
        region=region,
        retries=retries,
        raise_failures=raise_failures,
        config={
            k if ":" in k else f"jaya:{k}": v
            for k, v in {**(config or {}), **(secrets or {})}.items()
        },
        database_url=database_url,
    )


test.__test__ = False  # type: ignore[attr-defined]  # not a pytest test function
