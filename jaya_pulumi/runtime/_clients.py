"""boto3 clients made once per Lambda container and reused by every invocation.

Creating a client costs milliseconds (it loads service models); Lambda keeps the module loaded
between invocations of a warm container, so handlers ask here instead of calling
``boto3.client`` per event.
"""

from __future__ import annotations

from typing import Any

__all__ = ["client"]

_CLIENTS: dict[str, Any] = {}


def client(service: str) -> Any:
    """The container's client for ``service`` (``"s3"``, ``"firehose"``), made on first use."""
    made = _CLIENTS.get(service)
    if made is None:
        import boto3

        made = _CLIENTS[service] = boto3.client(service)  # type: ignore[call-overload]
    return made
