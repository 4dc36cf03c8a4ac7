"""Pictures of a pipeline: Mermaid and Graphviz DOT text, and PNG through Graphviz's ``dot``.

Plain Python: importing this module imports neither pulumi nor boto3. Nodes are labelled with
their kind and physical name (``{stack}`` stays a placeholder unless a stack is given; a schedule
shows its expression), each kind with a shape of its own; edges with what flows along them: an
S3 edge with each trigger's event type and key filters (and ``EventBridge`` when a rule routes
it), a function -> S3 edge with the prefix the function writes under, a queue -> function edge
with its batch, and what a topic, a schedule or a writing function does. A ``RedshiftServerless``
warehouse is not a node of the graph; it is drawn beside the tables it hosts, with a dashed edge.

Not supported: styling per node, subgraphs per region, and pictures of several pipelines at
once (draw each on its own).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from jaya_pulumi.dsl import (
    DEAD_LETTER_SUFFIX,
    EVENTBRIDGE,
    MAX_RULE_NAME,
    S3,
    SNS,
    SQS,
    STACK_PLACEHOLDER,
    AWSLambda,
    Node,
    Pipeline,
    Schedule,
    WarehouseRef,
    expand,
    function_name_template,
    physical_function_name,
    physical_name,
)
from jaya_pulumi.errors import GraphvizNotFoundError

__all__ = [
    "GraphEdge",
    "GraphNode",
    "PipelineGraph",
    "describe",
    "render_png",
    "to_dot",
    "to_mermaid",
]

_EDGE_VERBS: dict[tuple[str, str], str] = {
    ("AWSLambda", "Firehose"): "put records",
    ("Firehose", "Table"): "COPY",
    ("AWSLambda", "SQS"): "sends",
    ("AWSLambda", "SNS"): "publishes",
    ("SNS", "SQS"): "subscribes",
    ("SNS", "AWSLambda"): "subscribes",
    ("Schedule", "AWSLambda"): "invokes",
}
_MERMAID_SHAPES: dict[str, tuple[str, str]] = {
    "S3": ("[(", ")]"),
    "AWSLambda": ("(", ")"),
    "Firehose": ("[/", "/]"),
    "Table": ("[[", "]]"),
    "RedshiftServerless": ("[\\", "/]"),
    "SQS": (">", "]"),
    "SNS": ("{{", "}}"),
    "Schedule": ("((", "))"),
}
_DOT_SHAPES: dict[str, str] = {
    "S3": "cylinder",
    "AWSLambda": "box",
    "Firehose": "parallelogram",
    "Table": "box3d",
    "RedshiftServerless": "house",
    "SQS": "cds",
    "SNS": "hexagon",
    "Schedule": "octagon",
}
_LIMITS: dict[str, int] = {
    "SQS": 80 - len(DEAD_LETTER_SUFFIX),
    "SNS": 256,
    "Schedule": MAX_RULE_NAME,
}


@dataclass(frozen=True)
class GraphNode:
    """One node of the picture."""

    id: str
    """A stable identifier in the picture (``n1``, ``n2``, ... in order of appearance)."""
    kind: str
    """The node's family (``S3``, ``SQS``, ``SNS``, ``Schedule``, ``AWSLambda``, ``Firehose``, ...)."""
    type_name: str
    """The node's class, e.g. ``CopyS3Lambda``: the first line of its label."""
    name: str
    """The physical name (bucket, function, stream, table, queue, topic), with ``/prefix`` for S3
    prefixes; a schedule shows its expression."""
    label: str
    """The node as messages name it, e.g. ``S3('raw')``."""

    @property
    def lines(self) -> tuple[str, str]:
        """The two lines the picture shows: the class name and the physical name."""
        return (self.type_name, self.name)


@dataclass(frozen=True)
class GraphEdge:
    """One edge of the picture."""

    source: str
    """The id of the source node."""
    target: str
    """The id of the target node."""
    lines: tuple[str, ...]
    """What flows along the edge, one line per trigger (empty: no label)."""
    dashed: bool = False
    """True for an edge outside the ``>>`` graph (a warehouse beside the tables it hosts)."""


@dataclass(frozen=True)
class PipelineGraph:
    """A pipeline reduced to what its picture shows."""

    name: str
    """The pipeline's name."""
    nodes: tuple[GraphNode, ...]
    """The nodes, in order of appearance."""
    edges: tuple[GraphEdge, ...]
    """The edges, in reading order."""


def describe(pipeline: Pipeline, stack: str | None = None) -> PipelineGraph:
    """Reduce ``pipeline`` to labelled nodes and edges; ``stack`` expands ``{stack}`` in names."""
    ids = {id(node): f"n{i}" for i, node in enumerate(pipeline.nodes, start=1)}
    nodes = tuple(
        GraphNode(ids[id(n)], n.kind, _type_name(n), _physical_name(pipeline, n, stack), n.label)
        for n in pipeline.nodes
    )
    edges = tuple(
        GraphEdge(ids[id(a)], ids[id(b)], _edge_lines(pipeline, a, b)) for a, b in pipeline.edges
    )
    extra_nodes: list[GraphNode] = []
    extra_edges: list[GraphEdge] = []
    for i, wh in enumerate(pipeline.warehouses, start=len(ids) + 1):
        wh_id = f"n{i}"
        name = f"{_expand(wh.namespace, stack)}/{_expand(wh.workgroup, stack)}"
        extra_nodes.append(GraphNode(wh_id, wh.kind, "RedshiftServerless", name, wh.label))
        for table in pipeline.tables:
            refs = [v for v in table.db_conf.values() if isinstance(v, WarehouseRef)]
            if any(ref.warehouse is wh for ref in refs):
                extra_edges.append(GraphEdge(wh_id, ids[id(table)], ("hosts",), dashed=True))
    return PipelineGraph(pipeline.name, nodes + tuple(extra_nodes), edges + tuple(extra_edges))


