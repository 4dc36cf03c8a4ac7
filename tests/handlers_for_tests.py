"""Handlers that tests ship to Lambda by reference (this module imports nothing but the stdlib)."""

from __future__ import annotations


def tag_handler(event: dict[str, object], context: object, *, tag: str) -> str:
    """Return the event's ``who`` tagged; bound with ``functools.partial`` in tests."""
    return f"{tag}:{event['who']}"
