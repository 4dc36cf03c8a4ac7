"""Test helpers: Pulumi mocks, queries over a synthesis, and the local end-to-end harness.

``JayaMocks`` and ``synth`` run the real Pulumi SDK under ``pulumi.runtime.set_mocks`` (they live
in :mod:`jaya_pulumi.mocks`, below both this package and :mod:`jaya_pulumi.local`);
``test(pipeline)`` (re-exported from :mod:`jaya_pulumi.local`) runs the same program on moto with
the functions' real archives, Firehose delivery and a local PostgreSQL (``with test(piper) as h:``).
"""

from jaya_pulumi.local import (
    Delivery,
    FirehoseDeliveryError,
    FirehoseEmulator,
    HandlerFailedError,
    Harness,
    HarnessError,
    Invocation,
    LambdaContext,
    RecursiveInvocationError,
    RequirementMismatchWarning,
    ResourceRejectedError,
    UnsupportedCopyOptionError,
    default_stack,
    test,
)
from jaya_pulumi.mocks import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    JayaMocks,
    RegisteredResource,
    Synthesis,
    destination_record,
    error_payload,
    s3_event,
    synth,
)

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_REGION",
    "Delivery",
    "FirehoseDeliveryError",
    "FirehoseEmulator",
    "HandlerFailedError",
    "Harness",
    "HarnessError",
    "Invocation",
    "JayaMocks",
    "LambdaContext",
    "RecursiveInvocationError",
    "RegisteredResource",
    "RequirementMismatchWarning",
    "ResourceRejectedError",
    "Synthesis",
    "UnsupportedCopyOptionError",
    "default_stack",
    "destination_record",
    "error_payload",
    "s3_event",
    "synth",
    "test",
]
