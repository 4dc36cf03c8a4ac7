"""Issue 11, item 2 locally: a versioned source runs end to end, each event pinned to its version."""

from __future__ import annotations

from jaya_pulumi import S3, CopyS3Lambda, Pipeline
from jaya_pulumi.testing import test


def test_two_puts_of_one_key_give_each_body_downstream_in_order() -> None:
    piper = Pipeline(
        "versioned-pipe",
        [
            S3("ver-src", on=[S3.ALL_CREATED_OBJECTS], versioning=True)
            >> CopyS3Lambda({}, "us-east-1", "local")
            >> S3("ver-dst")
        ],
    )
    with test(piper) as h:
        s3 = h.client("s3")
        assert s3.get_bucket_versioning(Bucket="ver-src")["Status"] == "Enabled"
        s3.put_object(Bucket="ver-src", Key="k.txt", Body=b"first")
        s3.put_object(Bucket="ver-src", Key="k.txt", Body=b"second")

        events = [i.event["Records"][0]["s3"]["object"] for i in h.invocations()]
        assert all(e.get("versionId") for e in events)  # each event names its version
        assert all(i.ok for i in h.invocations())
        assert s3.get_object(Bucket="ver-dst", Key="k.txt")["Body"].read() == b"second"
