"""The local cloud stays in small rooms (issue 9): no module of ``jaya_pulumi/local`` over 450 lines."""

from __future__ import annotations

from pathlib import Path

LOCAL = Path(__file__).resolve().parents[2] / "jaya_pulumi" / "local"
LIMIT = 450


def test_no_module_of_the_local_cloud_exceeds_450_lines() -> None:
    sizes = {
        str(path.relative_to(LOCAL)): len(path.read_text(encoding="utf-8").splitlines())
        for path in LOCAL.rglob("*.py")
    }
    assert "harness.py" in sizes and len(sizes) > 10, sizes  # the tree is where we think
    over = {name: n for name, n in sizes.items() if n > LIMIT}
    assert not over, f"split these rooms (limit {LIMIT} lines): {over}"
