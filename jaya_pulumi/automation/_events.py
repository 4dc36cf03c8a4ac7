"""Engine events grouped by pipeline node: what each node will create, update or replace, and why.

Pure: :class:`NodeEvents` consumes :class:`pulumi.automation.events.EngineEvent` objects (from a
live ``on_event`` callback or a recorded stream) and needs no CLI, no stack and no network.
A resource belongs to the node component it sits under: the outermost ``jaya:aws:Bucket``,
``jaya:aws:Function``, ``jaya:aws:Firehose``, ``jaya:redshift:Table``, ``jaya:aws:Queue``,
``jaya:aws:Topic`` or ``jaya:aws:EventRule`` (a schedule's) in its URN's type chain
says which kind of node, and among the nodes of that kind the one whose component name is the
longest prefix of the resource's name is the owner (children are named ``<component>-<part>``).
Anything under no node component (the stack, providers, the pipeline component) is grouped under
the pipeline itself.

A step counts as done the way the engine counts it in ``summaryEvent.resourceChanges``: only a
step the program asked for (``logical``; not the ``create-replacement`` and ``delete-replaced``
halves of a replacement) that succeeded. A custom resource's step succeeded when its
``resOutputsEvent`` arrives; a component's (and the stack's) step has no provider call, so the
engine applies and counts it as soon as it starts, while its outputs event waits for the
program's ``register_outputs``. A step that failed (``resOpFailedEvent``) or never finished is
reported as failed or not done and is not counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from jaya_pulumi.dsl import (
    Node,
    Pipeline,
    bucket_component_name,
    firehose_component_name,
    function_component_name,
    source_component_name,
    table_component_name,
)

if TYPE_CHECKING:
    from pulumi.automation.events import EngineEvent, StepEventMetadata

__all__ = ["OPS", "NodeChanges", "NodeEvents", "ResourceChange", "past_tense", "resource_name_of"]

OPS: tuple[str, ...] = ("create", "update", "replace", "delete", "read", "same")
"""The summarised operations, in the order summaries list them."""

_NODE_TYPES = {
    "jaya:aws:Bucket": "bucket",
    "jaya:aws:Function": "function",
    "jaya:aws:Firehose": "firehose",
    "jaya:redshift:Table": "table",
    "jaya:aws:Queue": "queue",
    "jaya:aws:Topic": "topic",
    "jaya:aws:EventRule": "rule",
}
"""The component type of each kind of pipeline node."""

_REPLACE_STEPS = frozenset({"replace", "create-replacement", "delete-replaced"})
_NOT_LOGICAL = frozenset(
    {
        "create-replacement",
        "delete-replaced",
        "read-replacement",
        "import-replacement",
        "discard-replaced",
        "remove-pending-replace",
        "refresh",
    }
)
"""Steps the engine takes on its own; it never counts them (used when ``logical`` is absent)."""
_OP_OF_STEP = {
    "create": "create",
    "update": "update",
    "delete": "delete",
    "read": "read",
    "read-replacement": "read",
    "import": "create",
    "import-replacement": "replace",
    "refresh": "same",
    "same": "same",
    "discard": "delete",
    "discard-replaced": "replace",
    "remove-pending-replace": "delete",
}
_PAST = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "delete": "deleted",
    "read": "read",
    "same": "unchanged",
}


def resource_name_of(urn: str) -> str:
    """The resource's logical name: the last part of ``urn:pulumi:stack::project::type::name``."""
    parts = urn.split("::", 3)
    return parts[3] if len(parts) == 4 else urn


