"""``jaya:index:Pipeline`` and :func:`build`: translate a checked graph into Pulumi resources.

The builder walks the graph once. It packages every function first (so a handler that cannot ship
fails before any resource is registered), then creates buckets, tables and streams, queues and
topics (each topic's policy naming the buckets that publish to it), the EventBridge rules of
``via="eventbridge"`` buckets, functions (with IAM statements scoped to exactly the ARNs of their
edges, environment variables naming their destinations, and what invokes them: a
``lambda.Permission`` per source bucket or topic, topic subscriptions, event source mappings),
schedules, each queue's policy naming exactly its sources, and last one notification per bucket
that depends on every permission and policy it needs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from jaya_pulumi.components._aws import aws
from jaya_pulumi.components._bucket import Bucket, Notification
from jaya_pulumi.components._events import EventRule
from jaya_pulumi.components._firehose import FirehoseStream
from jaya_pulumi.components._function import Function
from jaya_pulumi.components._layer import requirements_layer
from jaya_pulumi.components._queue import Queue, ServiceSource, Topic
from jaya_pulumi.components._table import RedshiftTable
from jaya_pulumi.components._warehouse import ServerlessWarehouse
from jaya_pulumi.dsl import (
    DEAD_LETTER_SUFFIX,
    EVENTBRIDGE,
    MAX_RULE_NAME,
    QUARANTINE_PREFIX,
    SNS,
    SQS,
    AWSLambda,
    BucketGroup,
    Firehose,
    MapS3ToFirehoseLambda,
    Pipeline,
    Schedule,
    Trigger,
    WarehouseRef,
    bucket_component_name,
    eventbridge_pattern,
    expand,
    firehose_component_name,
    function_component_name,
    physical_bucket_name,
    physical_function_name,
    physical_name,
    resolve_refs,
    source_component_name,
    table_component_name,
)
from jaya_pulumi.errors import ConfigurationError
from jaya_pulumi.packaging import LambdaArchive, package_function

__all__ = ["PipelineComponent", "build"]

_DESTINATION = {"AWSLambda": "lambda", "SQS": "queue", "SNS": "topic"}
"""The bucket notification's destination kind for each target node kind."""
MAX_QUEUE_NAME = 80
"""SQS's limit on a queue name's length."""
MAX_TOPIC_NAME = 256
"""SNS's limit on a topic name's length."""

_NO_OBJECT_EVENTS = ("s3:ObjectRemoved:", "s3:LifecycleExpiration:")
"""Event families about an object that no longer exists: they need no read grant."""


@dataclass(frozen=True)
class _Plan:
    """What the builder knows before registering anything."""

    stack: str
    default_region: str | None
    bucket_names: Mapping[int, str]
    function_names: Mapping[int, str]
    archives: Mapping[int, LambdaArchive]
    holding_buckets: Mapping[int, str]


@dataclass
class _Routes:
    """What the edges into queues and buckets collect before their policies and notifications."""

    queue_sources: dict[str, list[ServiceSource]]
    """Who may send to each queue (by node name): buckets, topics, EventBridge rules."""
    before_notify: dict[str, list[pulumi.Resource]] = field(default_factory=dict)
    """What each bucket's notification must wait for (permissions, queue and topic policies)."""
    queue_rules: list[tuple[SQS, EventRule]] = field(default_factory=list)
    """EventBridge routes to queues, targeted once the queue's policy exists."""
    function_rules: list[tuple[AWSLambda, EventRule]] = field(default_factory=list)
    """EventBridge routes to functions, targeted once the function exists."""


