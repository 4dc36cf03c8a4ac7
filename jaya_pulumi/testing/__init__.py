"""Test helpers: Pulumi mocks, queries over a synthesis, and the local end-to-end harness.

``JayaMocks`` and ``synth`` run the real Pulumi SDK under ``pulumi.runtime.set_mocks``;
``test(pipeline)`` runs the same program on moto with the functions' real archives, Firehose
delivery and a local PostgreSQL (``with test(piper) as h:``).
"""

from jaya_pulumi.testing._copy import UnsupportedCopyOptionError
from jaya_pulumi.testing._firehose import Delivery, FirehoseDeliveryError, FirehoseEmulator
from jaya_pulumi.testing._harness import (
    HandlerFailedError,
    Harness,
    HarnessError,
    ResourceRejectedError,
    default_stack,
    s3_event,
    test,
)
from jaya_pulumi.testing._lambda import Invocation, LambdaContext
from jaya_pulumi.testing._mocks import DEFAULT_ACCOUNT, DEFAULT_REGION, JayaMocks
from jaya_pulumi.testing._synth import RegisteredResource, Synthesis, synth

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
    "RegisteredResource",
    "ResourceRejectedError",
    "Synthesis",
    "UnsupportedCopyOptionError",
    "default_stack",
    "s3_event",
    "synth",
    "test",
]
