"""Pulumi mocks and synthesis below both ``testing`` and ``local`` (so neither imports the other's
private modules and ``local`` never imports ``testing``).

``JayaMocks`` computes realistic ids, names and ARNs; ``synth`` runs a program under mocks and
returns a queryable :class:`Synthesis`; ``s3_event``/``s3_record`` build the events S3 sends.
``jaya_pulumi.testing`` re-exports all of these.
"""

from jaya_pulumi.mocks._destinations import destination_record, error_payload
from jaya_pulumi.mocks._events import s3_event, s3_record
from jaya_pulumi.mocks._mocks import DEFAULT_ACCOUNT, DEFAULT_REGION, JayaMocks
from jaya_pulumi.mocks._synth import RegisteredResource, Synthesis, synth
from jaya_pulumi.mocks._synth import _unwrap_secrets as unwrap_secrets

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_REGION",
    "JayaMocks",
    "RegisteredResource",
    "Synthesis",
    "destination_record",
    "error_payload",
    "s3_event",
    "s3_record",
    "synth",
    "unwrap_secrets",
]
