"""Turn what the Pulumi CLI and the Automation API raise into :mod:`jaya_pulumi.errors` classes."""

from __future__ import annotations

import re

from jaya_pulumi.errors import (
    JayaError,
    MissingCredentialsError,
    PulumiCommandError,
    PulumiNotInstalledError,
    StackLockedError,
    StackNotFoundError,
)

__all__ = ["INSTALL_HINT", "not_installed", "translate"]

INSTALL_HINT = (
    "Install it with `curl -fsSL https://get.pulumi.com | sh` (or see "
    "https://www.pulumi.com/docs/iac/download-install/), then make sure `pulumi` is on PATH "
    "(the installer puts it in ~/.pulumi/bin)."
)
"""How to install the Pulumi CLI, said in every :class:`PulumiNotInstalledError`."""

_AWS_CREDENTIALS = re.compile(
    r"No valid credential sources found|NoCredentialProviders|unable to validate AWS credentials|"
    r"InvalidClientTokenId|ExpiredToken|SignatureDoesNotMatch|failed to refresh cached credentials|"
    r"failed to get shared config profile|no EC2 IMDS role found",
    re.IGNORECASE,
)
_PULUMI_LOGIN = re.compile(
    r"PULUMI_ACCESS_TOKEN|pulumi login|not logged in|Unauthorized: No credentials provided",
    re.IGNORECASE,
)
_PASSPHRASE = re.compile(r"PULUMI_CONFIG_PASSPHRASE|incorrect passphrase", re.IGNORECASE)


def not_installed(detail: str = "") -> PulumiNotInstalledError:
    """The error for a missing ``pulumi`` binary."""
    why = f" ({detail})" if detail else ""
    return PulumiNotInstalledError(
        "The Pulumi CLI (`pulumi`) is not installed or not on PATH"
        f"{why}; preview, up, destroy, refresh and outputs drive it through Pulumi's Automation "
        f"API. {INSTALL_HINT} `jaya graph` needs no Pulumi CLI."
    )


def translate(exc: BaseException, stack: str) -> JayaError:
    """The :class:`JayaError` that says what ``exc`` (raised by the Automation API) means."""
    from pulumi.automation import errors as auto_errors

    if isinstance(exc, JayaError):
        return exc
    if isinstance(exc, FileNotFoundError):
        return not_installed(str(exc))
    if isinstance(exc, auto_errors.InvalidVersionError):
        return PulumiNotInstalledError(
            f"The Pulumi CLI is too old for this SDK: {exc}. {INSTALL_HINT}"
        )
    if not isinstance(exc, auto_errors.CommandError):
        return PulumiCommandError(f"{type(exc).__name__}: {exc}")
    message = cli_message(str(exc))
    if isinstance(exc, auto_errors.ConcurrentUpdateError):
        return StackLockedError(
            f"Stack {stack!r} is locked: another update is in progress. Wait for it to finish; "
            f"if none is running (a crashed update left the lock), run `pulumi cancel --stack "
            f"{stack}` (file backends: the lock lives under .pulumi/locks). The CLI said: {message}"
        )
    if isinstance(exc, auto_errors.StackNotFoundError):
        return StackNotFoundError(
            f"Stack {stack!r} does not exist in this backend; run `jaya up` to create it, or "
            f"check --backend-url. The CLI said: {message}"
        )
    if _PASSPHRASE.search(message):
        return MissingCredentialsError(
            "Missing or wrong secrets passphrase: the stack encrypts its secrets with a "
            "passphrase. Set PULUMI_CONFIG_PASSPHRASE (or pass passphrase= / --passphrase-env). "
            f"The CLI said: {message}"
        )
    if _AWS_CREDENTIALS.search(message):
        return MissingCredentialsError(
            "Missing or invalid AWS credentials: the AWS provider could not authenticate. Set "
            "AWS_PROFILE (or --profile / aws_conf['profile']) or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, and a region. The CLI said: " + message
        )
    if _PULUMI_LOGIN.search(message):
        return MissingCredentialsError(
            "Missing Pulumi Cloud credentials: run `pulumi login`, set PULUMI_ACCESS_TOKEN, or "
            "use a local state backend (backend_url='file://~/.jaya-state' / --backend-url). "
            f"The CLI said: {message}"
        )
    return PulumiCommandError(f"The Pulumi CLI failed: {message}")


def cli_message(text: str) -> str:
    """The useful part of a ``CommandError``'s text: its stderr, else its stdout, trimmed."""
    stdout, stderr = "", text
    if " stderr: " in text:
        head, _, stderr = text.partition(" stderr: ")
        _, _, stdout = head.partition(" stdout: ")
    chosen = stderr.strip() or stdout.strip() or text.strip()
    lines = [line.rstrip() for line in chosen.splitlines() if line.strip()]
    return "\n".join(lines[-20:])