class PipelineComponent(pulumi.ComponentResource):
    """Every resource of one pipeline, under one ``jaya:index:Pipeline`` component."""

    pipeline: Pipeline
    """The pipeline built."""
    buckets: dict[str, Bucket]
    """Bucket components by bucket name as written (``{stack}`` unexpanded)."""
    functions: dict[str, Function]
    """Function components by node name."""
    firehoses: dict[str, FirehoseStream]
    """Delivery stream components by ``firehose_name`` as written."""
    tables: dict[str, RedshiftTable]
    """Table components by ``schema.table``."""
    warehouses: dict[str, ServerlessWarehouse]
    """Redshift Serverless components by workgroup name as written."""
    queues: dict[str, Queue]
    """Queue components by node name."""
    topics: dict[str, Topic]
    """Topic components by node name."""
    rules: dict[str, EventRule]
    """EventBridge rules (schedules by node name, S3 routes by component name)."""
    quarantines: dict[str, pulumi.Output[str]]
    """``s3://bucket/prefix`` where each quarantining mapper writes its bad lines, by node name."""
    outputs: pulumi.Output[dict[str, Any]]
    """Physical names and ARNs: ``{"buckets": {...}, "functions": {...}}``."""

    def __init__(self, pipeline: Pipeline, opts: pulumi.ResourceOptions | None = None) -> None:
        """Build ``pipeline``; see :func:`build`."""
        plan = _plan(pipeline)
        super().__init__("jaya:index:Pipeline", pipeline.name, None, opts)
        self.pipeline = pipeline
        self._providers: dict[str, aws.Provider] = {}
        self._accounts: dict[str | None, pulumi.Output[str]] = {}
        self.buckets = {}
        self.functions = {}
        self.firehoses = {}
        self.tables = {}
        self.warehouses = {}
        self.queues = {}
        self.topics = {}
        self.rules = {}
        self.quarantines = {}
        by_node: dict[int, ServerlessWarehouse] = {}

        for group in pipeline.buckets:
            self.buckets[group.bucket_name] = Bucket(
                bucket_component_name(group),
                plan.bucket_names[id(group)],
                opts=self._opts(group.region_name, plan),
                versioning=group.versioning,
                noncurrent_days=group.noncurrent_days,
            )

        for wh in pipeline.warehouses:
            by_node[id(wh)] = self.warehouses[wh.workgroup] = ServerlessWarehouse(
                f"{pipeline.name}-{wh.workgroup.replace('{stack}', 'stack')}",
                wh,
                namespace_name=expand(wh.namespace, plan.stack),
                workgroup_name=expand(wh.workgroup, plan.stack),
                region=wh.region_name or plan.default_region,
                opts=self._opts(wh.region_name, plan),
            )

        def resolve(ref: WarehouseRef) -> pulumi.Output[str]:
            return by_node[id(ref.warehouse)].resolve(ref)

        for table in pipeline.tables:
            self.tables[table.key] = RedshiftTable(
                table_component_name(pipeline, table),
                table,
                opts=pulumi.ResourceOptions(parent=self),
                db_conf=resolve_refs(table.db_conf, resolve),
            )
        for firehose in pipeline.firehoses:
            table = pipeline.table_of(firehose)
            _check_same_region(firehose, plan.default_region)
            self.firehoses[firehose.firehose_name] = FirehoseStream(
                firehose_component_name(pipeline, firehose),
                node=firehose,
                stream_name=expand(firehose.firehose_name, plan.stack),
                role_name=expand(firehose.role_name, plan.stack),
                holding_bucket=plan.holding_buckets[id(firehose)],
                account_id=self._account(firehose.region_name, plan),
                table=self.tables[table.key],
                data_table_name=table.key,
                columns=firehose.columns or table.column_names,
                resolve=resolve,
                endpoint=self._endpoint(firehose, by_node),
                opts=self._opts(firehose.region_name, plan),
            )

        for queue in pipeline.queues:
            queue_name = physical_name(
                pipeline, queue.name, plan.stack, MAX_QUEUE_NAME - len(DEAD_LETTER_SUFFIX)
            )
            self.queues[queue.name] = Queue(
                source_component_name(pipeline, queue),
                queue_name,
                visibility_timeout=pipeline.visibility_timeout_of(queue),
                max_receive_count=queue.max_receive_count,
                dead_letter_name=f"{queue_name}{DEAD_LETTER_SUFFIX}",
                opts=self._opts(queue.region_name, plan),
            )
        for topic in pipeline.topics:
            self.topics[topic.name] = self._topic(pipeline, topic, plan)

        routes = _Routes({q.name: [] for q in pipeline.queues})
        self._route_buckets(pipeline, plan, routes)
        for fn in pipeline.functions:
            self.functions[fn.name] = self._wire_function(pipeline, fn, plan, routes)
        for schedule in pipeline.schedules:
            self.rules[schedule.name] = self._schedule(pipeline, schedule, plan)
        for fn, rule in routes.function_rules:
            rule.invoke(self.functions[fn.name].alias.arn, self._account(fn.region_name, plan))
        for queue in pipeline.queues:
            self._let_into_queue(pipeline, queue, plan, routes)
        for queue, rule in routes.queue_rules:
            rule.send_to(self.queues[queue.name].arn, self.queues[queue.name].policy)
        for group in pipeline.buckets:
            if group.triggers:
                self._notify(group, routes.before_notify.get(group.bucket_name, []))

        self.outputs = pulumi.Output.from_input(
            {
                "firehoses": {
                    key: {
                        "name": f.name,
                        "arn": f.arn,
                        "holding_bucket": f.holding.name,
                        "cluster_access": f.access,
                    }
                    for key, f in self.firehoses.items()
                },
                "tables": {key: t.qualified_name for key, t in self.tables.items()},
                "buckets": {key: {"name": b.name, "arn": b.arn} for key, b in self.buckets.items()},
                "functions": {
                    key: {
                        "name": f.function.name,
                        "arn": f.function.arn,
                        "alias_arn": f.alias.arn,
                        "version": f.function.version,
                        "failure_queue_url": f.failure_queue_url,
                        "failure_queue_arn": f.failure_queue_arn,
                    }
                    for key, f in self.functions.items()
                },
                "quarantine": self.quarantines,
                # only with a RedshiftServerless, so the outputs of other pipelines stay as they were
                **(
                    {"warehouses": {key: w.summary for key, w in self.warehouses.items()}}
                    if self.warehouses
                    else {}
                ),
                "queues": {
                    key: {
                        "name": q.name,
                        "arn": q.arn,
                        "url": q.url,
                        "dead_letter_arn": q.dead_letter.arn,
                        "dead_letter_url": q.dead_letter.url,
                    }
                    for key, q in self.queues.items()
                },
                "topics": {key: {"name": t.name, "arn": t.arn} for key, t in self.topics.items()},
                "rules": {
                    key: {"name": r.rule.name, "arn": r.arn} for key, r in self.rules.items()
                },
            }
        )
        self.register_outputs({"outputs": self.outputs})

    def _opts(self, region: str | None, plan: _Plan) -> pulumi.ResourceOptions:
        """Child options; a node in another region than the stack's gets an explicit provider."""
        if region is None or region == plan.default_region:
            return pulumi.ResourceOptions(parent=self)
        if region not in self._providers:
            self._providers[region] = aws.Provider(
                f"{self.pipeline.name}-aws-{region}",
                region=region,
                opts=pulumi.ResourceOptions(parent=self),
            )
        return pulumi.ResourceOptions(parent=self, provider=self._providers[region])

    @staticmethod
    def _endpoint(
        firehose: Firehose, by_node: Mapping[int, ServerlessWarehouse]
    ) -> tuple[pulumi.Output[str], pulumi.Output[int]] | None:
        """The ``(host, port)`` of the warehouse this program creates for ``firehose``, if any."""
        ref = (firehose.db_conf or {}).get("workgroup")
        if not isinstance(ref, WarehouseRef):
            return None
        warehouse = by_node[id(ref.warehouse)]
        return warehouse.address, warehouse.port

    def _account(self, region: str | None, plan: _Plan) -> pulumi.Output[str]:
        key = None if region is None or region == plan.default_region else region
        if key not in self._accounts:
            invoke_opts = pulumi.InvokeOutputOptions(
                parent=self, provider=self._providers.get(key) if key else None
            )
            identity = aws.get_caller_identity_output(opts=invoke_opts)
            self._accounts[key] = identity.account_id
        return self._accounts[key]

    # -- wiring the edges ------------------------------------------------------------------

    def _route_buckets(self, pipeline: Pipeline, plan: _Plan, routes: _Routes) -> None:
        """Make each EventBridge route's rule; note who may send to which queue, and what each
        bucket's notification must wait for."""
        for group in pipeline.buckets:
            bucket = self.buckets[group.bucket_name]
            for index, trigger in enumerate(group.triggers, start=1):
                target = trigger.target
                if trigger.via == EVENTBRIDGE:
                    rule = self._s3_rule(pipeline, group, trigger, index, plan)
                    if isinstance(target, AWSLambda):
                        routes.function_rules.append((target, rule))
                    elif isinstance(target, SQS):
                        routes.queue_rules.append((target, rule))
                        routes.queue_sources[target.name].append(
                            ServiceSource(
                                f"EventBridgeRule{index}{_sid(group.bucket_name, '')}",
                                "events.amazonaws.com",
                                rule.arn,
                                self._account(target.region_name, plan),
                            )
                        )
                elif isinstance(target, SQS):
                    sid = f"S3Bucket{_sid(group.bucket_name, '')}"
                    allowed = routes.queue_sources[target.name]
                    if all(a.sid != sid for a in allowed):
                        allowed.append(
                            ServiceSource(
                                sid,
                                "s3.amazonaws.com",
                                bucket.arn,
                                self._account(target.region_name, plan),
                            )
                        )
                elif isinstance(target, SNS):
                    topic_policy = self.topics[target.name].policy
                    if topic_policy is not None:
                        routes.before_notify.setdefault(group.bucket_name, []).append(topic_policy)

    def _wire_function(
        self, pipeline: Pipeline, fn: AWSLambda, plan: _Plan, routes: _Routes
    ) -> Function:
        """The function, and what invokes it: bucket permissions, topic subscriptions, queues."""
        function = self._function(pipeline, fn, plan)
        account = self._account(fn.region_name, plan)
        sources: dict[str, BucketGroup] = {}
        for trigger in pipeline.triggers_of(fn):
            if trigger.via == EVENTBRIDGE:
                continue  # its rule invokes the function
            sources.setdefault(trigger.source.bucket_name, pipeline.bucket_of(trigger.source))
        for bucket_name, group in sources.items():
            bucket = self.buckets[bucket_name]
            permission = function.allow_s3(bucket_component_name(group), bucket.arn, account)
            routes.before_notify.setdefault(bucket_name, []).append(permission)
        for topic_node in pipeline.topics_feeding(fn):
            topic = self.topics[topic_node.name]
            permission = function.allow_service(
                f"topic-{topic_node.name}", "sns.amazonaws.com", topic.arn, account
            )
            topic.subscribe(fn.name, "lambda", function.alias.arn, [permission])
        for queue_node in pipeline.queues_feeding(fn):
            function.read_queue(
                f"queue-{queue_node.name}",
                self.queues[queue_node.name].arn,
                queue_node.batch_size,
                queue_node.max_batching_window,
            )
        return function

    def _schedule(self, pipeline: Pipeline, schedule: Schedule, plan: _Plan) -> EventRule:
        """The schedule's rule, with a target and a rule-scoped permission per function."""
        targets = pipeline.functions_of(schedule)
        invoked = ", ".join(plan.function_names[id(f)] for f in targets)
        rule = EventRule(
            source_component_name(pipeline, schedule),
            physical_name(pipeline, schedule.name, plan.stack, MAX_RULE_NAME),
            schedule_expression=schedule.expression,
            description=(
                schedule.description or f"{schedule.expression} invokes {invoked} (jaya_pulumi)"
            )[:512],
            opts=self._opts(targets[0].region_name if targets else None, plan),
        )
        for fn in targets:
            rule.invoke(
                self.functions[fn.name].alias.arn, self._account(fn.region_name, plan), fn.name
            )
        return rule

    def _let_into_queue(self, pipeline: Pipeline, queue: SQS, plan: _Plan, routes: _Routes) -> None:
        """The queue's policy (its buckets, topics and rules), then its topic subscriptions."""
        for topic_node in pipeline.topics_feeding(queue):
            routes.queue_sources[queue.name].append(
                ServiceSource(
                    f"SnsTopic{_sid(topic_node.name, '')}",
                    "sns.amazonaws.com",
                    self.topics[topic_node.name].arn,
                    self._account(queue.region_name, plan),
                )
            )
        component = self.queues[queue.name]
        policy = component.allow(routes.queue_sources[queue.name])
        for topic_node in pipeline.topics_feeding(queue):
            self.topics[topic_node.name].subscribe(
                f"queue-{queue.name}", "sqs", component.arn, [policy] if policy else []
            )
        if policy is None:
            return
        for group in pipeline.buckets:
            if any(t.target is queue and t.via != EVENTBRIDGE for t in group.triggers):
                routes.before_notify.setdefault(group.bucket_name, []).append(policy)

    def _notify(self, group: BucketGroup, after: list[pulumi.Resource]) -> None:
        """The bucket's one notification: its function, queue and topic entries, and EventBridge."""
        entries = [
            Notification(
                _DESTINATION[t.target.kind],
                self._target_arn(t),
                [t.event.trigger],
                t.event.prefix,
                t.event.suffix,
            )
            for t in group.notification_triggers
        ]
        self.buckets[group.bucket_name].notify(entries, after, eventbridge=group.eventbridge)

    def _topic(self, pipeline: Pipeline, topic: SNS, plan: _Plan) -> Topic:
        """The topic, its key and a policy that lets in exactly the buckets publishing to it."""
        opts = self._opts(topic.region_name, plan)  # first: it makes the region's provider
        account = self._account(topic.region_name, plan)
        sources: dict[str, ServiceSource] = {}
        for group in pipeline.buckets:
            if any(t.target is topic for t in group.triggers):
                sources[group.bucket_name] = ServiceSource(
                    f"S3Bucket{_sid(group.bucket_name, '')}",
                    "s3.amazonaws.com",
                    self.buckets[group.bucket_name].arn,
                    account,
                )
        return Topic(
            source_component_name(pipeline, topic),
            physical_name(pipeline, topic.name, plan.stack, MAX_TOPIC_NAME),
            account_id=account,
            sources=list(sources.values()),
            opts=opts,
        )

    def _s3_rule(
        self, pipeline: Pipeline, group: BucketGroup, trigger: Trigger, index: int, plan: _Plan
    ) -> EventRule:
        """The EventBridge rule that routes one S3 subscription (``via="eventbridge"``)."""
        base = f"{bucket_component_name(group)}-{trigger.target.key}-{index}"
        # Named after the bucket's component, so previews group the rule with its bucket.
        rule = EventRule(
            f"{bucket_component_name(group)}-rule-{trigger.target.key}-{index}",
            physical_name(pipeline, base, plan.stack, MAX_RULE_NAME),
            event_pattern=eventbridge_pattern(plan.bucket_names[id(group)], trigger.event),
            description=f"{trigger.describe()} (jaya_pulumi)"[:512],
            opts=self._opts(group.region_name, plan),
        )
        self.rules[base] = rule
        return rule

    def _target_arn(self, trigger: Trigger) -> pulumi.Output[str]:
        """The ARN a bucket notification entry sends to: a function alias, a queue, a topic."""
        target = trigger.target
        if isinstance(target, AWSLambda):
            return self.functions[target.name].alias.arn
        if isinstance(target, SQS):
            return self.queues[target.name].arn
        return self.topics[target.name].arn

    def _quarantine(self, pipeline: Pipeline, fn: AWSLambda) -> tuple[Bucket, str] | None:
        """The holding bucket and prefix where a quarantining mapper writes its bad lines."""
        if not isinstance(fn, MapS3ToFirehoseLambda) or fn.bad_lines != "quarantine":
            return None
        firehoses = pipeline.firehoses_of(fn)
        if not firehoses:
            return None
        holding = self.firehoses[firehoses[0].firehose_name].holding
        return holding, f"{QUARANTINE_PREFIX}{fn.name}/"

    def _function(self, pipeline: Pipeline, fn: AWSLambda, plan: _Plan) -> Function:
        # Keyed by statement id / (bucket, prefix): two triggers with one prefix grant once.
        statements: dict[str, dict[str, Any]] = {}
        sources: dict[tuple[str, str], dict[str, Any]] = {}
        # Direct triggers and those reaching the function through queues and topics alike: the
        # function reads the object the event names.
        for trigger in pipeline.s3_triggers_of(fn):
            bucket_name, prefix = trigger.source.bucket_name, trigger.event.prefix
            bucket = self.buckets[bucket_name]
            sources[(bucket_name, prefix)] = {"bucket": bucket.name, "prefix": prefix}
            if trigger.event.trigger.startswith(_NO_OBJECT_EVENTS):
                continue  # the object is gone: nothing to read
            # An event from a versioned bucket names its version; the runtime reads that one.
            actions = (
                ["s3:GetObject", "s3:GetObjectVersion"] if bucket.versioned else ["s3:GetObject"]
            )
            sid = f"Read{_sid(bucket_name, prefix)}"
            statements[sid] = _statement(
                sid, actions, pulumi.Output.concat(bucket.arn, "/", prefix, "*")
            )
        destinations: list[dict[str, Any]] = []
        for dest in pipeline.destinations_of(fn):
            bucket = self.buckets[dest.bucket_name]
            sid = f"Write{_sid(dest.bucket_name, dest.prefix)}"
            statements[sid] = _statement(
                sid, ["s3:PutObject"], pulumi.Output.concat(bucket.arn, "/", dest.prefix, "*")
            )
            destinations.append({"type": "s3", "bucket": bucket.name, "prefix": dest.prefix})
        for firehose in pipeline.firehoses_of(fn):
            stream = self.firehoses[firehose.firehose_name]
            sid = f"SendTo{_sid(firehose.firehose_name, '')}"
            statements[sid] = _statement(sid, ["firehose:PutRecordBatch"], stream.arn)
            destinations.append(
                {"type": "firehose", "name": firehose.firehose_name, "stream": stream.name}
            )
        for queue_node in pipeline.queues_feeding(fn):
            sid = f"ReadQueue{_sid(queue_node.name, '')}"
            statements[sid] = _statement(
                sid,
                ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                self.queues[queue_node.name].arn,
            )
        for queue in pipeline.queues_written_by(fn):
            written = self.queues[queue.name]
            sid = f"SendTo{_sid(queue.name, 'queue')}"
            statements[sid] = _statement(sid, ["sqs:SendMessage"], written.arn)
            destinations.append(
                {"type": "sqs", "name": queue.name, "url": written.url, "arn": written.arn}
            )
        for topic in pipeline.topics_written_by(fn):
            published = self.topics[topic.name]
            sid = f"PublishTo{_sid(topic.name, 'topic')}"
            statements[sid] = _statement(sid, ["sns:Publish"], published.arn)
            # The topic is encrypted with its own key: publishing needs a data key from it.
            sid = f"EncryptFor{_sid(topic.name, 'topic')}"
            statements[sid] = _statement(
                sid, ["kms:GenerateDataKey", "kms:Decrypt"], published.key.arn
            )
            destinations.append({"type": "sns", "name": topic.name, "arn": published.arn})
        quarantine = self._quarantine(pipeline, fn)
        if quarantine is not None:
            holding, prefix = quarantine
            self.quarantines[fn.name] = pulumi.Output.concat("s3://", holding.name, "/", prefix)
            statements["Quarantine"] = _statement(
                "Quarantine", ["s3:PutObject"], pulumi.Output.concat(holding.arn, "/", prefix, "*")
            )
        environment: dict[str, pulumi.Input[str]] = {
            **fn.environment,
            "JAYA_PIPELINE": pipeline.name,
            "JAYA_FUNCTION": fn.name,
            "JAYA_STACK": plan.stack,
            "JAYA_SOURCES": pulumi.Output.json_dumps(list(sources.values())),
            "JAYA_DESTINATIONS": pulumi.Output.json_dumps(destinations),
        }
        if quarantine is not None:
            environment["JAYA_QUARANTINE"] = pulumi.Output.json_dumps(
                {"bucket": quarantine[0].name, "prefix": quarantine[1]}
            )
        name = function_component_name(pipeline, fn)
        opts = self._opts(fn.region_name, plan)
        archive = plan.archives[id(fn)]
        layers: list[pulumi.Input[str]] = []
        if fn.requirements:
            layers.append(requirements_layer(name, fn, archive.runtime, opts))
        return Function(
            name,
            node=fn,
            function_name=plan.function_names[id(fn)],
            alias_name=plan.stack,
            archive=archive,
            environment=environment,
            statements=list(statements.values()),
            layers=layers,
            opts=opts,
        )


