"""The pipeline language: nodes, ``>>``, ``Pipeline`` and naming. Plain Python: no pulumi, no boto3."""

from jaya_pulumi.dsl._chain import ALLOWED_EDGES, Chain, Edge, Node
from jaya_pulumi.dsl._firehose import (
    BAD_LINES,
    DEFAULT_COPY_OPTIONS,
    QUARANTINE_PREFIX,
    Firehose,
    MapS3ToFirehoseLambda,
)
from jaya_pulumi.dsl._function import (
    BY_REFERENCE_RUNTIME,
    FAILURE_QUEUE_SUFFIX,
    LAMBDA_PYTHON_RUNTIMES,
    LOG_RETENTION_DAYS,
    AWSLambda,
    CopyS3Lambda,
    HandlerRef,
)
from jaya_pulumi.dsl._naming import (
    bucket_component_name,
    expand,
    firehose_component_name,
    function_component_name,
    function_name_template,
    physical_bucket_name,
    physical_function_name,
    table_component_name,
)
from jaya_pulumi.dsl._pipeline import DEFAULT_VISIBILITY_TIMEOUT, BucketGroup, Pipeline, Trigger
from jaya_pulumi.dsl._s3 import (
    EVENTBRIDGE,
    NOTIFICATION,
    S3,
    STACK_PLACEHOLDER,
    VIA,
    S3Event,
    eventbridge_pattern,
)
from jaya_pulumi.dsl._sources import (
    DEAD_LETTER_SUFFIX,
    SNS,
    SQS,
    VISIBILITY_FACTOR,
    Schedule,
    check_schedule_expression,
)
from jaya_pulumi.dsl._table import ConfigSecret, Table
from jaya_pulumi.dsl._warnings import warn_once

__all__ = [
    "ALLOWED_EDGES",
    "BAD_LINES",
    "BY_REFERENCE_RUNTIME",
    "DEAD_LETTER_SUFFIX",
    "DEFAULT_COPY_OPTIONS",
    "DEFAULT_VISIBILITY_TIMEOUT",
    "EVENTBRIDGE",
    "FAILURE_QUEUE_SUFFIX",
    "LAMBDA_PYTHON_RUNTIMES",
    "LOG_RETENTION_DAYS",
    "NOTIFICATION",
    "QUARANTINE_PREFIX",
    "S3",
    "SNS",
    "SQS",
    "STACK_PLACEHOLDER",
    "VIA",
    "VISIBILITY_FACTOR",
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
    "Schedule",
    "Table",
    "Trigger",
    "bucket_component_name",
    "check_schedule_expression",
    "eventbridge_pattern",
    "expand",
    "firehose_component_name",
    "function_component_name",
    "function_name_template",
    "physical_bucket_name",
    "physical_function_name",
    "table_component_name",
    "warn_once",
]
