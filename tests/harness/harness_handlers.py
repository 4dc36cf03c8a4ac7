"""User handlers the harness tests deploy by module reference (they import only the runtime)."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path
from typing import Any

import boto3

from jaya_pulumi.runtime import destinations, s3_objects


def upper(event: dict[str, Any], context: Any) -> list[str]:
    """Write each object, upper-cased, under the same key in every destination."""
    s3 = boto3.client("s3")
    written = []
    for obj in s3_objects(event):
        body = s3.get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read()
        for target in destinations():
            key = target.prefix + obj.key
            s3.put_object(Bucket=target.bucket, Key=key, Body=body.upper())
            written.append(f"s3://{target.bucket}/{key}")
    return written


def compress(event: dict[str, Any], context: Any) -> list[str]:
    """Write each object gzipped, as ``<key>.gz``, in every destination."""
    s3 = boto3.client("s3")
    written = []
    for obj in s3_objects(event):
        body = s3.get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read()
        for target in destinations():
            key = f"{target.prefix}{obj.key}.gz"
            s3.put_object(Bucket=target.bucket, Key=key, Body=gzip.compress(body))
            written.append(f"s3://{target.bucket}/{key}")
    return written


def write_elsewhere(event: dict[str, Any], context: Any) -> None:
    """Write to a bucket the pipeline does not join to this function (no IAM grant)."""
    s3 = boto3.client("s3")
    for obj in s3_objects(event):
        s3.put_object(Bucket="harness-unjoined-bucket", Key=obj.key, Body=b"x")


def delete_version(event: dict[str, Any], context: Any) -> None:
    """Delete one version of each object from every destination (no IAM grant to delete)."""
    s3 = boto3.client("s3")
    for obj in s3_objects(event):
        for target in destinations():
            s3.delete_object(Bucket=target.bucket, Key=target.prefix + obj.key, VersionId="v1")


BROKEN = Path(tempfile.gettempdir()) / "jaya-tests-downstream-is-down"
"""While this file exists :func:`fails_while_broken` raises; a test removes it to 'deploy the fix'.

A file, not a module global: the harness loads each function from its own archive, so the test's
module and the handler's are different objects.
"""


def fails_while_broken(event: dict[str, Any], context: Any) -> str:
    """Raise while :data:`BROKEN` exists; otherwise return the key it was given."""
    if BROKEN.exists():
        raise RuntimeError("downstream is down")
    return str(event["Records"][0]["s3"]["object"]["key"])