@dataclass
class ResourceChange:
    """What the engine does to one resource."""

    urn: str
    """The resource's URN."""
    type: str
    """The resource type token, e.g. ``aws:s3/bucket:Bucket``."""
    name: str
    """The resource's logical name."""
    op: str
    """One of :data:`OPS`: ``create``, ``update``, ``replace``, ``delete``, ``read`` or ``same``."""
    diffs: tuple[str, ...] = ()
    """The properties that changed."""
    replace_keys: tuple[str, ...] = ()
    """The properties whose change forces a replacement."""
    done: bool = False
    """True once the resource's step succeeded: the engine counts it in its summary."""
    failed: bool = False
    """True when a step of the resource failed (``ResOpFailedEvent``)."""
    custom: bool = True
    """False for a component or the stack (no provider call: done as soon as it starts)."""

    @property
    def status(self) -> str:
        """``done``, ``failed``, or ``not done`` (started, and no end reported)."""
        if self.failed:
            return "failed"
        return "done" if self.done else "not done"

    @property
    def reason(self) -> str:
        """Why the resource changes, e.g. ``replace because of name; changed: name, runtime``."""
        parts: list[str] = []
        if self.replace_keys:
            parts.append(f"replace because of {', '.join(self.replace_keys)}")
        if self.diffs:
            parts.append(f"changed: {', '.join(self.diffs)}")
        return "; ".join(parts)


@dataclass
class NodeChanges:
    """The changes of one pipeline node (or of the pipeline itself), in the order the engine sent them."""

    label: str
    """The node as messages name it, e.g. ``S3('tsa-rajiv-bucket1')``."""
    component: str | None
    """The node's component name, or ``None`` for the pipeline-level group."""
    resources: list[ResourceChange] = field(default_factory=list)
    """Every resource of the node the engine reported."""
    diagnostics: list[str] = field(default_factory=list)
    """Warnings and errors the engine reported for the node's resources."""

    def count(self, op: str) -> int:
        """How many resources undergo ``op``."""
        return sum(1 for r in self.resources if r.op == op)

    @property
    def changed(self) -> list[ResourceChange]:
        """The resources that change (every op but ``same``)."""
        return [r for r in self.resources if r.op != "same"]

    @property
    def done(self) -> int:
        """How many of the node's resources have finished (succeeded or failed)."""
        return sum(1 for r in self.resources if r.done or r.failed)

    @property
    def failed(self) -> int:
        """How many of the node's resources failed."""
        return sum(1 for r in self.resources if r.failed)

    @property
    def not_done(self) -> list[ResourceChange]:
        """The resources whose step started and neither succeeded nor failed."""
        return [r for r in self.resources if r.status == "not done"]

    def totals(self) -> dict[str, int]:
        """Completed steps per op, as the engine counts them (failed and unfinished ones left out)."""
        return _count(r for r in self.resources if r.done)

    def counts_text(self, *, future: bool = True) -> str:
        """``2 to create, 1 to update`` (``future``) or ``2 created, 1 failed``; or ``no changes``.

        Past tense counts only the steps that completed, then those that failed or did not finish.
        """
        if future:
            parts = [f"{self.count(op)} to {op}" for op in OPS[:-1] if self.count(op)]
        else:
            done = self.totals()
            parts = [f"{done[op]} {past_tense(op)}" for op in OPS[:-1] if done.get(op)]
            if self.failed:
                parts.append(f"{self.failed} failed")
            if self.not_done:
                parts.append(f"{len(self.not_done)} not done")
        return ", ".join(parts) if parts else "no changes"


