"""The sandbox around a local account: environment variables, moto, and botocore hooks.

This is the ONE seam where the local cloud changes moto's behaviour: :data:`MOTO_SEAM` names the
private moto attributes replaced while a harness runs (``tests/local/test_moto_seam.py`` fails,
naming the attribute, when a moto upgrade removes one). Nothing else in ``local`` patches moto.

The botocore hooks include one guard (IAM, see ``local/iam.py``) that answers ``before-call`` of
every service first: it is registered for all calls, and each service's own ``before-call`` hook
(an emulator answering the call) is wrapped so the guard runs before it. No emulator a hook
installs can therefore bypass IAM.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable, Mapping
from typing import Any

import boto3
import botocore.handlers

__all__ = ["ENVIRONMENT", "MOTO_SEAM", "Sandbox", "restore_environ", "set_environ"]

ENVIRONMENT: dict[str, str | None] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    # these, from the environment or a profile, would send calls to hosts moto does not answer
    # (AWS_ENDPOINT_URL_<SERVICE>, endpoint_url; lambda-fips..., logs.us-east-1.api.aws)
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
    "AWS_USE_FIPS_ENDPOINT": "false",
    "AWS_USE_DUALSTACK_ENDPOINT": "false",
    # nor may the developer's profiles apply (s3 use_accelerate_endpoint, addressing style, ...)
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    # cleared: a profile or a global endpoint would leave moto
    "AWS_PROFILE": None,
    "AWS_DEFAULT_PROFILE": None,
    "AWS_ENDPOINT_URL": None,
    "AWS_ENDPOINT_URL_S3": None,
    # objects over 256 KiB live in moto's temporary files rather than in memory (moto: 5 MiB),
    # so that what Firehose stages does not make the process grow with the input
    "MOTO_S3_DEFAULT_KEY_BUFFER_SIZE": str(256 * 1024),
}
"""Set (or, for ``None``, cleared) for the harness's lifetime: fake credentials, moto's endpoints."""

MOTO_SEAM: dict[str, tuple[str, ...]] = {
    # S3 notifications: moto's event lacks fields S3 sends, and moto runs Lambda in Docker
    # and sends to SQS, SNS and EventBridge without the synchronous delivery the harness runs
    "moto.s3.notifications": (
        "_get_s3_event",
        "_invoke_awslambda",
        "_send_sqs_message",
        "_send_sns_message",
        "_send_event_bridge_message",
    ),
}
"""Module -> private attributes of moto the harness replaces (the only ones it touches)."""


def set_environ(values: Mapping[str, str | None]) -> dict[str, str | None]:
    """Set ``values`` in ``os.environ`` (``None`` removes a key); return what to restore."""
    saved = {key: os.environ.get(key) for key in values}
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    return saved


def restore_environ(saved: Mapping[str, str | None]) -> None:
    """Undo :func:`set_environ` with what it returned."""
    set_environ(saved)


Hook = tuple[str, Callable[..., Any]]


class Sandbox:
    """moto started, the environment swapped, moto's seam patched and botocore hooks installed."""

    def __init__(self) -> None:
        self._saved_env: dict[str, str | None] = {}
        self._mock: Any = None
        self._patched: list[tuple[Any, str, Any]] = []
        self._hooks: list[Hook] = []

    def start(
        self,
        region: str,
        seam: Mapping[str, Callable[..., Any]],
        hooks: list[Hook],
        *,
        guard: Callable[..., Any] | None = None,
    ) -> None:
        """Start moto, set the environment, replace the :data:`MOTO_SEAM` attributes, add hooks.

        :param seam: replacement by attribute name; every name must be in :data:`MOTO_SEAM`.
        :param guard: a ``before-call`` hook that runs before any other hook's answer, on every
            call; a response it returns is the call's.
        """
        from moto import mock_aws

        self._mock = mock_aws()
        self._mock.start()
        self._saved_env = set_environ({**ENVIRONMENT, "AWS_DEFAULT_REGION": region})
        for module_name, names in MOTO_SEAM.items():
            module = importlib.import_module(module_name)
            for name in names:
                if name in seam:
                    self._patched.append((module, name, getattr(module, name)))
                    setattr(module, name, seam[name])
        self._hooks = [
            (event, _guarded(guard, hook) if guard and event.startswith("before-call.") else hook)
            for event, hook in hooks
        ]
        if guard is not None:
            self._hooks.append(("before-call", functools.partial(_checked, guard)))
        for event, hook in self._hooks:
            botocore.handlers.BUILTIN_HANDLERS.append((event, hook))
            default = boto3.DEFAULT_SESSION
            if default is not None:
                default._session.register(event, hook, unique_id=f"jaya-harness-{event}")

    def stop(self) -> None:
        """Remove the hooks, restore moto's attributes and the environment, stop moto."""
        for event, hook in self._hooks:
            if (event, hook) in botocore.handlers.BUILTIN_HANDLERS:
                botocore.handlers.BUILTIN_HANDLERS.remove((event, hook))
            default = boto3.DEFAULT_SESSION
            if default is not None:
                # registered by unique id when it existed at start, from BUILTIN_HANDLERS otherwise
                default._session.unregister(event, hook, unique_id=f"jaya-harness-{event}")
                default._session.unregister(event, hook)
        self._hooks = []
        for module, name, original in reversed(self._patched):
            setattr(module, name, original)
        self._patched.clear()
        restore_environ(self._saved_env)
        self._saved_env = {}
        if self._mock is not None:
            self._mock.stop()
            self._mock = None


def _guarded(guard: Callable[..., Any], hook: Callable[..., Any]) -> Callable[..., Any]:
    """``hook`` behind ``guard``: the guard's answer, when it gives one, is the call's."""

    def guarded(**kwargs: Any) -> Any:
        denied = _checked(guard, **kwargs)
        return denied if denied is not None else hook(**kwargs)

    return guarded


_GUARDED = "jaya_guarded"
"""Set in a call's context once the guard allowed it (a service hook and the catch-all share it)."""


def _checked(guard: Callable[..., Any], **kwargs: Any) -> Any:
    """The guard's answer for this call, evaluated once per call however many hooks ask."""
    context = kwargs.get("context")
    if isinstance(context, dict) and context.get(_GUARDED):
        return None
    denied = guard(**kwargs)
    if denied is None and isinstance(context, dict):
        context[_GUARDED] = True
    return denied
