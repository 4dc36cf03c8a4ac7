r"""Every error the local cloud raises: all :class:`~jaya_pulumi.errors.JayaError`\ s."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jaya_pulumi.errors import JayaError

if TYPE_CHECKING:
    from jaya_pulumi.local.awslambda import Invocation

__all__ = [
    "FirehoseDeliveryError",
    "HandlerFailedError",
    "HarnessError",
    "MarshalError",
    "RecursiveInvocationError",
    "RequirementMismatchWarning",
    "ResourceRejectedError",
    "UnsupportedCopyOptionError",
]


class HarnessError(JayaError):
    """The local harness cannot run the pipeline as asked."""


class ResourceRejectedError(HarnessError):
    """Emulated AWS refused a resource's inputs (the message names the resource and AWS's error)."""


class HandlerFailedError(HarnessError):
    """A function still failed after its retries; ``failures`` holds the last attempt of each."""

    def __init__(self, message: str, failures: list[Invocation]) -> None:
        super().__init__(message)
        self.failures = failures
        """The final failed attempt of each event that was not processed."""


class MarshalError(JayaError):
    """What Lambda's runtime reports (``Runtime.MarshalError``) for a result JSON cannot hold."""


class FirehoseDeliveryError(JayaError):
    """A delivery could not stage or load its records (not a bad record: those go to errors)."""


class UnsupportedCopyOptionError(JayaError, ValueError):
    """The stream's COPY options use something the local COPY emulation does not emulate."""


class RecursiveInvocationError(HarnessError):
    """Lambda stopped an invocation that continued a recursive loop (about 16 in one chain)."""


class RequirementMismatchWarning(UserWarning):
    """A function pins a requirement the local environment has in another version."""
