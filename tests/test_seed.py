"""The seed document's snippets, read from ``shared/seed-jaya.md`` and run with their imports changed.

Only import lines are rewritten (or added, where the seed left them out), plus exactly the two lines the seed wrote that are not Python at
all (``conf = .. AWS Key etc..`` and a line continuation followed by spaces); the test asserts that
list so a new change cannot creep in. Snippets that are fragments (``n1 ... n8`` undefined,
``piper = ...``) are covered by their own tests: the tree in ``test_dsl.py``, ``deploy_pipeline`` in
``tests/automation``.
"""

from __future__ import annotations

import os
import re
import unittest
from pathlib import Path
from typing import Any

import pytest

from jaya_pulumi import Pipeline
from jaya_pulumi.deploy import DeploySkipped, skipping_deploys

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed-jaya.md"
IMPORTS = {
    "from jaya.core import": "from jaya_pulumi import",
    "from jaya.util.aws_lambda.aws_lambda_utils import": "from jaya_pulumi import",
    "from jaya.deployment import deploy": "from jaya_pulumi import deploy",
    "from jaya.mock.in_memory_harness import test": "from jaya_pulumi.testing import test",
    "import config": "from jaya_pulumi import config",
}
NOT_PYTHON = {
    "conf = .. AWS Key etc..": "conf = {}  # the seed's prose: AWS Key etc.",
}


REQUIRE_SEED = os.environ.get("JAYA_REQUIRE_SEED") == "1"
"""``.ci/run`` sets ``JAYA_REQUIRE_SEED=1``: CI has the document beside the clone, so there it must run."""


def snippets() -> list[str]:
    """The seed document's Python snippets; skip (or, under CI, fail) when the document is absent."""
    if not SEED.is_file():
        reason = (
            f"{SEED} is absent: the seed document is not part of the repository; it sits in "
            "shared/ beside the clone in CI (JAYA_REQUIRE_SEED=1 makes its absence a failure)"
        )
        if REQUIRE_SEED:
            pytest.fail(reason)
        pytest.skip(reason)
    return re.findall(r"```python\n(.*?)```", SEED.read_text(encoding="utf-8"), flags=re.S)


def port(code: str) -> tuple[str, list[str]]:
    """Rewrite import lines; fix the lines that are not Python; return the code and the fixes made."""
    fixes: list[str] = []
    lines = []
    for line in code.splitlines():
        stripped = line.strip()
        for old, new in IMPORTS.items():
            if stripped.startswith(old):
                line = line.replace(old, new)
        if stripped in NOT_PYTHON:
            fixes.append(stripped)
            line = NOT_PYTHON[stripped]
        if line.rstrip().endswith("\\") and line != line.rstrip():
            fixes.append("continuation followed by spaces")
            line = line.rstrip()
        lines.append(line)
    return "\n".join(lines) + "\n", fixes


def run(code: str, namespace: dict[str, Any] | None = None) -> dict[str, Any]:
    namespace = {"__name__": "seed_snippet", **(namespace or {})}
    with skipping_deploys():
        try:
            exec(compile(code, "seed-jaya.md", "exec"), namespace)
        except DeploySkipped:
            namespace["__deploy_skipped__"] = True
    return namespace


def test_the_seed_has_the_snippets_this_test_expects() -> None:
    assert len(snippets()) == 5


def test_readability_snippet_builds_the_three_node_pipe() -> None:
    code, fixes = port(snippets()[0])
    assert fixes == ["conf = .. AWS Key etc.."]
    assert "import" not in code  # the seed left its imports out; this is the line it needs
    namespace = run("from jaya_pulumi import S3, CopyS3Lambda, Pipeline\n" + code)
    piper = namespace["piper"]
    assert isinstance(piper, Pipeline)
    assert [(a.label, b.label) for a, b in piper.edges] == [
        ("S3('tsa-rajiv-bucket1')", "CopyS3Lambda('copy-s3')"),
        ("CopyS3Lambda('copy-s3')", "S3('tsa-rajiv-bucket2')"),
    ]


def test_redshift_snippet_builds_and_stops_at_its_deploy_call() -> None:
    code, fixes = port(snippets()[2])
    assert fixes == ["continuation followed by spaces"]
    namespace = run(code)
    assert namespace["__deploy_skipped__"] is True
    piper = namespace["piper"]
    assert [n.label for n in piper.nodes] == [
        "S3('my-source-bucket')",
        "MapS3ToFirehoseLambda('map-to-firehose')",
        "Firehose('my-firehose')",
        "Table('my-schema.my-table')",
    ]
    assert "DISTSTYLE KEY DISTKEY (name)" in " ".join(namespace["a_table"].ddl().split())


def test_unit_testing_snippet_runs_on_the_local_harness() -> None:
    code, fixes = port(snippets()[4])
    assert fixes == []

    class SeedTest(unittest.TestCase):
        def runTest(self) -> None:
            run(code, {"self": self})

    result = unittest.TextTestRunner(stream=open("/dev/null", "w"), verbosity=0).run(SeedTest())  # noqa: SIM115
    assert result.wasSuccessful(), result.failures + result.errors
