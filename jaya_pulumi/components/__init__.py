"""Pulumi components, one per node kind, and :func:`build`, which wires a pipeline's edges."""

from jaya_pulumi.components._bucket import Bucket, LambdaNotification
from jaya_pulumi.components._function import Function
from jaya_pulumi.components._pipeline import PipelineComponent, build

__all__ = ["Bucket", "Function", "LambdaNotification", "PipelineComponent", "build"]
