"""``Pipeline``: the whole graph, checked before anything is built.

Every check here runs at ``Pipeline(...)``, so a bad graph fails on the developer's laptop with a
message naming the nodes involved, never half-way through ``pulumi up``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jaya_pulumi.dsl._chain import Chain, Edge, Node, check_edge
from jaya_pulumi.dsl._firehose import Firehose, MapS3ToFirehoseLambda
from jaya_pulumi.dsl._function import AWSLambda, CopyS3Lambda
from jaya_pulumi.dsl._s3 import EVENTBRIDGE, NOTIFICATION, S3, S3Event, _prefixes_overlap
from jaya_pulumi.dsl._sources import SNS, SQS, Schedule
from jaya_pulumi.dsl._table import Table
from jaya_pulumi.dsl._warehouse import RedshiftServerless, warehouses_in
from jaya_pulumi.errors import PipelineDefinitionError

if TYPE_CHECKING:
    from jaya_pulumi.dsl._chain import Target

__all__ = ["BucketGroup", "Pipeline", "Trigger"]

_PIPELINE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


DEFAULT_VISIBILITY_TIMEOUT = 30
"""SQS's default visibility timeout, in seconds: a queue no function reads keeps it."""


@dataclass(frozen=True, eq=False)
class Trigger:
    """One S3 subscription: the source node, its target (function, queue or topic), the filter."""

    source: S3
    """The S3 node whose events are sent."""
    target: AWSLambda | SQS | SNS
    """What receives the events: a function it invokes, a queue or a topic."""
    event: S3Event
    """The event type and key filters."""

    @property
    def via(self) -> str:
        """``"notification"`` or ``"eventbridge"``: how the bucket delivers the event."""
        return self.source.via

    @property
    def function(self) -> AWSLambda:
        """The function invoked directly; a ``TypeError`` when the target is a queue or topic."""
        if not isinstance(self.target, AWSLambda):
            raise TypeError(f"{self.describe()} targets {self.target.label}, not a function")
        return self.target

    def describe(self) -> str:
        """``S3('b') >> AWSLambda('f') on s3:ObjectCreated:* in/*``."""
        return f"{self.source.label} >> {self.target.label} ({self.event.describe()})"


@dataclass(frozen=True, eq=False)
class BucketGroup:
    """Every S3 node naming one bucket: deployed as one bucket whose triggers merge."""

    bucket_name: str
    """The bucket's name as written (``{stack}`` not yet expanded)."""
    nodes: tuple[S3, ...]
    """The S3 nodes that name this bucket, in order of appearance."""
    region_name: str | None
    """The region the nodes agree on (``None``: the stack's region)."""
    triggers: tuple[Trigger, ...]
    """Every subscription on the bucket, in edge order; those ``via`` the notification share one
    bucket notification, those via EventBridge become one rule each."""
    versioning: bool = False
    """True when any node naming the bucket asks for versioning."""
    noncurrent_days: int = 30
    """With versioning, days before noncurrent versions expire."""

    @property
    def eventbridge(self) -> bool:
        """True when any trigger on the bucket goes through EventBridge."""
        return any(t.via == EVENTBRIDGE for t in self.triggers)

    @property
    def notification_triggers(self) -> tuple[Trigger, ...]:
        """The triggers the bucket notification carries (not those routed by EventBridge)."""
        return tuple(t for t in self.triggers if t.via == NOTIFICATION)


