"""``jaya graph`` and ``jaya_pulumi.diagram``: the pictures have exactly the pipeline's nodes and edges."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pydot
import pytest
from click.testing import CliRunner

from jaya_pulumi import S3, CopyS3Lambda, Pipeline
from jaya_pulumi.cli import main
from jaya_pulumi.diagram import render_png, to_dot, to_mermaid
from jaya_pulumi.dsl import physical_function_name
from jaya_pulumi.errors import GraphvizNotFoundError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "pipelines"
SEED_TREE = FIXTURES / "seed_tree.py"

SEED_NODES = {
    ("S3", "seed-n1"),
    ("CopyS3Lambda", "seed-tree-n2-{stack}"),
    ("S3", "seed-n3/in/"),
    ("CopyS3Lambda", "seed-tree-n4-{stack}"),
    ("S3", "seed-n5"),
    ("AWSLambda", "seed-tree-n6-{stack}"),
    ("S3", "seed-n7/out/"),
    ("S3", "seed-n8"),
}
SEED_EDGES = {
    ("seed-n1", "seed-tree-n2-{stack}", "s3:ObjectCreated:*"),
    ("seed-tree-n2-{stack}", "seed-n3/in/", "writes prefix=in/"),
    ("seed-n3/in/", "seed-tree-n4-{stack}", "s3:ObjectCreated:* prefix=in/ suffix=.csv"),
    ("seed-tree-n4-{stack}", "seed-n7/out/", "writes prefix=out/"),
    ("seed-tree-n4-{stack}", "seed-n8", "writes"),
    ("seed-tree-n2-{stack}", "seed-n5", "writes"),
    ("seed-n5", "seed-tree-n6-{stack}", "s3:ObjectCreated:*\ns3:ObjectRemoved:*"),
}

_MERMAID_NODE = re.compile(r'^\s+(n\d+)[\[\(/]+"(.+)"[\]\)/]+$')
_MERMAID_EDGE = re.compile(r'^\s+(n\d+) -->(?:\|"(.*)"\|)? (n\d+)$')


def parse_mermaid(text: str) -> tuple[set[tuple[str, str]], set[tuple[str, str, str]]]:
    """(kind, name) per node and (source name, target name, label) per edge of a flowchart."""
    lines = text.splitlines()
    assert "flowchart LR" in lines
    names: dict[str, tuple[str, str]] = {}
    edges: set[tuple[str, str, str]] = set()
    edge_count = 0
    for line in lines:
        if m := _MERMAID_EDGE.match(line):
            src, label, dst = m.groups()
            edges.add((names[src][1], names[dst][1], (label or "").replace("<br/>", "\n")))
            edge_count += 1
        elif m := _MERMAID_NODE.match(line):
            kind, name = m.group(2).split("<br/>")
            names[m.group(1)] = (kind, name)
    assert edge_count == len(edges), "an edge is drawn twice"
    return set(names.values()), edges


def test_mermaid_of_the_seed_tree_has_exactly_its_nodes_and_edges() -> None:
    result = CliRunner().invoke(main, ["graph", str(SEED_TREE)])

    assert result.exit_code == 0, result.output
    nodes, edges = parse_mermaid(result.output)
    assert nodes == SEED_NODES
    assert edges == SEED_EDGES


def test_dot_of_the_seed_tree_parses_with_pydot() -> None:
    result = CliRunner().invoke(main, ["graph", str(SEED_TREE), "--format", "dot"])

    assert result.exit_code == 0, result.output
    (graph,) = pydot.graph_from_dot_data(result.output)
    labels = {
        n.get_name(): n.get_label().strip('"').replace("\\n", "\n")
        for n in graph.get_nodes()
        if re.fullmatch(r"n\d+", n.get_name())
    }
    nodes = {tuple(label.split("\n")) for label in labels.values()}
    assert nodes == SEED_NODES
    edges = {
        (
            labels[e.get_source()].split("\n")[1],
            labels[e.get_destination()].split("\n")[1],
            (e.get_label() or "").strip('"').replace("\\n", "\n"),
        )
        for e in graph.get_edges()
    }
    assert edges == SEED_EDGES
    assert len(graph.get_edges()) == len(SEED_EDGES)


def test_stack_option_expands_physical_names(tmp_path: Path) -> None:
    out = tmp_path / "tree.mmd"
    result = CliRunner().invoke(main, ["graph", str(SEED_TREE), "-s", "staging", "-o", str(out)])

    assert result.exit_code == 0, result.output
    nodes, _ = parse_mermaid(out.read_text())
    assert ("CopyS3Lambda", "seed-tree-n2-staging") in nodes


def test_a_long_derived_function_name_is_shortened_with_a_hash_in_the_picture() -> None:
    from jaya_pulumi.diagram import describe

    long = CopyS3Lambda({}, name="a-rather-long-function-name-for-hashing")
    other = CopyS3Lambda({}, name="a-rather-long-function-name-for-hashing2")
    pipe = Pipeline(
        "a-long-pipeline-name-for-the-test",
        [
            S3("hash-src", on=[S3.ALL_CREATED_OBJECTS]) >> long >> S3("hash-dst"),
            S3("hash-src2", on=[S3.ALL_CREATED_OBJECTS]) >> other >> S3("hash-dst2"),
        ],
    )
    shown = {n.label: n.name for n in describe(pipe, "production").nodes}
    unexpanded = {n.label: n.name for n in describe(pipe).nodes}

    assert len(shown[long.label]) <= 64
    assert shown[long.label].startswith("a-long-pipeline-name-for-the-test-a-rather")
    assert shown[long.label] != shown[other.label]
    assert shown[long.label] == physical_function_name(pipe, long, "production")
    assert unexpanded[long.label] == (
        "a-long-pipeline-name-for-the-test-a-rather-long-function-name-for-hashing-{stack}"
    )


def test_special_characters_are_escaped() -> None:
    pipe = Pipeline(
        "escapes",
        [
            S3("esc-src", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix='a"b#<c>/')])
            >> CopyS3Lambda({})
            >> S3("esc-dst")
        ],
    )
    mermaid = to_mermaid(pipe)
    assert "prefix=a#quot;b#35;#lt;c#gt;/" in mermaid
    (graph,) = pydot.graph_from_dot_data(to_dot(pipe))
    assert len(graph.get_edges()) == 2


def test_png_without_graphviz_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` here
    out = tmp_path / "tree.png"

    result = CliRunner().invoke(main, ["graph", str(SEED_TREE), "-f", "png", "-o", str(out)])

    assert result.exit_code == 1
    assert "Graphviz" in result.output and "--format mermaid" in result.output
    assert not out.exists()


def test_render_png_raises_a_jaya_error_without_dot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    from jaya_pulumi.cli import load_pipeline

    with pytest.raises(GraphvizNotFoundError, match="dot"):
        render_png(load_pipeline(SEED_TREE), tmp_path / "x.png")


@pytest.mark.skipif(
    __import__("shutil").which("dot") is None, reason="Graphviz's dot is not on PATH"
)
def test_png_with_graphviz(tmp_path: Path) -> None:
    out = tmp_path / "tree.png"
    result = CliRunner().invoke(main, ["graph", str(SEED_TREE), "-f", "png", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG")


def test_graph_module_does_not_import_pulumi() -> None:
    code = (
        "import sys, jaya_pulumi.diagram, jaya_pulumi.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_aws', 'boto3')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
