"""Handlers that tests ship to Lambda by reference (this module imports nothing but the stdlib)."""

from __future__ import annotations


def tag_handler(event: dict[str, object], context: object, *, tag: str) -> str:
    """Return the event's ``who`` tagged; bound with ``functools.partial`` in tests."""
    return f"{tag}:{event['who']}"


def do_nothing(event: object, context: object) -> None:
    """A handler for tests that only look at what gets deployed."""


def json_lines_to_events(line: bytes, bucket: str, key: str) -> list[dict[str, object]]:
    """A ``map_function``: parse each line as JSON and send it to the ``events`` stream."""
    import json

    return [{"firehose_name": "events", "result": [json.loads(line)]}]