class Pipeline:
    """A named data pipeline: every node and edge reachable from the chains given.

    :param name: the pipeline's name: lowercase letters, digits and hyphens, at most 40
        characters; it prefixes the names of the resources it creates.
    :param chains: the chains (or single nodes) that make up the pipeline, e.g. ``[p]``.
    """

    def __init__(self, name: str, chains: Sequence[Target]) -> None:
        if not isinstance(name, str) or not _PIPELINE_NAME.match(name):
            raise PipelineDefinitionError(
                f"Pipeline name {name!r} must be 1 to 40 lowercase letters, digits or hyphens, "
                "starting with a letter or digit (it prefixes resource names)."
            )
        if isinstance(chains, (Node, Chain)):
            chains = [chains]
        if not isinstance(chains, (list, tuple)) or not chains:
            raise PipelineDefinitionError(
                f"Pipeline({name!r}, ...) needs a list of chains, e.g. Pipeline({name!r}, [p]) "
                "where p = S3(...) >> CopyS3Lambda(...) >> S3(...)."
            )
        whole = Chain.of(list(chains))
        self.name: str = name
        """The pipeline's name."""
        self.nodes: tuple[Node, ...] = whole.nodes
        """Every node, each once, in order of first appearance."""
        self.edges: tuple[Edge, ...] = whole.edges
        """Every edge as ``(source, target)``, each once, in reading order."""
        self._out: dict[int, list[Node]] = {id(n): [] for n in self.nodes}
        self._in: dict[int, list[Node]] = {id(n): [] for n in self.nodes}
        for source, target in self.edges:
            check_edge(source, target)
            self._out[id(source)].append(target)
            self._in[id(target)].append(source)
        self._name_functions()
        self._name_sources()
        self._check_cycles()
        self.buckets: tuple[BucketGroup, ...] = self._group_buckets()
        """One entry per physical bucket, with the S3 nodes and triggers that share it."""
        self._group_of = {id(n): g for g in self.buckets for n in g.nodes}
        self._check_sources_and_sinks()
        self._check_firehoses()
        self._check_warehouses()
        self._check_sources()
        self._check_recursion()
        self._check_triggered()

    # -- queries ---------------------------------------------------------------------------

    @property
    def functions(self) -> tuple[AWSLambda, ...]:
        """Every function node, in order of appearance."""
        return tuple(n for n in self.nodes if isinstance(n, AWSLambda))

    def successors(self, node: Node) -> list[Node]:
        """The nodes ``node`` feeds, in edge order."""
        return list(self._out[id(node)])

    def predecessors(self, node: Node) -> list[Node]:
        """The nodes that feed ``node``, in edge order."""
        return list(self._in[id(node)])

    def bucket_of(self, node: S3) -> BucketGroup:
        """The bucket group an S3 node belongs to."""
        group = self._group_of.get(id(node))
        if group is None:
            raise KeyError(node.label)
        return group

    def triggers_of(self, function: AWSLambda) -> list[Trigger]:
        """The S3 subscriptions that invoke ``function`` directly, in edge order."""
        return [t for g in self.buckets for t in g.triggers if t.target is function]

    def s3_triggers_of(self, node: AWSLambda | SQS | SNS) -> list[Trigger]:
        """The S3 subscriptions whose events reach ``node``, directly or through queues and topics."""
        found: list[Trigger] = []
        seen: set[int] = set()

        def walk(current: Node) -> None:
            if id(current) in seen:
                return
            seen.add(id(current))
            found.extend(t for g in self.buckets for t in g.triggers if t.target is current)
            for before in self.predecessors(current):
                if isinstance(before, (SQS, SNS)):
                    walk(before)

        walk(node)
        return found

    def functions_reached(self, node: Node) -> list[AWSLambda]:
        """The functions a message into ``node`` invokes: itself, or through queues and topics."""
        if isinstance(node, AWSLambda):
            return [node]
        if not isinstance(node, (SQS, SNS)):
            return []
        return [fn for nxt in self.successors(node) for fn in self.functions_reached(nxt)]

    @property
    def queues(self) -> tuple[SQS, ...]:
        """Every queue node, in order of appearance."""
        return tuple(n for n in self.nodes if isinstance(n, SQS))

    @property
    def topics(self) -> tuple[SNS, ...]:
        """Every topic node, in order of appearance."""
        return tuple(n for n in self.nodes if isinstance(n, SNS))

    @property
    def schedules(self) -> tuple[Schedule, ...]:
        """Every schedule node, in order of appearance."""
        return tuple(n for n in self.nodes if isinstance(n, Schedule))

    def consumer_of(self, queue: SQS) -> AWSLambda | None:
        """The function that reads ``queue`` through an event source mapping, or ``None``."""
        readers = [n for n in self.successors(queue) if isinstance(n, AWSLambda)]
        return readers[0] if readers else None

    def queue_of(self, function: AWSLambda) -> SQS | None:
        """The first queue ``function`` reads, or ``None`` (see :meth:`queues_feeding`)."""
        queues = self.queues_feeding(function)
        return queues[0] if queues else None

    def queues_feeding(self, function: AWSLambda) -> list[SQS]:
        """Every queue ``function`` reads (one event source mapping each), in edge order."""
        return [n for n in self.predecessors(function) if isinstance(n, SQS)]

    def functions_of(self, schedule: Schedule) -> list[AWSLambda]:
        """The functions a schedule invokes (the targets of its one rule), in edge order."""
        return [n for n in self.successors(schedule) if isinstance(n, AWSLambda)]

    def topics_feeding(self, node: AWSLambda | SQS) -> list[SNS]:
        """The topics ``node`` subscribes to, in edge order."""
        return [n for n in self.predecessors(node) if isinstance(n, SNS)]

    def schedules_of(self, function: AWSLambda) -> list[Schedule]:
        """The schedules that invoke ``function``, in edge order."""
        return [n for n in self.predecessors(function) if isinstance(n, Schedule)]

    def queues_written_by(self, function: AWSLambda) -> list[SQS]:
        """The queues ``function`` sends messages to, in edge order."""
        return [n for n in self.successors(function) if isinstance(n, SQS)]

    def topics_written_by(self, function: AWSLambda) -> list[SNS]:
        """The topics ``function`` publishes to, in edge order."""
        return [n for n in self.successors(function) if isinstance(n, SNS)]

    def visibility_timeout_of(self, queue: SQS) -> int:
        """The queue's visibility timeout: as given, else six times its consumer's timeout."""
        if queue.visibility_timeout is not None:
            return queue.visibility_timeout
        consumer = self.consumer_of(queue)
        if consumer is None:
            return DEFAULT_VISIBILITY_TIMEOUT
        return max(DEFAULT_VISIBILITY_TIMEOUT, queue.required_visibility(consumer.timeout))

    def destinations_of(self, function: AWSLambda) -> list[S3]:
        """The S3 nodes ``function`` writes to, in edge order."""
        return [n for n in self.successors(function) if isinstance(n, S3)]

    @property
    def firehoses(self) -> tuple[Firehose, ...]:
        """Every delivery stream node, in order of appearance."""
        return tuple(n for n in self.nodes if isinstance(n, Firehose))

    @property
    def tables(self) -> tuple[Table, ...]:
        """Every table node, in order of appearance."""
        return tuple(n for n in self.nodes if isinstance(n, Table))

    @property
    def warehouses(self) -> tuple[RedshiftServerless, ...]:
        """The ``RedshiftServerless`` warehouses whose ``db_conf`` its tables and streams use.

        They are not nodes of the graph; :func:`jaya_pulumi.components.build` creates them, and
        ``jaya graph`` draws them beside the tables.
        """
        confs = [t.db_conf for t in self.tables]
        confs += [f.db_conf for f in self.firehoses if f.db_conf is not None]
        return warehouses_in(confs)

    def firehoses_of(self, function: AWSLambda) -> list[Firehose]:
        """The delivery streams ``function`` sends records to, in edge order."""
        return [n for n in self.successors(function) if isinstance(n, Firehose)]

    def table_of(self, firehose: Firehose) -> Table:
        """The table a delivery stream loads."""
        (table,) = [n for n in self.successors(firehose) if isinstance(n, Table)]
        return table

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __repr__(self) -> str:
        return f"Pipeline({self.name!r}, {len(self.nodes)} nodes, {len(self.edges)} edges)"

    # -- checks ----------------------------------------------------------------------------

    def _name_functions(self) -> None:
        taken: dict[str, AWSLambda] = {}
        auto: list[AWSLambda] = []
        for fn in self.functions:
            if fn.auto_named:
                auto.append(fn)
                continue
            if fn.name in taken:
                raise PipelineDefinitionError(
                    f"Two functions in pipeline {self.name!r} are named {fn.name!r}: "
                    f"{taken[fn.name].label} and {fn.label}. Function names must be unique; "
                    "rename one (or reuse the same node object to mean the same function)."
                )
            taken[fn.name] = fn
        for fn in auto:
            base = fn.base_name
            candidate, n = base, 1
            while candidate in taken:
                n += 1
                candidate = f"{base}-{n}"
            fn.name = candidate
            taken[candidate] = fn

    def _name_sources(self) -> None:
        """Refuse two queues (topics, schedules) of one name; number auto-named schedules."""
        for kind, nodes in (("queues", self.queues), ("topics", self.topics)):
            taken: dict[str, Node] = {}
            for node in nodes:
                if node.key in taken:
                    raise PipelineDefinitionError(
                        f"Two {kind} in pipeline {self.name!r} are named {node.key!r}: "
                        f"{taken[node.key].label} and {node.label}. Rename one, or reuse the same "
                        "node object to mean the same one."
                    )
                taken[node.key] = node
        names: dict[str, Schedule] = {}
        for schedule in self.schedules:
            if schedule.auto_named:
                continue
            if schedule.name in names:
                raise PipelineDefinitionError(
                    f"Two schedules in pipeline {self.name!r} are named {schedule.name!r}: "
                    f"{names[schedule.name].label} and {schedule.label}; rename one."
                )
            names[schedule.name] = schedule
        for schedule in self.schedules:
            if not schedule.auto_named:
                continue
            candidate, n = schedule.base_name, 1
            while candidate in names:
                n += 1
                candidate = f"{schedule.base_name}-{n}"
            schedule.name = candidate
            names[candidate] = schedule

    def _check_cycles(self) -> None:
        state: dict[int, int] = {}
        path: list[Node] = []

        def visit(node: Node) -> None:
            state[id(node)] = 1
            path.append(node)
            for nxt in self.successors(node):
                if state.get(id(nxt)) == 1:
                    loop = [*path[path.index(nxt) :], nxt]
                    raise PipelineDefinitionError(
                        f"Pipeline {self.name!r} has a cycle: "
                        f"{' >> '.join(n.label for n in loop)}. Data would flow around it forever; "
                        "write to a new node (for S3, a different bucket or prefix) instead."
                    )
                if id(nxt) not in state:
                    visit(nxt)
            path.pop()
            state[id(node)] = 2

        for node in self.nodes:
            if id(node) not in state:
                visit(node)

    def _group_buckets(self) -> tuple[BucketGroup, ...]:
        by_name: dict[str, list[S3]] = {}
        for node in self.nodes:
            if isinstance(node, S3):
                by_name.setdefault(node.bucket_name, []).append(node)
        groups = []
        for bucket_name, nodes in by_name.items():
            regions = {n.region_name for n in nodes if n.region_name is not None}
            if len(regions) > 1:
                raise PipelineDefinitionError(
                    f"Bucket {bucket_name!r} is named with different regions: "
                    + ", ".join(f"{n.label} in {n.region_name!r}" for n in nodes)
                    + ". A bucket lives in one region; give every S3 node for it the same "
                    "region_name (or None for the stack's)."
                )
            region = regions.pop() if regions else None
            triggers: list[Trigger] = []
            for node in nodes:
                for target in self.successors(node):
                    if not isinstance(target, (AWSLambda, SQS, SNS)):  # check_edge allows these
                        continue
                    if target.region_name and region and target.region_name != region:
                        raise PipelineDefinitionError(
                            f"{node.label} in {region!r} >> {target.label} in "
                            f"{target.region_name!r}: S3 can only invoke a function in the "
                            "bucket's own region (and send to a queue or topic there). Put both in one region."
                        )
                    if node.via == EVENTBRIDGE and isinstance(target, SNS):
                        raise PipelineDefinitionError(
                            f"{node.label} (via='eventbridge') >> {target.label}: jaya routes "
                            "EventBridge rules to functions and queues only. Drop via= to "
                            "publish with the bucket notification, or send to an SQS(...)."
                        )
                    triggers.extend(Trigger(node, target, event) for event in node.on)
            notified = [t for t in triggers if t.via == NOTIFICATION]
            for i, a in enumerate(notified):
                for b in notified[i + 1 :]:
                    if a.event.overlaps(b.event):
                        raise PipelineDefinitionError(
                            f"Bucket {bucket_name!r} has two triggers that overlap: "
                            f"{a.describe()} and {b.describe()}. AWS rejects such a bucket "
                            "notification as 'ambiguously defined' at deploy time; give each its "
                            "own prefix or suffix, e.g. S3.event(S3.ALL_CREATED_OBJECTS, "
                            "prefix='in/'), fan one trigger out with a topic "
                            f"(S3({bucket_name!r}, ...) >> SNS('fan-out') >> [f, g]), or route "
                            f"with EventBridge (S3({bucket_name!r}, ..., via='eventbridge')), "
                            "whose rules may overlap."
                        )
            versioned = [n for n in nodes if n.versioning]
            days = {n.noncurrent_days for n in versioned}
            if len(days) > 1:
                raise PipelineDefinitionError(
                    f"Bucket {bucket_name!r} is versioned with different noncurrent_days: "
                    + ", ".join(f"{n.label} {n.noncurrent_days}" for n in versioned)
                    + ". A bucket has one lifecycle rule; give every node the same value."
                )
            groups.append(
                BucketGroup(
                    bucket_name,
                    tuple(nodes),
                    region,
                    tuple(triggers),
                    versioning=bool(versioned),
                    noncurrent_days=days.pop() if days else 30,
                )
            )
        return tuple(groups)

    def _check_sources_and_sinks(self) -> None:
        for node in self.nodes:
            if isinstance(node, S3):
                feeds = self.successors(node)
                if node.on and not feeds:
                    raise PipelineDefinitionError(
                        f"{node.label} has on=[...] events but feeds no function, queue or topic, so nothing "
                        f"would receive them. Join it to one ({node.label} >> AWSLambda(...)) "
                        "or drop on=."
                    )
                if feeds and not node.on:
                    names = ", ".join(f.label for f in feeds)
                    raise PipelineDefinitionError(
                        f"{node.label} feeds {names} but has no events to send. Say which, e.g. "
                        f"S3({node.bucket_name!r}, on=[S3.ALL_CREATED_OBJECTS])."
                    )
            elif isinstance(node, CopyS3Lambda) and not self.destinations_of(node):
                raise PipelineDefinitionError(
                    f"{node.label} copies objects but has no destination; join it to a "
                    f"bucket: {node.label} >> S3('my-destination-bucket')."
                )

    def _check_triggered(self) -> None:
        """Refuse functions nothing invokes (run last: the more specific checks speak first)."""
        for fn in self.functions:
            if fn.invoked_by is None and not self.predecessors(fn):
                raise PipelineDefinitionError(
                    f"{fn.label} in pipeline {self.name!r} has no trigger, so nothing in the "
                    f"pipeline would ever invoke it. Feed it from a bucket "
                    f"(S3('my-bucket', on=[S3.ALL_CREATED_OBJECTS]) >> {fn.label}), a queue, "
                    f"a topic or a Schedule('rate(1 hour)'), or, if "
                    f"something outside the pipeline invokes it, declare that: "
                    f"{type(fn).__name__}({fn.name!r}, ..., invoked_by='external')."
                )

    def _check_firehoses(self) -> None:
        for fn in self.functions:
            if isinstance(fn, MapS3ToFirehoseLambda) and not self.firehoses_of(fn):
                raise PipelineDefinitionError(
                    f"{fn.label} maps objects to Firehose but feeds no delivery stream; join it to "
                    f"one: {fn.label} >> Firehose('my-firehose', ...) >> Table(...)."
                )
        for fn in self.functions:
            for fh in self.firehoses_of(fn):
                if fn.region_name and fh.region_name and fn.region_name != fh.region_name:
                    raise PipelineDefinitionError(
                        f"{fn.label} in {fn.region_name!r} >> {fh.label} in {fh.region_name!r}: the "
                        "function sends records with a client of its own region, so every call "
                        "would fail. Put both in one region."
                    )
        names: dict[str, Firehose] = {}
        buckets = {g.bucket_name for g in self.buckets}
        for fh in self.firehoses:
            if fh.firehose_name in names:
                raise PipelineDefinitionError(
                    f"Two Firehose nodes are named {fh.firehose_name!r}; a stream name is unique in an "
                    "account and region. Reuse the same node object or rename one."
                )
            names[fh.firehose_name] = fh
            if fh.holding_bucket in buckets:
                raise PipelineDefinitionError(
                    f"The holding bucket {fh.holding_bucket!r} of {fh.label} is also an S3 node of the "
                    "pipeline; Firehose needs a bucket of its own to stage records. Name another one."
                )
            tables = [n for n in self.successors(fh) if isinstance(n, Table)]
            if len(tables) != 1:
                found = ", ".join(t.label for t in tables) or "none"
                raise PipelineDefinitionError(
                    f"{fh.label} must feed exactly one Table (it loads it with COPY); it feeds {found}. "
                    f"Write {fh.label} >> Table(db_conf, {fh.table_name!r}, ...)."
                )
            table = tables[0]
            if fh.table is not None and fh.table is not table:
                raise PipelineDefinitionError(
                    f"{fh.label} was made with Firehose.for_table({fh.table.label}, ...) but feeds "
                    f"{table.label}; it would log in and COPY with the other table's connection. "
                    f"Write {fh.label} >> the table given to for_table."
                )
            if fh.table_name not in (table.table_name, table.key):
                raise PipelineDefinitionError(
                    f"{fh.label} loads table_name={fh.table_name!r} but feeds {table.label}; COPY would "
                    f"load the wrong table. Make them the same: table_name={table.table_name!r}."
                )
            if fh.columns is not None:
                missing = [c for c in fh.columns if c not in table.column_names]
                if missing:
                    raise PipelineDefinitionError(
                        f"{fh.label} copies column(s) {', '.join(map(repr, missing))} that {table.label} "
                        f"lacks (it has {', '.join(table.column_names)}). Add them to the Table or drop "
                        "them from columns=."
                    )
            conf = table.db_conf
            if "db-name" in conf and conf["db-name"] != fh.database_name:
                raise PipelineDefinitionError(
                    f"{fh.label} loads database {fh.database_name!r} but {table.label} lives in "
                    f"{conf['db-name']!r}; give both the same database."
                )
            if "db-server" in conf and str(conf["db-server"]).partition(":")[0] != fh.host:
                raise PipelineDefinitionError(
                    f"{fh.label} connects to {fh.host!r} but {table.label} lives on "
                    f"{conf['db-server']!r}; give both the same server."
                )

    def _check_sources(self) -> None:
        """Queues, topics and schedules: one reader per queue, its timeout, and one region."""
        for node in (*self.queues, *self.topics):
            if not self.successors(node) and not self.predecessors(node):
                raise PipelineDefinitionError(
                    f"{node.label} is joined to nothing in pipeline {self.name!r}, so nothing "
                    f"would send to it or read it. Join it ({node.label} >> AWSLambda(...), or "
                    f"S3(...) >> {node.label}) or drop it."
                )
        for queue in self.queues:
            readers = [n for n in self.successors(queue) if isinstance(n, AWSLambda)]
            if len(readers) > 1:
                names = ", ".join(r.label for r in readers)
                raise PipelineDefinitionError(
                    f"{queue.label} feeds {names}, but a queue hands each message to one reader, "
                    "so each function would see only some of them. To give every function every "
                    f"message, fan out with a topic: SNS('fan-out') >> [{names}] (or one queue "
                    "per function behind the topic)."
                )
            if readers and queue.visibility_timeout is not None:
                needed = queue.required_visibility(readers[0].timeout)
                if queue.visibility_timeout < needed:
                    raise PipelineDefinitionError(
                        f"{queue.label} has visibility_timeout={queue.visibility_timeout}, but "
                        f"{readers[0].label} may run {readers[0].timeout} s: a record would "
                        "reappear (and run twice) while its batch is still being processed. "
                        f"AWS advises six times the function's timeout plus the batching window: "
                        f"pass visibility_timeout={needed} or more, or leave it unset."
                    )
        for schedule in self.schedules:
            if not self.functions_of(schedule):
                raise PipelineDefinitionError(
                    f"{schedule.label} invokes nothing; join it to a function: "
                    f"{schedule.label} >> AWSLambda('job', handler)."
                )
            regions = {f.region_name for f in self.functions_of(schedule) if f.region_name}
            if len(regions) > 1:
                raise PipelineDefinitionError(
                    f"{schedule.label} invokes functions in {', '.join(sorted(regions))}, but its "
                    "rule lives in one region and invokes functions there only. Use one schedule "
                    "per region."
                )
        for source, target in self.edges:
            if isinstance(source, S3) or isinstance(target, S3):
                continue  # S3's own checks (bucket regions, writes anywhere) apply
            a, b = getattr(source, "region_name", None), getattr(target, "region_name", None)
            if a and b and a != b:
                raise PipelineDefinitionError(
                    f"{source.label} in {a!r} >> {target.label} in {b!r}: queues, topics and "
                    "functions are joined within one region here. Put both in one region."
                )

    def _check_warehouses(self) -> None:
        """Refuse two ``RedshiftServerless`` declarations of one namespace or workgroup."""
        seen: dict[str, RedshiftServerless] = {}
        for wh in self.warehouses:
            for name in (f"namespace {wh.namespace!r}", f"workgroup {wh.workgroup!r}"):
                if name in seen:
                    raise PipelineDefinitionError(
                        f"{seen[name].label} and {wh.label} both declare {name}; a name is unique "
                        "in an account and region. Use one RedshiftServerless object's db_conf for "
                        "every table it hosts."
                    )
                seen[name] = wh

    def _check_recursion(self) -> None:
        """Refuse functions whose writes invoke themselves again, directly or through others."""
        fires: dict[int, list[tuple[AWSLambda, S3, Trigger]]] = {}
        for fn in self.functions:
            for dest in self.destinations_of(fn):
                for trigger in self.bucket_of(dest).triggers:
                    if trigger.event.creates_objects and _prefixes_overlap(
                        dest.prefix, trigger.event.prefix
                    ):
                        for reached in self.functions_reached(trigger.target):
                            fires.setdefault(id(fn), []).append((reached, dest, trigger))

        def explain(fn: AWSLambda, nxt: AWSLambda, dest: S3, trig: Trigger) -> str:
            where = f"s3://{dest.bucket_name}/{dest.prefix}"
            through = "" if trig.target is nxt else f" via {trig.target.label}"
            return (
                f"{fn.label} writes to {where}, which fires {nxt.label}{through} "
                f"through {trig.source.label} ({trig.event.describe()})"
            )

        def walk(start: AWSLambda, fn: AWSLambda, steps: list[str], seen: set[int]) -> None:
            for nxt, dest, trig in fires.get(id(fn), []):
                step = explain(fn, nxt, dest, trig)
                if nxt is start:
                    first = self.s3_triggers_of(start)
                    source = first[0].source.label if first else "its source"
                    bucket = dest.bucket_name
                    raise PipelineDefinitionError(
                        f"{source} >> {start.label} >> {dest.label} invokes {start.name!r} on its "
                        f"own output (a recursive invocation): {'; '.join([*steps, step])}. Give "
                        "the source an event prefix and write under another one, e.g. "
                        f"S3({bucket!r}, on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix='in/')]) >> "
                        f"... >> S3({bucket!r}, prefix='out/'), or write to another bucket."
                    )
                if id(nxt) not in seen:
                    walk(start, nxt, [*steps, step], seen | {id(nxt)})

        for fn in self.functions:
            walk(fn, fn, [], {id(fn)})
