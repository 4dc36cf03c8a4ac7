"""The pipeline language: nodes, ``>>`` and ``Pipeline``. Plain Python: no pulumi, no boto3."""

from jaya_pulumi.dsl._firehose import (
    DEFAULT_COPY_OPTIONS,
    ConfigSecret,
    Firehose,
    MapS3ToFirehoseLambda,
    Table,
)
from jaya_pulumi.dsl._function import LOG_RETENTION_DAYS, AWSLambda, CopyS3Lambda, HandlerRef
from jaya_pulumi.dsl._graph import ALLOWED_EDGES, Chain, Edge, Node
from jaya_pulumi.dsl._pipeline import BucketGroup, Pipeline, Trigger
from jaya_pulumi.dsl._s3 import S3, S3Event

__all__ = [
    "ALLOWED_EDGES",
    "DEFAULT_COPY_OPTIONS",
    "LOG_RETENTION_DAYS",
    "S3",
    "AWSLambda",
    "BucketGroup",
    "Chain",
    "ConfigSecret",
    "CopyS3Lambda",
    "Edge",
    "Firehose",
    "HandlerRef",
    "MapS3ToFirehoseLambda",
    "Node",
    "Pipeline",
    "S3Event",
    "Table",
    "Trigger",
]
