"""The Firehose path on the local harness, next to the runtime alone, on the same input.

Generates gzip JSON lines of about ``--size`` MiB once (``{"name", "age", ...}`` objects, as
``examples/s3_to_redshift.py`` loads), then in one run, each in a fresh subprocess:

* **runtime alone**: ``jaya_pulumi.runtime.firehose.handler`` with the example's mapper, an S3 stub
  that streams the file and a counting Firehose stub (no moto, no database);
* **harness**: ``with test(piper)`` on ``examples/s3_to_redshift.py``: ``put_object`` of the file
  into the source bucket (the real archive maps it and calls ``PutRecordBatch`` on the emulator,
  which stages 5 MiB objects and COPYs them into the embedded PostgreSQL), then ``h.flush()``;
  timed from the put to the last row loaded, and the row count checked.

* **bare moto**: the same object put into and read back from moto alone, no harness: the memory
  floor of holding and serving the input (moto keeps several copies of a large body).

Prints lines/s for the first two (the fastest of ``--repeat`` alternating runs each, to damp the
noise of a shared machine), their ratio and each child's peak RSS, and exits 1 when the harness is
below ``--target`` (0.5) of the runtime alone.

Memory: the harness's peak RSS less bare moto's for the same object is the Firehose path's own
memory (mapping, buffering, staging, COPY). It is measured at ``--size`` and at ``--flat`` MiB
(100; 0 skips it) in the same run, and the benchmark exits 1 when the larger input needs more than
``--flat-limit`` (1.25) times the smaller's: the path's memory must stay flat with input size.
``--profile`` prints the harness run's cProfile instead (top 30 by cumulative time).

    python benchmarks/local_firehose.py [--size 10] [--repeat 3] [--target 0.5] [--flat 100]
                                        [--flat-limit 1.25] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "s3_to_redshift.py"
SOURCE = "my-source-bucket"
KEY = "input/people.json.gz"
TABLE = "my-schema.my-table"
MIB = 1024 * 1024


def generate(path: Path, size_mib: float) -> int:
    """Write gzip JSON lines until the file is ``size_mib`` MiB; return the line count."""
    rng = random.Random(12)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]
    lines = 0
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as out:
        while raw.tell() < size_mib * MIB:
            chunk = [
                json.dumps(
                    {
                        "name": f"user-{rng.randrange(1_000_000)}",
                        "age": str(rng.randrange(18, 99)),
                        "city": rng.choice(words),
                        "score": round(rng.random() * 1000, 2),
                        "note": " ".join(rng.choices(words, k=4)),
                    }
                )
                for _ in range(10_000)
            ]
            out.write(("\n".join(chunk) + "\n").encode())
            lines += len(chunk)
    return lines


def data_file(size_mib: float) -> tuple[Path, int]:
    """The generated input of ``size_mib`` MiB and its line count (generated the first time)."""
    path = Path(tempfile.gettempdir()) / f"jaya-bench-people-{size_mib:g}MiB.json.gz"
    count = path.with_suffix(".lines")
    if not (path.exists() and count.exists()):
        print(f"generating {size_mib:g} MiB of gzip JSON lines into {path} ...", flush=True)
        lines = generate(path, size_mib)
        count.write_text(str(lines))
    return path, int(count.read_text())


class CountingFirehose:
    """Firehose stub that accepts every record and counts them."""

    def __init__(self) -> None:
        self.records = 0

    def put_record_batch(self, *, DeliveryStreamName: str, Records: list[dict[str, bytes]]) -> Any:
        """Count the records and accept them all."""
        self.records += len(Records)
        return {"FailedPutCount": 0, "Encrypted": False, "RequestResponses": []}


class FileS3:
    """S3 stub whose ``get_object`` streams the benchmark file as a botocore ``StreamingBody``."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def get_object(self, *, Bucket: str, Key: str) -> Any:
        """The file as boto3 returns a body."""
        from botocore.response import StreamingBody

        return {"Body": StreamingBody(open(self._path, "rb"), self._path.stat().st_size)}


def run_runtime(path: Path) -> dict[str, Any]:
    """The runtime alone with the example's mapper and batch size, counting stub."""
    from jaya_pulumi._loader import load_pipelines
    from jaya_pulumi.runtime import firehose

    (pipeline,) = load_pipelines(EXAMPLE)
    mapper = next(f for f in pipeline.functions if f.map_function is not None)
    os.environ["JAYA_DESTINATIONS"] = json.dumps(
        [{"type": "firehose", "name": "my-firehose", "stream": "bench"}]
    )
    stub = CountingFirehose()
    event = {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "eventTime": "2026-01-01T00:00:00.000Z",
                "s3": {"bucket": {"name": SOURCE}, "object": {"key": KEY, "size": 1}},
            }
        ]
    }
    start, cpu = time.perf_counter(), time.process_time()
    summary = firehose.handler(
        event,
        None,
        open_function=gzip.open,
        map_function=mapper.map_function,
        batch_size=mapper.batch_size,
        s3_client=FileS3(path),  # type: ignore[arg-type]
        firehose_client=stub,  # type: ignore[arg-type]
    )
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "lines": summary["lines"],
        "rows": stub.records,
    }