class NodeEvents:
    """Consume engine events and keep, per pipeline node, the resources changed and why.

    :param pipeline: the pipeline whose nodes name the groups; ``None`` (a program that is not
        one pipeline) puts every resource in one group named ``title``.
    :param title: the name of the catch-all group (default ``Pipeline('<name>')``).
    """

    def __init__(self, pipeline: Pipeline | None, *, title: str | None = None) -> None:
        self.pipeline: Pipeline | None = pipeline
        """The pipeline being deployed, if any."""
        # (kind, component name, group), in pipeline order
        self._components: list[tuple[str, str, NodeChanges]] = []
        if pipeline is not None:
            order = {id(n): i for i, n in enumerate(pipeline.nodes)}
            for kind, component, nodes in sorted(
                _components(pipeline), key=lambda item: min(order[id(n)] for n in item[2])
            ):
                label = nodes[0].label if len(nodes) == 1 else f"{nodes[0].kind}({nodes[0].key!r})"
                self._components.append((kind, component, NodeChanges(label, component)))
        if title is None:
            title = f"Pipeline({pipeline.name!r})" if pipeline is not None else "program"
        self._pipeline_group = NodeChanges(title, None)
        self._by_urn: dict[str, tuple[NodeChanges, ResourceChange]] = {}
        self.summary: dict[str, int] = {}
        """The engine's final count per op (from ``SummaryEvent``), empty until it arrives."""
        self.duration_seconds: int | None = None
        """How long the operation took, from ``SummaryEvent``."""
        self.diagnostics: list[str] = []
        """Warnings and errors not tied to a resource."""
        self.complete: bool = False
        """True once the engine's ``SummaryEvent`` arrived: the operation ran to its end."""
        self.cancelled: bool = False
        """True once the engine closed its event stream (``CancelEvent``)."""

    # -- feeding -----------------------------------------------------------------------------

    def feed(self, events: Iterable[EngineEvent]) -> NodeEvents:
        """Consume a whole stream of events; returns ``self``."""
        for event in events:
            self.handle(event)
        return self

    def handle(self, event: EngineEvent) -> ResourceChange | None:
        """Consume one event; returns the resource it concerned, if any."""
        if event.resource_pre_event is not None:
            return self._step(event.resource_pre_event.metadata, finished=False)
        if event.res_outputs_event is not None:
            return self._step(event.res_outputs_event.metadata, finished=True)
        if event.res_op_failed_event is not None:
            meta = event.res_op_failed_event.metadata
            known = self._by_urn.get(meta.urn)
            was_done = known is not None and known[1].done
            change = self._step(meta, finished=False)
            # a step that fails is not counted; one that succeeded before (a replacement whose
            # old resource then fails to delete) stays counted, as the engine counts it
            change.done = was_done
            change.failed = True
            return change
        if event.diagnostic_event is not None:
            diag = event.diagnostic_event
            if diag.severity in ("warning", "error") and not diag.ephemeral:
                text = f"{diag.severity}: {diag.message.strip()}"
                if diag.urn:
                    self._group_of(diag.urn).diagnostics.append(text)
                else:
                    self.diagnostics.append(text)
            return None
        if event.cancel_event is not None:
            self.cancelled = True
            return None
        if event.summary_event is not None:
            summary = event.summary_event
            self.summary = {
                str(getattr(k, "value", k)): v for k, v in summary.resource_changes.items()
            }
            self.duration_seconds = summary.duration_seconds
            self.complete = True
        return None

    def _step(self, meta: StepEventMetadata, finished: bool) -> ResourceChange:
        step = str(getattr(meta.op, "value", meta.op))
        op = "replace" if step in _REPLACE_STEPS else _OP_OF_STEP.get(step, step)
        known = self._by_urn.get(meta.urn)
        if known is None:
            group = self._group_of(meta.urn)
            change = ResourceChange(meta.urn, meta.type, resource_name_of(meta.urn), op)
            change.custom = _is_custom(meta)
            group.resources.append(change)
            self._by_urn[meta.urn] = (group, change)
        else:
            change = known[1]
            if op == "replace" or change.op == "same":
                change.op = op
        if meta.diffs:
            change.diffs = _merge(change.diffs, meta.diffs)
        if meta.keys and op == "replace":
            change.replace_keys = _merge(change.replace_keys, meta.keys)
        logical = meta.logical if meta.logical is not None else step not in _NOT_LOGICAL
        if logical and (finished or not change.custom) and not change.failed:
            # the engine counts a logical step once it succeeded; a component's at once
            change.done = True
        return change

    def _group_of(self, urn: str) -> NodeChanges:
        name = resource_name_of(urn)
        parts = urn.split("::", 3)
        chain = parts[2].split("$") if len(parts) == 4 else []
        kind = next((_NODE_TYPES[t] for t in chain if t in _NODE_TYPES), None)
        if kind is None and chain:
            return self._pipeline_group  # the stack, the pipeline component, providers
        best = self._longest_prefix(name, kind)
        if best is None and kind is not None:
            best = self._longest_prefix(name, None)
        return best if best is not None else self._pipeline_group

    def _longest_prefix(self, name: str, kind: str | None) -> NodeChanges | None:
        best: NodeChanges | None = None
        best_len = -1
        for component_kind, component, group in self._components:
            if kind is not None and component_kind != kind:
                continue
            owns = name == component or name.startswith(component + "-")
            if owns and len(component) > best_len:
                best, best_len = group, len(component)
        return best

    # -- reading -----------------------------------------------------------------------------

    @property
    def nodes(self) -> list[NodeChanges]:
        """Every node that has resources or diagnostics, in pipeline order; the pipeline group last."""
        groups = [g for _, _, g in self._components]
        groups.append(self._pipeline_group)
        return [g for g in groups if g.resources or g.diagnostics]

    def node(self, label: str) -> NodeChanges:
        """The group of the node labelled ``label`` (e.g. ``"S3('raw')"``)."""
        for _, _, group in self._components:
            if group.label == label:
                return group
        if label == self._pipeline_group.label:
            return self._pipeline_group
        raise KeyError(label)

    def change(self, urn: str) -> ResourceChange | None:
        """The resource with ``urn``, if the engine reported it."""
        known = self._by_urn.get(urn)
        return None if known is None else known[1]

    @property
    def labels(self) -> list[str]:
        """Every group's label, whether or not it has resources yet."""
        return [g.label for _, _, g in self._components] + [self._pipeline_group.label]

    @property
    def resources(self) -> list[ResourceChange]:
        """Every resource reported, grouped by node."""
        return [r for g in self.nodes for r in g.resources]

    def totals(self) -> dict[str, int]:
        """Completed steps per op, counted from the events as the engine counts them.

        Only steps that succeeded count; failed and unfinished ones are in :attr:`failed` and
        :attr:`not_done`. For a stream that reached its ``SummaryEvent`` this equals
        :attr:`summary`.
        """
        return _count(r for r in self.resources if r.done)

    @property
    def failed(self) -> list[ResourceChange]:
        """The resources whose step failed."""
        return [r for r in self.resources if r.failed]

    @property
    def not_done(self) -> list[ResourceChange]:
        """The resources whose step started and neither succeeded nor failed."""
        return [r for r in self.resources if r.status == "not done"]

    def unknowns(self) -> list[str]:
        """What the events cannot tell, one sentence each; empty for a stream that reached its end."""
        if self.complete:
            return []
        out = [
            "No summary arrived from the engine: the operation stopped before it finished, so "
            "its own counts and duration are unknown.",
            "Steps the engine had not started are not in the stream: what else it would have "
            "changed is unknown.",
        ]
        pending = [r for r in self.not_done if r.custom]
        if pending:
            names = ", ".join(r.name for r in pending)
            out.append(
                f"{len(pending)} started step(s) reported no end ({names}): whether AWS applied "
                "them is unknown; run `pulumi refresh` (and `pulumi cancel` if the stack stays "
                "locked) before the next update."
            )
        return out


