"""Check, before deploying, that a by-reference handler's module can be imported inside Lambda.

Lambda's Python runtime has the standard library and boto3 (with botocore, s3transfer, jmespath,
python-dateutil, urllib3 and six); the archive adds the handler's own package, ``jaya_pulumi``'s
runtime and pipeline language, and the function's layer adds its ``requirements``. A handler that
lives beside its pipeline in a module that imports, say, ``sqlalchemy`` at module level would fail
on its first event; this finds that at build time instead.

Only module-level imports are followed (through the handler's own package); imports inside
functions, under ``if TYPE_CHECKING:`` or in a ``try`` block are left alone, since those are
lazy, type-only or guarded.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import sys
from collections.abc import Iterator, Mapping

__all__ = [
    "LAMBDA_PROVIDED",
    "SHIPPED_JAYA",
    "dist_name",
    "installed_distributions",
    "unavailable_imports",
]

LAMBDA_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"}
)
"""Top-level modules the Lambda Python runtime provides besides the standard library."""

SHIPPED_JAYA = frozenset(
    {"jaya_pulumi.runtime", "jaya_pulumi.dsl", "jaya_pulumi.errors", "jaya_pulumi.deploy"}
)
"""The parts of jaya_pulumi every archive carries."""


def _module_level_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports executed when the module is imported (not lazy, type-only or guarded ones)."""

    def walk(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                yield node
            elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
                yield from walk(node.body)
                yield from walk(node.orelse)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                yield from walk(node.body)

    yield from walk(tree.body)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module name of a (possibly relative) ``from ... import``."""
    if node.level == 0:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def unavailable_imports(
    module: str,
    files: Mapping[str, str],
    requirements: tuple[str, ...],
    jaya_names: frozenset[str],
) -> list[tuple[str, str]]:
    """``(importing module, imported name)`` pairs Lambda could not satisfy, in order found.

    :param module: the handler's module, e.g. ``acme_etl.handlers``.
    :param files: the archive's files (path -> source), the handler's package among them.
    :param requirements: the function's requirements (pip specifiers).
    :param jaya_names: names ``from jaya_pulumi import ...`` may take inside Lambda.
    """
    provided_by_requirements, all_known = _requirement_modules(requirements)
    shipped_tops = {path.split("/")[0].removesuffix(".py") for path in files}
    missing: list[tuple[str, str]] = []
    seen: set[str] = set()
    queue = [module]
    while queue:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        path, is_package = _source_path(current, files)
        if path is None:
            continue
        tree = ast.parse(files[path], filename=path)
        for node in _module_level_imports(tree):
            targets: list[tuple[str, str | None]]
            if isinstance(node, ast.Import):
                targets = [(alias.name, None) for alias in node.names]
            else:
                base = _resolve(node, current, is_package)
                targets = [(base, alias.name) for alias in node.names]
            for name, member in targets:
                top = name.split(".")[0]
                if top == "jaya_pulumi":
                    ok = any(name == s or name.startswith(s + ".") for s in SHIPPED_JAYA)
                    ok = ok or (name == "jaya_pulumi" and (member is None or member in jaya_names))
                    if not ok:
                        missing.append((current, f"{name}.{member}" if member else name))
                    continue
                if top in shipped_tops and top != "jaya_pulumi":
                    queue.append(name)
                    if member and _source_path(f"{name}.{member}", files)[0]:
                        queue.append(f"{name}.{member}")
                    continue
                if top in sys.stdlib_module_names or top in LAMBDA_PROVIDED:
                    continue
                if top in provided_by_requirements or top == "__future__" or not all_known:
                    continue  # a requirement not installed here may provide it: give no verdict
                missing.append((current, name))
    return missing


def _source_path(module: str, files: Mapping[str, str]) -> tuple[str | None, bool]:
    base = module.replace(".", "/")
    if f"{base}/__init__.py" in files:
        return f"{base}/__init__.py", True
    if f"{base}.py" in files:
        return f"{base}.py", False
    return None, False


def _requirement_modules(requirements: tuple[str, ...]) -> tuple[set[str], bool]:
    """Top-level modules the requirements install, and whether this machine knows them all."""
    wanted = {dist_name(r) for r in requirements}
    modules = {name.replace("-", "_") for name in wanted}
    found: set[str] = set()
    for top, dists in installed_distributions().items():
        for dist in dists:
            if dist_name(dist) in wanted:
                modules.add(top)
                found.add(dist_name(dist))
    return modules, found == wanted


@functools.cache
def installed_distributions() -> Mapping[str, list[str]]:
    """Top-level module -> distributions, for this interpreter (read once: it scans every dist)."""
    return importlib.metadata.packages_distributions()


def dist_name(requirement: str) -> str:
    """The normalised distribution name of a pip requirement (``Foo_Bar>=1`` -> ``foo-bar``)."""
    name = requirement
    for sep in "=<>!~[; @":
        name = name.split(sep)[0]
    return name.strip().lower().replace("_", "-")
