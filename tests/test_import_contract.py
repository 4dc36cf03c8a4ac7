"""The import contract of issue 9: one direction of imports between jaya_pulumi's packages.

Static: every module under ``jaya_pulumi/`` is parsed with ``ast``; imports inside functions count,
imports under ``if TYPE_CHECKING:`` do not (they never run). A *package* is a top-level subpackage of
``jaya_pulumi`` (``dsl``, ``components``, ``runtime``...). The rules:

1. ``runtime`` imports only the standard library, boto3/botocore and itself (it ships in Lambda);
2. ``dsl`` imports no pulumi, boto3, botocore or moto, and nothing of ``components``, ``automation``,
   ``cli``, ``testing`` or ``local``;
3. no module imports another package's ``_private`` module;
4. no two packages import each other, directly or in a circle.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "jaya_pulumi"

ALLOWED: frozenset[tuple[str, str]] = frozenset()
"""Known violations, each named and owned by the work that removes it. Keep it minimal."""


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Every module ``tree`` imports at run time, absolute, including imports inside functions."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join([*parts[:keep], *([base] if base else [])])
            yield base
            # `from pkg import _mod` imports the submodule pkg._mod (or a private name of pkg).
            yield from (f"{base}.{a.name}" for a in node.names if a.name.startswith("_"))
        stack.extend(ast.iter_child_nodes(node))


def collect(sources: Mapping[str, str]) -> dict[str, set[str]]:
    """``{module: imported modules}`` for sources given as ``{relative path: text}``."""
    graph: dict[str, set[str]] = {}
    for path, text in sources.items():
        parts = path.removesuffix(".py").split("/")
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        module = ".".join(["jaya_pulumi", *parts])
        graph[module] = set(_imports(ast.parse(text, filename=path), module, is_package))
    return graph


def _package(module: str, packages: set[str]) -> str | None:
    parts = module.split(".")
    return (
        parts[1] if len(parts) > 1 and parts[0] == "jaya_pulumi" and parts[1] in packages else None
    )


def violations(sources: Mapping[str, str]) -> list[str]:
    """Every broken rule in ``sources`` (``{path relative to jaya_pulumi/: text}``), as sentences."""
    graph = collect(sources)
    packages = {p.split("/")[0] for p in sources if "/" in p}
    found: list[str] = []
    pkg_edges: dict[str, set[str]] = {p: set() for p in packages}
    for module, imported in sorted(graph.items()):
        mine = _package(module, packages)
        for target in sorted(imported):
            if (module, target) in ALLOWED:
                continue
            top = target.split(".")[0]
            theirs = _package(target, packages)
            if mine == "runtime" and not (
                top in sys.stdlib_module_names
                or top in {"boto3", "botocore"}
                or theirs == "runtime"
            ):
                found.append(f"rule 1: {module} (runtime) imports {target}")
            if mine == "dsl" and (
                top in {"pulumi", "pulumi_aws", "boto3", "botocore", "moto"}
                or theirs in {"components", "automation", "cli", "testing", "local"}
            ):
                found.append(f"rule 2: {module} (dsl) imports {target}")
            if theirs is not None and theirs != mine:
                private = [p for p in target.split(".")[2:] if p.startswith("_")]
                if private:
                    found.append(f"rule 3: {module} imports {target}, private to {theirs}")
            if mine is not None and theirs is not None and theirs != mine:
                pkg_edges[mine].add(theirs)
    found += [f"rule 4: packages import each other in a circle: {c}" for c in _cycles(pkg_edges)]
    return found


def _cycles(edges: Mapping[str, set[str]]) -> list[str]:
    """Each strongly connected group of two or more packages, as ``a -> b -> a``."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: list[str] = []
    out: list[str] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        on.append(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group: list[str] = []
            while True:
                w = on.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(" <-> ".join(sorted(group)))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def _sources() -> dict[str, str]:
    return {
        p.relative_to(PACKAGE).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(PACKAGE.rglob("*.py"))
    }


def test_jaya_pulumi_keeps_the_import_contract() -> None:
    assert violations(_sources()) == []


# -- the checker can fail: each rule broken once on synthetic source -------------------------

BASE = {
    "runtime/__init__.py": "import json\nimport boto3\nfrom jaya_pulumi.runtime import copy\n",
    "runtime/copy.py": "",
    "dsl/__init__.py": "from jaya_pulumi.dsl._s3 import S3\nfrom . import _s3\n",
    "dsl/_s3.py": "from jaya_pulumi.errors import JayaError\n",
    "components/__init__.py": "import pulumi\nfrom jaya_pulumi.dsl import S3\n",
    "components/_naming.py": "",
    "testing/_harness.py": "",
    "errors.py": "",
}


def test_a_clean_tree_passes() -> None:
    assert violations(BASE) == []


@pytest.mark.parametrize(
    ("path", "source", "rule"),
    [
        ("runtime/copy.py", "def f():\n    import pulumi\n", "rule 1"),
        ("runtime/copy.py", "from jaya_pulumi.dsl import S3\n", "rule 1"),
        ("dsl/_s3.py", "def f():\n    import boto3\n", "rule 2"),
        ("dsl/_s3.py", "from jaya_pulumi.testing import synth\n", "rule 2"),
        ("dsl/_s3.py", "from ..components import Bucket\n", "rule 2"),
        ("testing/_harness.py", "from jaya_pulumi.components._naming import x\n", "rule 3"),
        ("testing/_harness.py", "from jaya_pulumi.components import _naming\n", "rule 3"),
        ("errors.py", "import jaya_pulumi.dsl._s3\n", "rule 3"),
        ("runtime/copy.py", "import jaya_pulumi.runtime\n", None),
        (
            "dsl/_s3.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pulumi\n",
            None,
        ),
    ],
)
def test_each_rule_fails_when_broken(path: str, source: str, rule: str | None) -> None:
    found = violations({**BASE, path: source})
    if rule is None:
        assert found == []
    else:
        assert any(f.startswith(rule) for f in found), found


def test_two_packages_importing_each_other_is_a_circle() -> None:
    found = violations({**BASE, "dsl/_s3.py": "def f():\n    import jaya_pulumi.components\n"})
    assert "rule 4: packages import each other in a circle: components <-> dsl" in found


def test_a_longer_circle_is_found() -> None:
    sources = {
        **BASE,
        "packaging/__init__.py": "import jaya_pulumi.dsl\n",
        "redshift/__init__.py": "import jaya_pulumi.packaging\n",
        "dsl/_s3.py": "def f():\n    import jaya_pulumi.redshift\n",
    }
    assert "rule 4: packages import each other in a circle: dsl <-> packaging <-> redshift" in (
        violations(sources)
    )


def test_local_firehose_builds_on_local_redshift_one_way() -> None:
    """Issue 9: Firehose routing lives in ``local/firehose``; ``local/redshift`` never imports it."""
    graph = collect(_sources())
    back = sorted(
        f"{module} imports {target}"
        for module, imported in graph.items()
        if module.startswith("jaya_pulumi.local.redshift")
        for target in imported
        if target.startswith("jaya_pulumi.local.firehose")
    )
    assert back == []
    assert any(
        target.startswith("jaya_pulumi.local.redshift")
        for module, imported in graph.items()
        if module.startswith("jaya_pulumi.local.firehose")
        for target in imported
    )