def _components(pipeline: Pipeline) -> list[tuple[str, str, tuple[Node, ...]]]:
    """``(kind, component name, nodes)`` of every node component the builder registers."""
    return [
        *(("bucket", bucket_component_name(g), g.nodes) for g in pipeline.buckets),
        *(("function", function_component_name(pipeline, f), (f,)) for f in pipeline.functions),
        *(("firehose", firehose_component_name(pipeline, f), (f,)) for f in pipeline.firehoses),
        *(("table", table_component_name(pipeline, t), (t,)) for t in pipeline.tables),
        *(("queue", source_component_name(pipeline, q), (q,)) for q in pipeline.queues),
        *(("topic", source_component_name(pipeline, t), (t,)) for t in pipeline.topics),
        # A bucket's EventBridge rules are named after the bucket, so they group with it.
        *(("rule", source_component_name(pipeline, r), (r,)) for r in pipeline.schedules),
    ]


def _is_custom(meta: StepEventMetadata) -> bool:
    """Whether the step's resource is custom; events built without state go by type."""
    state = meta.new or meta.old
    if state is not None:
        return bool(state.custom)
    return not meta.type.startswith(("jaya:", "pulumi:pulumi:"))


def _count(changes: Iterable[ResourceChange]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for change in changes:
        counted[change.op] = counted.get(change.op, 0) + 1
    return counted


def past_tense(op: str) -> str:
    """``created`` for ``create``, and so on."""
    return _PAST.get(op, op)


def _merge(old: tuple[str, ...], new: Iterable[str]) -> tuple[str, ...]:
    out = list(old)
    out.extend(k for k in new if k not in out)
    return tuple(out)
