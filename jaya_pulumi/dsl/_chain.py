"""The ``>>`` operator: nodes, chains and the edges they describe.

A node is a description (names, settings), never a cloud object. ``a >> b`` returns a
:class:`Chain` that remembers its heads, its tails and its edges in reading order, so
``(a >> b) >> [c, d >> e]`` joins ``c`` and ``d`` to ``b``. No module-level state is kept:
the whole graph lives in the chain objects the user holds.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar, TypeVar, Union

from jaya_pulumi.errors import PipelineDefinitionError

if TYPE_CHECKING:
    from typing import TypeAlias

__all__ = ["ALLOWED_EDGES", "Chain", "Edge", "Node", "Target"]

_T = TypeVar("_T")

Edge = tuple["Node", "Node"]
"""A directed edge ``(source, target)`` between two nodes."""

Target: TypeAlias = Union["Node", "Chain", Sequence[Union["Node", "Chain"]]]
"""What may stand on either side of ``>>``: a node, a chain, or a list of them (fan-out/fan-in)."""

ALLOWED_EDGES: tuple[tuple[str, str, str], ...] = (
    ("S3", "AWSLambda", "an S3 event invokes the function (notification, or EventBridge rule)"),
    ("S3", "SQS", "the bucket sends its events to the queue (notification, or EventBridge rule)"),
    ("S3", "SNS", "the bucket publishes its events to the topic (notification only)"),
    ("SNS", "SQS", "the topic delivers each message to the queue"),
    ("SNS", "AWSLambda", "the topic invokes the function with each message"),
    ("SQS", "AWSLambda", "the function reads the queue in batches (partial batch failures)"),
    ("Schedule", "AWSLambda", "the schedule invokes the function"),
    ("AWSLambda", "S3", "the function writes objects to the bucket"),
    ("AWSLambda", "SQS", "the function sends messages to the queue"),
    ("AWSLambda", "SNS", "the function publishes messages to the topic"),
    ("AWSLambda", "Firehose", "the function sends records to the delivery stream"),
    ("Firehose", "Table", "the delivery stream loads the table with COPY"),
)
"""Edge kinds the DSL accepts, as ``(source kind, target kind, meaning)``."""


class Node(ABC):
    """Base class of every pipeline node; ``>>`` connects nodes into chains."""

    kind: ClassVar[str] = "Node"
    """The family of the node (``S3``, ``SQS``, ``SNS``, ``Schedule``, ``AWSLambda``, ...)."""

    @property
    def label(self) -> str:
        """How the node is named in messages and pictures, e.g. ``S3('raw')``."""
        return f"{type(self).__name__}({self.key!r})"

    @property
    @abstractmethod
    def key(self) -> str:
        """The node's logical name (a bucket name, a function name, ...)."""

    def __rshift__(self, other: Target) -> Chain:
        return Chain.of(self) >> other

    def __rrshift__(self, other: Sequence[Node | Chain]) -> Chain:
        return Chain.of(other) >> self

    def __repr__(self) -> str:
        return self.label


class Chain:
    """The result of ``>>``: nodes and edges in reading order, plus the heads and tails to join."""

    __slots__ = ("edges", "heads", "nodes", "tails")

    def __init__(
        self,
        heads: Sequence[Node],
        tails: Sequence[Node],
        nodes: Sequence[Node],
        edges: Sequence[Edge],
    ) -> None:
        self.heads: tuple[Node, ...] = tuple(heads)
        """Nodes that the left side of a following ``>>`` would join to."""
        self.tails: tuple[Node, ...] = tuple(tails)
        """Nodes that a following ``>>`` joins from."""
        self.nodes: tuple[Node, ...] = tuple(nodes)
        """Every node of the chain, each once, in order of first appearance."""
        self.edges: tuple[Edge, ...] = tuple(edges)
        """Every edge, each once, in reading order."""

    @classmethod
    def of(cls, item: Target) -> Chain:
        """Turn a node, a chain, or a list of them into a chain."""
        if isinstance(item, Chain):
            return item
        if isinstance(item, Node):
            return cls((item,), (item,), (item,), ())
        if isinstance(item, (list, tuple)):
            if not item:
                raise PipelineDefinitionError(
                    "An empty list cannot be joined with >>; put at least one node in it."
                )
            parts = [cls.of(part) for part in item]
            return cls(
                _unique(n for p in parts for n in p.heads),
                _unique(n for p in parts for n in p.tails),
                _unique(n for p in parts for n in p.nodes),
                _unique(e for p in parts for e in p.edges),
            )
        from jaya_pulumi.dsl._warehouse import RedshiftServerless  # it imports this module

        if isinstance(item, RedshiftServerless):
            raise PipelineDefinitionError(
                f"Cannot use {item.label} in a pipeline: a warehouse is not a node of the >> "
                "graph. Give its db_conf to the tables it hosts (wh = RedshiftServerless(...); "
                "table = Table(wh.db_conf, 'events', ...); stream = Firehose.for_table(table, "
                "...)) and join the stream and the table: the pipeline creates the warehouse."
            )
        raise PipelineDefinitionError(
            f"Cannot use {item!r} (a {type(item).__name__}) in a pipeline: only nodes such as "
            "S3(...), SQS(...), SNS(...), Schedule(...), AWSLambda(...), Firehose(...) and "
            "Table(...), chains of them joined with >>, "
            "and lists of those may be joined."
        )

    def __rshift__(self, other: Target) -> Chain:
        items = list(other) if isinstance(other, (list, tuple)) else [other]
        right_parts = [Chain.of(item) for item in items]
        edges: list[Edge] = list(self.edges)
        for part in right_parts:
            for tail in self.tails:
                for head in part.heads:
                    check_edge(tail, head)
                    edges.append((tail, head))
            edges.extend(part.edges)
        return Chain(
            self.heads,
            _unique(n for p in right_parts for n in p.tails),
            _unique([*self.nodes, *(n for p in right_parts for n in p.nodes)]),
            _unique(edges),
        )

    def __rrshift__(self, other: Sequence[Node | Chain]) -> Chain:
        return Chain.of(other) >> self

    def __repr__(self) -> str:
        return " ; ".join(f"{a.label} >> {b.label}" for a, b in self.edges) or repr(self.nodes)


def check_edge(source: Node, target: Node) -> None:
    """Refuse an edge whose kinds are not in :data:`ALLOWED_EDGES`."""
    if source is target:
        raise PipelineDefinitionError(
            f"{source.label} >> {source.label} joins a node to itself; "
            "a node cannot feed itself. Use a second node as the target."
        )
    if any(source.kind == a and target.kind == b for a, b, _ in ALLOWED_EDGES):
        return
    allowed = "\n".join(f"  {a} >> {b}: {why}" for a, b, why in ALLOWED_EDGES)
    raise PipelineDefinitionError(
        f"{source.label} >> {target.label} is not a supported edge "
        f"({source.kind} >> {target.kind}). The edges a pipeline may contain are:\n{allowed}"
    )


def _unique(items: Iterable[_T]) -> list[_T]:
    """Keep the first of each item, comparing nodes (and edges of nodes) by identity."""
    seen: set[object] = set()
    out: list[_T] = []
    for item in items:
        marker = tuple(map(id, item)) if isinstance(item, tuple) else id(item)
        if marker not in seen:
            seen.add(marker)
            out.append(item)
    return out
