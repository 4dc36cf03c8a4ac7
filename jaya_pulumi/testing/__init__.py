"""Test helpers: Pulumi mocks that return realistic AWS outputs, and queries over a synthesis.

``JayaMocks`` and ``synth`` run the real Pulumi SDK under ``pulumi.runtime.set_mocks``.
"""

from jaya_pulumi.testing._mocks import DEFAULT_ACCOUNT, DEFAULT_REGION, JayaMocks
from jaya_pulumi.testing._synth import RegisteredResource, Synthesis, synth

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_REGION",
    "JayaMocks",
    "RegisteredResource",
    "Synthesis",
    "synth",
]
