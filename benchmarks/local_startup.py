"""Start-up of ``jaya local``: the Redshift example (embedded PostgreSQL) next to the S3 one.

Runs ``jaya local examples/s3_to_redshift.py`` and ``jaya local examples/three_node_pipe.py``, each
in a fresh subprocess (interpreter start, imports, the program registered, the pipeline deployed on
moto, PostgreSQL started for the first, the summary printed, everything stopped), alternating,
``--repeat`` times; prints the fastest wall-clock time of each and their ratio, and exits 1 when
the Redshift example takes more than ``--budget`` (1.5) times the S3 one.

    python benchmarks/local_startup.py [--repeat 3] [--budget 1.5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {
    "s3_to_redshift": ROOT / "examples" / "s3_to_redshift.py",
    "three_node_pipe": ROOT / "examples" / "three_node_pipe.py",
}


def run(example: Path) -> float:
    """Seconds for one ``jaya local EXAMPLE`` in a fresh interpreter (checked to succeed)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "jaya_pulumi.cli", "local", str(example)]
    start = time.perf_counter()
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=env, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or "Deployed" not in done.stdout:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"jaya local {example.name} failed (exit {done.returncode})")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    """Time both examples, alternating; compare the fastest of each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, alternating")
    parser.add_argument("--budget", type=float, default=1.5, help="most redshift/S3 time ratio")
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {name: [] for name in EXAMPLES}
    for _ in range(max(1, args.repeat)):
        for name, example in EXAMPLES.items():
            times[name].append(run(example))
    best = {name: min(runs) for name, runs in times.items()}
    for name, runs in times.items():
        shown = ", ".join(f"{t:.2f}" for t in runs)
        print(f"  jaya local examples/{name}.py: {best[name]:5.2f} s (runs: {shown})")
    ratio = best["s3_to_redshift"] / best["three_node_pipe"]
    print(f"  ratio: {ratio:.2f} (budget {args.budget:.2f})")
    if ratio > args.budget:
        print(f"FAIL: the Redshift example starts in {ratio:.2f}x the S3 example's time")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
