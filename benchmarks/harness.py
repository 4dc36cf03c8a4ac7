"""Push objects through the three-node pipe on the local harness, next to bare moto.

Harness: ``put_object`` into the source bucket; S3's notification runs the real ``CopyS3Lambda``
archive in-process (policy checked on its calls); then ``get_object`` from the destination.
Bare moto: the same boto3 calls made directly against moto (``put_object``, the managed ``copy``
the handler makes, ``get_object``) with one client, as the handler keeps one client per warm
container. Prints events per second and the overhead; exits 1 when the harness's overhead over
bare moto is above ``--budget`` (25%).

    python benchmarks/harness.py [--objects 1000] [--repeat 3] [--budget 0.25]
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
import time
from pathlib import Path
from typing import Any

from jaya_pulumi import Pipeline
from jaya_pulumi.testing import test

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "three_node_pipe.py"
SOURCE, DESTINATION = "tsa-rajiv-bucket1", "tsa-rajiv-bucket2"
BODY = b"Hi Rajiv, " * 100


def three_node_pipe() -> Pipeline:
    """The example pipeline (examples/three_node_pipe.py)."""
    namespace = runpy.run_path(str(EXAMPLE), run_name="__jaya_pipeline__")
    pipeline = namespace["piper"]
    assert isinstance(pipeline, Pipeline)
    return pipeline


def through_harness(pipeline: Pipeline, objects: int) -> float:
    """Seconds to put ``objects`` objects and read each back from the destination."""
    with test(pipeline) as h:
        s3 = h.client("s3")
        s3.put_object(Bucket=SOURCE, Key="warm-up", Body=BODY)  # first call imports the archive
        start = time.perf_counter()
        for i in range(objects):
            s3.put_object(Bucket=SOURCE, Key=f"in/{i}.txt", Body=BODY)
            assert s3.get_object(Bucket=DESTINATION, Key=f"in/{i}.txt")["Body"].read() == BODY
        elapsed = time.perf_counter() - start
        assert len(h.invocations()) == objects + 1 and not h.failures
    return elapsed


def bare_moto(objects: int) -> float:
    """Seconds for the same boto3 calls made directly against moto."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        s3: Any = boto3.session.Session(region_name="us-east-1").client("s3")
        s3.create_bucket(Bucket=SOURCE)
        s3.create_bucket(Bucket=DESTINATION)
        s3.put_object(Bucket=SOURCE, Key="warm-up", Body=BODY)
        s3.copy({"Bucket": SOURCE, "Key": "warm-up"}, DESTINATION, "warm-up")
        start = time.perf_counter()
        for i in range(objects):
            key = f"in/{i}.txt"
            s3.put_object(Bucket=SOURCE, Key=key, Body=BODY)
            s3.copy({"Bucket": SOURCE, "Key": key}, DESTINATION, key)
            assert s3.get_object(Bucket=DESTINATION, Key=key)["Body"].read() == BODY
        return time.perf_counter() - start


def main() -> int:
    """Measure both, alternating, best of ``--repeat`` each, and print a small table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget", type=float, default=0.25)
    args = parser.parse_args()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    n = args.objects
    harness = bare = float("inf")
    for _ in range(args.repeat):  # alternate, so a busy moment on the machine hits both alike
        harness = min(harness, through_harness(three_node_pipe(), n))
        bare = min(bare, bare_moto(n))
    rows = [
        ("harness: three-node pipe", harness),
        ("bare moto: put + copy + get", bare),
    ]
    print(f"{'':<42}{'seconds':>9}{'events/s':>10}{'ms/object':>11}")
    for label, seconds in rows:
        print(f"{label:<42}{seconds:>9.2f}{n / seconds:>10.0f}{seconds / n * 1000:>11.2f}")
    overhead = harness / bare - 1
    print(f"harness overhead over bare moto: {overhead:+.1%} (budget {args.budget:.0%})")
    return 0 if overhead <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