def build(
    pipeline: Pipeline, *, export: bool = True, opts: pulumi.ResourceOptions | None = None
) -> PipelineComponent:
    """Create every resource of ``pipeline`` in the running Pulumi program.

    :param pipeline: the pipeline to deploy.
    :param export: export its physical names and ARNs as the stack output named after it.
    :param opts: options for the ``jaya:index:Pipeline`` component.
    :raises ConfigurationError: the stack does not fit the pipeline (alias, names, regions).
    :raises PackagingError: a handler cannot be shipped.
    """
    if not isinstance(pipeline, Pipeline):
        raise TypeError(f"build() takes a Pipeline, got {type(pipeline).__name__}")
    component = PipelineComponent(pipeline, opts)
    if export:
        pulumi.export(pipeline.name, component.outputs)
    return component


def _plan(pipeline: Pipeline) -> _Plan:
    stack = pulumi.get_stack()
    default_region = pulumi.Config("aws").get("region")
    for fn in pipeline.functions:
        if fn.alias is not None and fn.alias != stack:
            raise ConfigurationError(
                f"{fn.label} asks for alias {fn.alias!r}, but this is stack {stack!r}: each stack "
                f"is one environment and publishes an alias named after itself. Deploy with "
                f"`pulumi up -s {fn.alias}`, or pass alias={stack!r} (or None) to deploy here."
            )
    bucket_names = {id(g): physical_bucket_name(g, stack) for g in pipeline.buckets}
    holding_buckets = {
        id(f): physical_bucket_name(f.holding_bucket, stack) for f in pipeline.firehoses
    }
    seen: dict[str, str] = {}
    written = [(bucket_names[id(g)], g.bucket_name) for g in pipeline.buckets]
    written += [(holding_buckets[id(f)], f.holding_bucket) for f in pipeline.firehoses]
    for name, as_written in written:
        if name in seen:
            raise ConfigurationError(
                f"Buckets {seen[name]!r} and {as_written!r} are both {name!r} on stack "
                f"{stack!r}; give them distinct names (every Firehose needs its own holding "
                "bucket)."
            )
        seen[name] = as_written
    function_names = {id(f): physical_function_name(pipeline, f, stack) for f in pipeline.functions}
    archives = {id(f): package_function(f) for f in pipeline.functions}
    for group in pipeline.buckets:
        bucket_region = group.region_name or default_region
        for trigger in group.triggers:
            fn_region = trigger.target.region_name or default_region
            if bucket_region and fn_region and bucket_region != fn_region:
                raise ConfigurationError(
                    f"{trigger.source.label} is in {bucket_region!r} but {trigger.target.label} "
                    f"is in {fn_region!r} on stack {stack!r}; S3 only invokes functions in the "
                    "bucket's region (and sends to queues and topics there). Set the same "
                    "region_name on both."
                )
    for fn in pipeline.functions:
        for firehose in pipeline.firehoses_of(fn):
            fn_region = fn.region_name or default_region
            stream_region = firehose.region_name or default_region
            if fn_region and stream_region and fn_region != stream_region:
                raise ConfigurationError(
                    f"{fn.label} is in {fn_region!r} but {firehose.label} is in {stream_region!r} "
                    f"on stack {stack!r}; the function sends records with a client of its own "
                    "region. Set the same region_name on both."
                )
    return _Plan(stack, default_region, bucket_names, function_names, archives, holding_buckets)


