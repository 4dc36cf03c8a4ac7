"""Benchmark the MapS3ToFirehoseLambda body against a bare decompress/parse/serialise loop.

Generates N JSON lines (gzip) once, then, for 1x and 10x that input (10x replays the file ten
times as a multi-member gzip stream, so nothing bigger is written to disk), runs in a fresh
subprocess each:

* ``firehose.handler`` with a counting Firehose stub (no network) and an S3 stub whose
  ``get_object`` returns the file as a botocore ``StreamingBody``;
* a bare loop that only decompresses (``gzip.open``), parses (``json.loads``) and re-serialises
  (``json.dumps``) the same lines.

It prints lines per second for both and their ratio, PutRecordBatch calls made against the
optimum, and peak memory (the child's ``ru_maxrss``, and its growth during the run; with
``--tracemalloc`` also the ``tracemalloc`` peak, from a separate run). Targets: memory must not grow with input; the handler must reach at least 0.85 of the
bare loop's throughput (the script exits 1 below it).

Usage: ``python benchmarks/map_to_firehose.py [--lines 1000000] [--scales 1,10] [--repeat 3]
[--tracemalloc]``. Runs alternate and the fastest of ``--repeat`` counts, to damp the noise of a
shared machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

STREAM = "bench-stream"
FIREHOSE = "events"
BUCKET = "bench-bucket"
KEY = "input/events.json.gz"
TARGET_RATIO = 0.85
"""The handler must reach this fraction of the bare loop's throughput (exit 1 below it)."""


def generate(path: Path, lines: int) -> None:
    """Write ``lines`` JSON lines of about 200 bytes each, gzip-compressed, to ``path``."""
    rng = random.Random(42)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]
    with gzip.open(path, "wb", compresslevel=6) as out:
        chunk: list[str] = []
        for index in range(lines):
            chunk.append(
                json.dumps(
                    {
                        "id": index,
                        "user": f"user-{rng.randrange(100_000)}",
                        "event": rng.choice(words),
                        "amount": round(rng.random() * 1000, 2),
                        "tags": rng.sample(words, 3),
                        "ts": 1_760_000_000 + index,
                        "note": " ".join(rng.choices(words, k=6)),
                    }
                )
            )
            if len(chunk) == 10_000:
                out.write(("\n".join(chunk) + "\n").encode())
                chunk.clear()
        if chunk:
            out.write(("\n".join(chunk) + "\n").encode())


class Replay:
    """A read-only stream that yields the file's bytes ``times`` times in a row."""

    def __init__(self, path: Path, times: int) -> None:
        self._path = path
        self._left = times
        self._file = open(path, "rb")  # noqa: SIM115 - closed in read()/close()

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes, moving to the next replay at the end of the file."""
        while True:
            data = self._file.read(size)
            if data or self._left <= 1:
                return data
            self._left -= 1
            self._file.seek(0)

    def close(self) -> None:
        """Close the underlying file."""
        self._file.close()


class CountingFirehose:
    """Firehose stub that accepts every record and counts calls, records and bytes."""

    def __init__(self) -> None:
        self.calls = 0
        self.records = 0
        self.bytes = 0
        self.max_records = 0
        self.max_bytes = 0

    def put_record_batch(self, *, DeliveryStreamName: str, Records: list[dict[str, bytes]]) -> Any:
        """Count the call and accept every record."""
        size = 0
        for record in Records:
            size += len(record["Data"])
        self.calls += 1
        self.records += len(Records)
        self.bytes += size
        self.max_records = max(self.max_records, len(Records))
        self.max_bytes = max(self.max_bytes, size)
        return {"FailedPutCount": 0, "Encrypted": False, "RequestResponses": []}


class ReplayS3:
    """S3 stub whose get_object returns the benchmark file (replayed) as a StreamingBody."""

    def __init__(self, path: Path, times: int) -> None:
        self._path = path
        self._times = times

    def get_object(self, *, Bucket: str, Key: str) -> Any:
        """Return the file as a streaming body, like boto3 does."""
        from botocore.response import StreamingBody

        length = self._path.stat().st_size * self._times
        return {"Body": StreamingBody(Replay(self._path, self._times), length)}


def mapper(line: bytes, bucket: str, key: str) -> list[dict[str, Any]]:
    """The benchmark's map_function: parse the line and send it on unchanged."""
    return [{"firehose_name": FIREHOSE, "result": [json.loads(line)]}]


def event() -> dict[str, Any]:
    """An S3 ObjectCreated event for the benchmark object."""
    return {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "eventTime": "2026-01-01T00:00:00.000Z",
                "s3": {"bucket": {"name": BUCKET}, "object": {"key": KEY, "size": 1}},
            }
        ]
    }