def to_mermaid(pipeline: Pipeline, stack: str | None = None) -> str:
    """The pipeline as a Mermaid flowchart (left to right), ready for a README."""
    graph = describe(pipeline, stack)
    out = ["---", f"title: {graph.name}", "---", "flowchart LR"]
    for node in graph.nodes:
        opening, closing = _MERMAID_SHAPES.get(node.kind, ("[", "]"))
        text = "<br/>".join(_mermaid_text(line) for line in node.lines)
        out.append(f'    {node.id}{opening}"{text}"{closing}')
    for edge in graph.edges:
        arrow = "-.->" if edge.dashed else "-->"
        if edge.lines:
            text = "<br/>".join(_mermaid_text(line) for line in edge.lines)
            out.append(f'    {edge.source} {arrow}|"{text}"| {edge.target}')
        else:
            out.append(f"    {edge.source} {arrow} {edge.target}")
    return "\n".join(out) + "\n"


def to_dot(pipeline: Pipeline, stack: str | None = None) -> str:
    """The pipeline as a Graphviz ``digraph`` (left to right)."""
    graph = describe(pipeline, stack)
    out = [
        f"digraph {_dot_string(graph.name)} {{",
        "    rankdir=LR;",
        '    node [fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
    ]
    for node in graph.nodes:
        shape = _DOT_SHAPES.get(node.kind, "ellipse")
        label = _dot_string("\n".join(node.lines))
        out.append(f"    {node.id} [label={label}, shape={shape}];")
    for edge in graph.edges:
        parts = [f"label={_dot_string(chr(10).join(edge.lines))}"] if edge.lines else []
        if edge.dashed:
            parts.append("style=dashed")
        attrs = f" [{', '.join(parts)}]" if parts else ""
        out.append(f"    {edge.source} -> {edge.target}{attrs};")
    out.append("}")
    return "\n".join(out) + "\n"


def render_png(pipeline: Pipeline, path: str | Path, stack: str | None = None) -> Path:
    """Draw the pipeline into a PNG file with Graphviz's ``dot``; returns the path written.

    :raises GraphvizNotFoundError: when ``dot`` is not on PATH.
    """
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFoundError(
            "Drawing a PNG needs Graphviz's 'dot' program, which is not on PATH. Install "
            "Graphviz (apt-get install graphviz, brew install graphviz, or "
            "https://graphviz.org/download/), or use --format mermaid or --format dot."
        )
    target = Path(path)
    result = subprocess.run(
        [dot, "-Tpng", "-o", str(target)],
        input=to_dot(pipeline, stack).encode(),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise GraphvizNotFoundError(
            f"Graphviz's dot failed (exit {result.returncode}): "
            f"{result.stderr.decode(errors='replace').strip()}"
        )
    return target


# -- labels ---------------------------------------------------------------------------------


def _type_name(node: Node) -> str:
    if isinstance(node, S3) and node.via == EVENTBRIDGE:
        return "S3 (via EventBridge)"
    # A function declared invoked_by="external" says so: nothing in the picture feeds it.
    invoked_by = getattr(node, "invoked_by", None)
    suffix = f" (invoked by: {invoked_by})" if isinstance(invoked_by, str) else ""
    return type(node).__name__ + suffix


def _physical_name(pipeline: Pipeline, node: Node, stack: str | None) -> str:
    if isinstance(node, S3):
        name = _expand(node.bucket_name, stack)
        return f"{name}/{node.prefix}" if node.prefix else name
    if isinstance(node, AWSLambda):
        return _function_name(pipeline, node, stack)
    if isinstance(node, Schedule):
        return node.expression
    if isinstance(node, (SQS, SNS)):
        if stack is None:
            return f"{pipeline.name}-{node.name}-{STACK_PLACEHOLDER}"
        return physical_name(pipeline, node.name, stack, _LIMITS[node.kind])
    return _expand(node.key, stack)


def _function_name(pipeline: Pipeline, function: AWSLambda, stack: str | None) -> str:
    if stack is None:
        return function_name_template(pipeline, function)
    return physical_function_name(pipeline, function, stack)


def _expand(template: str, stack: str | None) -> str:
    return template if stack is None else expand(template, stack)


def _edge_lines(pipeline: Pipeline, source: Node, target: Node) -> tuple[str, ...]:
    if isinstance(source, S3) and isinstance(target, (AWSLambda, SQS, SNS)):
        triggers = pipeline.bucket_of(source).triggers
        lines = tuple(
            _filters(t.event.trigger, t.event.prefix, t.event.suffix)
            for t in triggers
            if t.source is source and t.target is target
        )
        return ("EventBridge", *lines) if source.via == EVENTBRIDGE else lines
    if isinstance(source, SQS) and isinstance(target, AWSLambda):
        window = f", window {source.max_batching_window} s" if source.max_batching_window else ""
        return (f"batch of {source.batch_size}{window}", "partial failures")
    if isinstance(source, AWSLambda) and isinstance(target, S3):
        return (_filters("writes", target.prefix, ""),)
    verb = _EDGE_VERBS.get((source.kind, target.kind))
    return (verb,) if verb else ()


def _filters(head: str, prefix: str, suffix: str) -> str:
    parts = [head]
    if prefix:
        parts.append(f"prefix={prefix}")
    if suffix:
        parts.append(f"suffix={suffix}")
    return " ".join(parts)


def _mermaid_text(text: str) -> str:
    # Inside a quoted Mermaid label only '"' and '#' (entity start) and angle brackets need care.
    return (
        text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    )


def _dot_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
