"""Memory of one large object through the three-node pipe on the harness, next to bare moto.

Each side runs in a fresh subprocess, which first warms up (imports, the pipeline deployed or the
buckets made, one small object through), then records its peak RSS (``ru_maxrss``) and makes the
calls with one ``--size`` MiB object (default 64):

* **harness**: ``with test(piper)`` on ``examples/three_node_pipe.py``: ``put_object`` into the
  source bucket (the real ``CopyS3Lambda`` archive copies it, IAM checked), then ``get_object``
  of the copy from the destination, read whole;
* **bare moto**: the same calls made directly on moto: ``put_object``, the managed ``copy`` the
  handler makes, ``get_object`` read whole.

Prints each side's peak-RSS growth and their ratio; exits 1 when the harness grows more than
``--budget`` (1.2) times bare moto's growth.

    python benchmarks/local_memory.py [--size 64] [--budget 1.2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "three_node_pipe.py"
SOURCE, DESTINATION = "tsa-rajiv-bucket1", "tsa-rajiv-bucket2"
MIB = 1024 * 1024


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def harness(size: int) -> dict[str, Any]:
    """The large object through ``test(piper)``; peak RSS before and after, in MiB."""
    from jaya_pulumi._loader import load_pipelines
    from jaya_pulumi.testing import test

    (pipeline,) = load_pipelines(EXAMPLE)
    with test(pipeline) as h:
        s3 = h.client("s3")
        s3.put_object(Bucket=SOURCE, Key="warm-up", Body=b"x" * 1024)
        s3.get_object(Bucket=DESTINATION, Key="warm-up")["Body"].read()
        body = os.urandom(size * MIB)
        before = _peak_mib()
        s3.put_object(Bucket=SOURCE, Key="big.bin", Body=body)
        copied = s3.get_object(Bucket=DESTINATION, Key="big.bin")["Body"].read()
        after = _peak_mib()
        assert copied == body and not h.failures
    return {"before": before, "after": after}


def bare(size: int) -> dict[str, Any]:
    """The same calls straight on moto; peak RSS before and after, in MiB."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        s3: Any = boto3.session.Session(region_name="us-east-1").client("s3")
        s3.create_bucket(Bucket=SOURCE)
        s3.create_bucket(Bucket=DESTINATION)
        s3.put_object(Bucket=SOURCE, Key="warm-up", Body=b"x" * 1024)
        s3.copy({"Bucket": SOURCE, "Key": "warm-up"}, DESTINATION, "warm-up")
        s3.get_object(Bucket=DESTINATION, Key="warm-up")["Body"].read()
        body = os.urandom(size * MIB)
        before = _peak_mib()
        s3.put_object(Bucket=SOURCE, Key="big.bin", Body=body)
        s3.copy({"Bucket": SOURCE, "Key": "big.bin"}, DESTINATION, "big.bin")
        copied = s3.get_object(Bucket=DESTINATION, Key="big.bin")["Body"].read()
        after = _peak_mib()
        assert copied == body
    return {"before": before, "after": after}


def measure(mode: str, size: int) -> dict[str, Any]:
    """Run one side in a fresh interpreter and return its figures."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    command = [sys.executable, __file__, "--child", mode, "--size", str(size)]
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {mode} run failed (exit {done.returncode})")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    """Measure both sides and compare their growth."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=64, help="MiB in the object (default 64)")
    parser.add_argument("--budget", type=float, default=1.2, help="most harness/moto growth")
    parser.add_argument("--child", choices=["harness", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = harness(args.size) if args.child == "harness" else bare(args.size)
        print(json.dumps(result))
        return 0
    sides = {mode: measure(mode, args.size) for mode in ("harness", "bare")}
    growth = {mode: r["after"] - r["before"] for mode, r in sides.items()}
    print(f"one {args.size} MiB object: put, copied by CopyS3Lambda, get (peak RSS growth)")
    print(f"  harness: three-node pipe   : {growth['harness']:8.1f} MiB")
    print(f"  bare moto: put + copy + get: {growth['bare']:8.1f} MiB")
    ratio = growth["harness"] / max(growth["bare"], 1.0)
    print(f"  ratio: {ratio:.2f} (budget {args.budget:.2f})")
    if ratio > args.budget:
        print(f"FAIL: the harness grows {ratio:.2f}x what bare moto does")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