def _statement(sid: str, actions: list[str], resource: pulumi.Input[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": [resource]}


def _sid(bucket: str, prefix: str) -> str:
    """An IAM statement id (alphanumeric) naming a bucket and prefix, unique per pair."""
    words = re.sub(r"[^A-Za-z0-9]+", " ", f"{bucket} {prefix}").title().replace(" ", "")
    return words[:48] + hashlib.sha256(f"{bucket}/{prefix}".encode()).hexdigest()[:6]


def _check_same_region(firehose: Firehose, default_region: str | None) -> None:
    """Refuse a stream loading a ``RedshiftServerless`` of another region (known at deploy).

    The warehouse's ingress rule admits the Firehose address block of its own region only.

    :raises ConfigurationError: naming the stream, both regions and the fix.
    """
    ref = (firehose.db_conf or {}).get("workgroup")
    if not isinstance(ref, WarehouseRef):
        return
    stream_region = firehose.region_name or default_region
    warehouse_region = ref.warehouse.region_name or default_region
    if stream_region != warehouse_region:
        raise ConfigurationError(
            f"Firehose({firehose.firehose_name!r}) is in {stream_region!r} and "
            f"{ref.warehouse.label}, which it loads, in {warehouse_region!r}: the warehouse's "
            f"ingress rule admits only Firehose's address block in {warehouse_region!r}. Give "
            "both the same region_name (or neither: the stack's aws:region)."
        )
