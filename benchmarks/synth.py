"""How long registering a pipeline takes under Pulumi mocks, for 1, 10 and 100 chains.

Each chain is ``S3(source) >> CopyS3Lambda >> S3(destination)``. Prints seconds, resources and
resources per second, then checks that 100 chains cost at most 12x what 10 do (linear growth).

    python benchmarks/synth.py [--repeat N]
"""

from __future__ import annotations

import argparse
import gc
import time

from jaya_pulumi import S3, CopyS3Lambda, Pipeline
from jaya_pulumi.testing import synth


def pipeline(chains: int) -> Pipeline:
    """A pipeline of ``chains`` independent copy chains."""
    return Pipeline(
        f"bench-{chains}",
        [
            S3(f"bench-src-{i}", on=[S3.ALL_CREATED_OBJECTS])
            >> CopyS3Lambda({}, name=f"copy-{i}")
            >> S3(f"bench-dst-{i}")
            for i in range(chains)
        ],
    )


def measure(chains: int, repeat: int) -> tuple[float, int]:
    """Best-of-``repeat`` seconds to build and register (graph already checked), and the resource count."""
    best, count = float("inf"), 0
    for _ in range(repeat):
        graph = pipeline(chains)
        gc.collect()  # do not bill this run for the previous run's garbage
        start = time.perf_counter()
        result = synth(graph, stack="bench")
        best = min(best, time.perf_counter() - start)
        count = len(result.resources)
    return best, count


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    measure(1, 1)  # warm imports
    print(f"{'chains':>6} {'resources':>9} {'seconds':>8} {'resources/s':>11}")
    times = {}
    for chains in (1, 10, 100):
        seconds, resources = measure(chains, args.repeat)
        times[chains] = seconds
        print(f"{chains:>6} {resources:>9} {seconds:>8.3f} {resources / seconds:>11.0f}")
    ratio = times[100] / times[10]
    verdict = "ok" if ratio <= 12 else "TOO SLOW"
    print(f"100 chains / 10 chains = {ratio:.1f}x (limit 12x): {verdict}")
    raise SystemExit(0 if ratio <= 12 else 1)


if __name__ == "__main__":
    main()
