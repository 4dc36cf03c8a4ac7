"""The seed's first pipeline: copy every new object from one bucket to another."""

from jaya_pulumi import S3, CopyS3Lambda, Pipeline

s1 = S3("tsa-rajiv-bucket1", "us-east-1", on=[S3.ALL_CREATED_OBJECTS])
l1 = CopyS3Lambda({}, "us-east-1", "staging")
s2 = S3("tsa-rajiv-bucket2", "us-east-1")
p = s1 >> l1 >> s2
piper = Pipeline("three-node-pipe", [p])
