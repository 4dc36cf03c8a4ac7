"""README.md as a runnable contract: every ```python block runs, in order, in an empty directory.

The blocks run top to bottom in one namespace, as a reader pasting them into one session would (the
``synth`` block uses the ``piper`` of the first block). A block that needs what no test machine has
says so in a comment line, ``# needs: pulumi-cli`` or ``# needs: aws-account``, and is skipped with
that reason; nothing else is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
NEEDS = re.compile(r"^# needs: (pulumi-cli|aws-account)\b(.*)$", re.M)


@dataclass(frozen=True)
class Block:
    """One ```python block of the README: where it starts, and its code."""

    line: int
    code: str


def python_blocks() -> list[Block]:
    """Every ```python block of README.md, in order, with the line its code starts on."""
    text = README.read_text(encoding="utf-8")
    return [
        Block(text.count("\n", 0, m.start(1)) + 1, m.group(1))
        for m in re.finditer(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    ]


BLOCKS = python_blocks()


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One namespace for all blocks, run with an empty temporary directory as the working dir."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path_factory.mktemp("readme"))
        yield {"__name__": "__main__"}


@pytest.mark.parametrize("block", BLOCKS, ids=[f"README.md:{b.line}" for b in BLOCKS])
def test_readme_block_runs(block: Block, session: dict[str, Any]) -> None:
    needs = NEEDS.search(block.code)
    if needs:
        pytest.skip(f"README.md:{block.line} needs {needs.group(1)}{needs.group(2)}")
    exec(compile(block.code, f"README.md:{block.line}", "exec"), session)


def test_the_readme_blocks_are_found_and_only_the_marked_ones_skip() -> None:
    """Guards the test above: a changed fence or a stray marker would make it pass vacuously."""
    assert len(BLOCKS) >= 9
    marked = [b for b in BLOCKS if NEEDS.search(b.code)]
    assert [NEEDS.search(b.code).group(1) for b in marked] == ["pulumi-cli", "pulumi-cli"]  # type: ignore[union-attr]
    # every marker sits on its own comment line: "# needs:" anywhere else would not skip
    assert sum(b.code.count("# needs:") for b in BLOCKS) == len(marked)
