"""The seed's "Unit Testing (Future Feature)" snippet, run on the local harness."""

from __future__ import annotations

import io

from jaya_pulumi import S3, CopyS3Lambda, Pipeline
from jaya_pulumi.testing import test


def test_seed_snippet_copies_the_object_to_the_destination() -> None:
    region = "us-east-1"
    environment = "development"
    source = "tsa-rajiv-bucket1"
    destination = "tsa-rajiv-bucket2"
    p = (
        S3(source, region, on=[S3.ALL_CREATED_OBJECTS])
        >> CopyS3Lambda({}, region, environment)
        >> S3(destination, "us-east-1")
    )
    piper = Pipeline("three-node-pipe", [p])

    with test(piper) as test_harness:
        s3 = test_harness.s3()
        a_key = "a_key"
        file_content = io.BytesIO(b"Hi Rajiv")
        s3.Bucket(source).put_object(Key=a_key, Body=file_content)
        obj = s3.Object(bucket_name=destination, key=a_key)
        response = obj.get()
        data = response["Body"].read()
        assert data == file_content.getvalue()