def run_handler(path: Path, times: int) -> dict[str, Any]:
    """Run the handler over the replayed file; return timings and counters."""
    from jaya_pulumi.runtime import firehose

    os.environ["JAYA_DESTINATIONS"] = json.dumps(
        [{"type": "firehose", "name": FIREHOSE, "stream": STREAM}]
    )
    stub = CountingFirehose()
    start = time.perf_counter()
    summary = firehose.handler(
        event(),
        None,
        open_function=gzip.open,
        map_function=mapper,
        batch_size=500,
        s3_client=ReplayS3(path, times),  # type: ignore[arg-type]
        firehose_client=stub,  # type: ignore[arg-type]
    )
    elapsed = time.perf_counter() - start
    optimum = max(math.ceil(stub.records / 500), math.ceil(stub.bytes / (4 * 1024 * 1024)))
    return {
        "lines": summary["lines"],
        "seconds": elapsed,
        "calls": stub.calls,
        "optimum_calls": optimum,
        "records": stub.records,
        "bytes": stub.bytes,
        "max_records_per_call": stub.max_records,
        "max_bytes_per_call": stub.max_bytes,
    }


def run_bare(path: Path, times: int) -> dict[str, Any]:
    """Decompress, json.loads and json.dumps every line; nothing else."""
    lines = 0
    start = time.perf_counter()
    with gzip.open(Replay(path, times)) as reader:  # type: ignore[arg-type]
        for line in reader:
            json.dumps(json.loads(line))
            lines += 1
    return {"lines": lines, "seconds": time.perf_counter() - start}


def child(mode: str, path: Path, times: int, trace: bool) -> None:
    """Run one measurement in this (fresh) process and print it as JSON."""
    import botocore.response  # noqa: F401 - import before measuring the baseline

    import jaya_pulumi.runtime.firehose  # noqa: F401

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    result = run_handler(path, times) if mode == "handler" else run_bare(path, times)
    if trace:
        result["tracemalloc_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["maxrss_kib"] = after
    result["maxrss_growth_kib"] = after - before
    print(json.dumps(result))


def measure(mode: str, path: Path, times: int, trace: bool = False) -> dict[str, Any]:
    """Run ``child`` in a fresh interpreter and return its result."""
    command = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--file",
        str(path),
        "--times",
        str(times),
    ]
    if trace:
        command.append("--trace")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def data_file(lines: int) -> Path:
    """Return the generated input for ``lines`` lines, generating it the first time."""
    path = Path(tempfile.gettempdir()) / f"jaya-bench-{lines}.json.gz"
    if not path.exists():
        print(f"generating {lines:,} lines into {path} ...", flush=True)
        partial = path.with_suffix(".partial")
        generate(partial, lines)
        partial.rename(path)
    return path


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and run the benchmark (or one child measurement)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines in the 1x input")
    parser.add_argument("--scales", default="1,10", help="input multiples to run (default 1,10)")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also report the tracemalloc peak (an extra, several times slower run per scale)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each loop per scale, alternating; the fastest counts (default 3)",
    )
    parser.add_argument("--child", choices=["handler", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--times", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.file, args.times, args.trace)
        return
    path = data_file(args.lines)
    print(f"input: {args.lines:,} lines, {path.stat().st_size / 1e6:.1f} MB gzip ({path})")
    below: list[str] = []
    for scale in (int(s) for s in args.scales.split(",")):
        lines = args.lines * scale
        handler_runs: list[dict[str, Any]] = []
        bare_runs: list[dict[str, Any]] = []
        for _ in range(max(1, args.repeat)):
            handler_runs.append(measure("handler", path, scale))
            bare_runs.append(measure("bare", path, scale))
        handler = min(handler_runs, key=lambda run: float(run["seconds"]))
        bare = min(bare_runs, key=lambda run: float(run["seconds"]))
        handler["maxrss_kib"] = max(run["maxrss_kib"] for run in handler_runs)
        handler["maxrss_growth_kib"] = max(run["maxrss_growth_kib"] for run in handler_runs)
        bare["maxrss_kib"] = max(run["maxrss_kib"] for run in bare_runs)
        assert handler["lines"] == bare["lines"] == lines, (handler, bare)
        handler_rate = lines / handler["seconds"]
        bare_rate = lines / bare["seconds"]
        ratio = handler_rate / bare_rate
        if ratio < TARGET_RATIO:
            below.append(f"{scale}x: {ratio:.2f}")
        print(f"\n{scale}x = {lines:,} lines (fastest of {len(handler_runs)} runs each)")
        print(f"  handler : {handler_rate:12,.0f} lines/s  ({handler['seconds']:.1f} s)")
        print(f"  bare    : {bare_rate:12,.0f} lines/s  ({bare['seconds']:.1f} s)")
        print(f"  ratio   : {ratio:.2f} of the bare loop (target >= {TARGET_RATIO:.2f})")
        print(
            f"  PutRecordBatch calls: {handler['calls']:,} (optimum {handler['optimum_calls']:,}; "
            f"at most {handler['max_records_per_call']} records and "
            f"{handler['max_bytes_per_call']:,} bytes per call)"
        )
        print(
            f"  peak RSS: handler {handler['maxrss_kib'] / 1024:.1f} MiB "
            f"(+{handler['maxrss_growth_kib'] / 1024:.1f} MiB during the run), "
            f"bare {bare['maxrss_kib'] / 1024:.1f} MiB"
        )
        if args.tracemalloc:
            traced = measure("handler", path, scale, trace=True)
            print(
                f"  tracemalloc peak (handler): {traced['tracemalloc_peak'] / 1024 / 1024:.2f} MiB"
            )
    if below:
        print(f"\nFAIL: below the target ratio {TARGET_RATIO:.2f} at {', '.join(below)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
