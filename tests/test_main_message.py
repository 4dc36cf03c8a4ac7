"""``python __main__.py``, a newcomer's natural first try, says what the file is and what to run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_python_main_says_it_is_a_pulumi_program_and_how_to_run_or_try_it() -> None:
    done = subprocess.run(
        [sys.executable, "__main__.py"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert "is this repository's Pulumi program" in done.stderr
    assert "pulumi up -s staging" in done.stderr
    assert (
        "jaya local examples/three_node_pipe.py --put tsa-rajiv-bucket1/a.txt=./a.txt"
        in done.stderr
    )
    assert "stack 'stack'" not in done.stderr