def run_harness(path: Path, profile: bool) -> dict[str, Any]:
    """``test(piper)``: put the file, let the archive map it, flush, count the rows."""
    from jaya_pulumi._loader import load_pipelines
    from jaya_pulumi.testing import test

    (pipeline,) = load_pipelines(EXAMPLE)
    profiler = cProfile.Profile() if profile else None
    with test(pipeline) as h:
        s3 = h.client("s3")
        body = path.read_bytes()
        if profiler is not None:
            profiler.enable()
        start, cpu = time.perf_counter(), time.process_time()
        s3.put_object(Bucket=SOURCE, Key=KEY, Body=body)
        del body
        h.flush()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        if profiler is not None:
            profiler.disable()
        (rows,) = h.query(f'SELECT count(*) FROM "{TABLE.split(".")[0]}"."{TABLE.split(".")[1]}"')
        (invocation,) = h.invocations()
        assert invocation.ok, invocation.error
    if profiler is not None:
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
    return {"seconds": elapsed, "cpu": cpu, "lines": invocation.result["lines"], "rows": rows[0]}


def run_moto(path: Path) -> dict[str, Any]:
    """The object put into moto and read back in 1 MiB chunks, nothing else: the memory floor."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=SOURCE)
        start = time.perf_counter()
        body = path.read_bytes()
        s3.put_object(Bucket=SOURCE, Key=KEY, Body=body)
        del body
        stream = s3.get_object(Bucket=SOURCE, Key=KEY)["Body"]
        size = 0
        while chunk := stream.read(MIB):
            size += len(chunk)
    return {"seconds": time.perf_counter() - start, "bytes": size}


def child(mode: str, path: Path, profile: bool) -> None:
    """One measurement in this fresh process, printed as JSON."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if mode == "moto":
        result = run_moto(path)
    else:
        result = run_runtime(path) if mode == "runtime" else run_harness(path, profile)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["maxrss_mib"] = after / 1024
    result["before_mib"] = before / 1024
    print(json.dumps(result))


def measure(mode: str, path: Path, profile: bool = False) -> dict[str, Any]:
    """Run :func:`child` in a fresh interpreter and return its result."""
    command = [sys.executable, __file__, "--child", mode, "--file", str(path)]
    if profile:
        command.append("--profile")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {mode} run failed (exit {done.returncode})")
    if profile:
        sys.stderr.write(done.stderr)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and run the benchmark (or one child measurement)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=float, default=10, help="MiB of gzip input (default 10)")
    parser.add_argument("--target", type=float, default=0.5, help="least harness/runtime ratio")
    parser.add_argument("--profile", action="store_true", help="print the harness's cProfile")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, alternating")
    parser.add_argument("--flat", type=float, default=100, help="MiB of the memory check's input")
    parser.add_argument("--flat-limit", type=float, default=1.25, help="most memory growth ratio")
    parser.add_argument("--child", choices=["runtime", "harness", "moto"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.file, args.profile)
        return
    path, lines = data_file(args.size)
    print(f"input: {lines:,} lines, {path.stat().st_size / MIB:.1f} MiB gzip ({path})")
    if args.profile:
        measure("harness", path, profile=True)
        return
    runtimes, harnesses = [], []
    for _ in range(max(1, args.repeat)):  # alternating, the fastest of each counts
        runtimes.append(measure("runtime", path))
        harnesses.append(measure("harness", path))
    runtime = min(runtimes, key=lambda run: float(run["seconds"]))
    harness = min(harnesses, key=lambda run: float(run["seconds"]))
    assert runtime["lines"] == harness["lines"] == lines, (runtime, harness, lines)
    assert runtime["rows"] == harness["rows"] == lines, (runtime, harness, lines)
    runtime_rate = lines / runtime["seconds"]
    harness_rate = lines / harness["seconds"]
    ratio = harness_rate / runtime_rate
    print(
        f"  runtime alone (counting stub) : {runtime_rate:10,.0f} lines/s "
        f"({runtime['seconds']:.1f} s, CPU {runtime['cpu']:.1f} s, peak RSS {runtime['maxrss_mib']:.0f} MiB)"
    )
    print(
        f"  test(piper): put, map, flush, COPY: {harness_rate:10,.0f} lines/s "
        f"({harness['seconds']:.1f} s, CPU {harness['cpu']:.1f} s, peak RSS {harness['maxrss_mib']:.0f} MiB, "
        f"{harness['rows']:,} rows)"
    )
    print(f"  ratio: {ratio:.2f} of the runtime alone (target >= {args.target:.2f})")
    failed = []
    if ratio < args.target:
        failed.append(f"the Firehose path runs at {ratio:.2f} of the runtime alone")
    own = {args.size: own_memory(path, harness)}
    if args.flat > 0 and args.flat != args.size:
        big, big_lines = data_file(args.flat)
        big_harness = measure("harness", big)
        assert big_harness["rows"] == big_lines, (big_harness, big_lines)
        own[args.flat] = own_memory(big, big_harness)
        (small, small_own), (large, large_own) = sorted(own.items())
        growth = large_own / small_own
        print(
            f"  the path's own memory: {small_own:.0f} MiB at {small:g} MiB, {large_own:.0f} MiB "
            f"at {large:g} MiB: {growth:.2f}x for {large / small:g}x the input "
            f"(limit {args.flat_limit:.2f}x)"
        )
        if growth > args.flat_limit:
            failed.append(f"the path's memory grows {growth:.2f}x with the input")
    for failure in failed:
        print(f"FAIL: {failure}")
    if failed:
        sys.exit(1)


def own_memory(path: Path, harness: dict[str, Any]) -> float:
    """Print and return the harness's peak RSS less bare moto's for the same object (MiB)."""
    moto = measure("moto", path)
    own = float(harness["maxrss_mib"]) - float(moto["maxrss_mib"])
    print(
        f"  {path.stat().st_size / MIB:.0f} MiB input: harness peak RSS {harness['maxrss_mib']:.0f}"
        f" MiB, bare moto put + get of the object {moto['maxrss_mib']:.0f} MiB: the Firehose "
        f"path's own {own:.0f} MiB"
    )
    return own


if __name__ == "__main__":
    main()
