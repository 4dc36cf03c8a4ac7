"""jaya_pulumi: AWS data pipelines as Python expressions, deployed and tested with Pulumi.

Importing this package is cheap and has no side effects: the Pulumi layer (``build``) is imported
only when used, so pipeline definitions and ``jaya_pulumi.runtime`` load without pulumi.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jaya_pulumi._loader import load_pipelines
from jaya_pulumi.dsl import (
    S3,
    SNS,
    SQS,
    AWSLambda,
    ConfigSecret,
    CopyS3Lambda,
    Firehose,
    HandlerRef,
    MapS3ToFirehoseLambda,
    Pipeline,
    RedshiftServerless,
    S3Event,
    Schedule,
    Table,
)
from jaya_pulumi.errors import (
    ConfigurationError,
    JayaError,
    PackagingError,
    PipelineDefinitionError,
)

if TYPE_CHECKING:
    from jaya_pulumi.components import PipelineComponent

__all__ = [
    "S3",
    "SNS",
    "SQS",
    "AWSLambda",
    "ConfigSecret",
    "ConfigurationError",
    "CopyS3Lambda",
    "Firehose",
    "HandlerRef",
    "JayaError",
    "MapS3ToFirehoseLambda",
    "PackagingError",
    "Pipeline",
    "PipelineDefinitionError",
    "RedshiftServerless",
    "S3Event",
    "Schedule",
    "Table",
    "build",
    "load_pipelines",
]

__version__ = "0.1.0"


def build(pipeline: Pipeline, **kwargs: Any) -> PipelineComponent:
    """Create ``pipeline``'s resources in the running Pulumi program (see ``components.build``)."""
    from jaya_pulumi.components import build as _build

    return _build(pipeline, **kwargs)
