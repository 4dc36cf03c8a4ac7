"""``summarize``: the per-node summary of a recorded (or live-collected) stream of engine events.

Pure: needs no CLI, no stack and no network. It accepts what the engine's event log holds (the
JSON-lines file ``pulumi up --event-log FILE`` writes, which the Automation API tails), its lines
already parsed, or ``pulumi.automation.events.EngineEvent`` objects as an ``on_event`` callback
receives them. Events are put in ``sequence`` order, as the engine asks of its consumers.

Not supported: the ``--json`` display output of ``pulumi preview`` (a different format); use the
event log.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jaya_pulumi.automation._events import NodeEvents
from jaya_pulumi.dsl import Pipeline
from jaya_pulumi.errors import EngineEventError

if TYPE_CHECKING:
    from pulumi.automation.events import EngineEvent

__all__ = ["EVENT_KEYS", "summarize"]

EVENT_KEYS: tuple[str, ...] = (
    "cancelEvent",
    "stdoutEvent",
    "diagnosticEvent",
    "preludeEvent",
    "summaryEvent",
    "resourcePreEvent",
    "resOutputsEvent",
    "resOpFailedEvent",
    "policyEvent",
    "policyRemediationEvent",
    "policyLoadEvent",
    "policyAnalyzeSummaryEvent",
    "policyRemediateSummaryEvent",
    "policyAnalyzeStackSummaryEvent",
    "startDebuggingEvent",
    "progressEvent",
    "errorEvent",
)
"""The keys of the event kinds the engine writes; each line carries exactly one of them."""

_STEP_KEYS = ("resourcePreEvent", "resOutputsEvent", "resOpFailedEvent")
_FIX = (
    "give the lines of the engine's event log (`pulumi up --event-log FILE`), one JSON object "
    "per line, each with `sequence`, `timestamp` and one event key"
)

EventSource = str | os.PathLike[str] | Iterable["EngineEvent | Mapping[str, Any] | str"]
"""What :func:`summarize` reads: a path to an event log, its text, or its events one by one."""


def summarize(events: EventSource, pipeline: Pipeline | None = None) -> NodeEvents:
    """The per-node summary of an operation, from the engine's events.

    This is what :class:`~jaya_pulumi.automation.PreviewResult` and
    :class:`~jaya_pulumi.automation.UpResult` carry as ``.events``: per pipeline node, each
    resource with its op, why it changes and whether its step is ``done``, ``failed`` or
    ``not done``. ``totals()`` counts only completed steps, so for a stream that reached its
    ``summaryEvent`` it equals the engine's ``resourceChanges``; for one that stopped early
    ``complete`` is false and ``unknowns()`` says what cannot be known.

    :param events: a path (``pathlib.Path`` or ``os.PathLike``) to an event log, the log's text
        (a ``str`` of JSON lines), or an iterable of events: ``EngineEvent`` objects, parsed
        JSON objects, or JSON lines.
    :param pipeline: the pipeline deployed, whose nodes name the groups; ``None`` puts every
        resource in one group.
    :raises EngineEventError: a line is not JSON, not an engine event, lacks the fields of its
        kind, or repeats a sequence number.
    """
    parsed = _parse(events)
    parsed.sort(key=lambda e: e.sequence)
    return NodeEvents(pipeline).feed(parsed)


def _parse(events: EventSource) -> list[EngineEvent]:
    from pulumi.automation.events import EngineEvent

    items: Iterable[Any]
    if isinstance(events, os.PathLike):
        path = Path(events)
        try:
            items = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise EngineEventError(f"cannot read the event log {str(path)!r}: {exc}") from exc
    elif isinstance(events, str):
        items = events.splitlines()
    elif isinstance(events, Mapping | bytes):
        raise EngineEventError(
            f"summarize() needs a stream of events, got one {type(events).__name__}; {_FIX}."
        )
    else:
        items = events
    out: list[EngineEvent] = []
    seen: dict[int, int] = {}
    for number, item in enumerate(items, start=1):
        if isinstance(item, EngineEvent):
            out.append(item)  # built by a caller: its sequence numbers are the caller's own
            continue
        else:
            if isinstance(item, str):
                if not item.strip():
                    continue
                try:
                    item = json.loads(item)
                except json.JSONDecodeError as exc:
                    raise EngineEventError(
                        f"event {number} is not JSON ({exc.msg}); {_FIX}."
                    ) from exc
            event = _event(number, item)
        if event.sequence in seen and event.sequence:
            raise EngineEventError(
                f"events {seen[event.sequence]} and {number} both have sequence {event.sequence}; "
                "the engine numbers each event once: are two logs mixed?"
            )
        seen[event.sequence] = number
        out.append(event)
    return out


def _event(number: int, data: Any) -> EngineEvent:
    from pulumi.automation.events import EngineEvent

    if not isinstance(data, Mapping):
        raise EngineEventError(f"event {number} is a {type(data).__name__}, not an object; {_FIX}.")
    kinds = [key for key in data if key in EVENT_KEYS]
    if len(kinds) != 1:
        found = ", ".join(sorted(k for k in data if k not in ("sequence", "timestamp"))) or "none"
        raise EngineEventError(
            f"event {number} must carry exactly one event key (found: {found}); {_FIX}."
        )
    sequence = data.get("sequence")
    if not isinstance(sequence, int) or isinstance(sequence, bool):
        raise EngineEventError(f"event {number} has no integer `sequence`; {_FIX}.")
    kind = kinds[0]
    body = data[kind]
    if not isinstance(body, Mapping):
        raise EngineEventError(f"event {number}: `{kind}` must be an object; {_FIX}.")
    if kind in _STEP_KEYS:
        meta = body.get("metadata")
        missing = (
            ["metadata"]
            if not isinstance(meta, Mapping)
            else [k for k in ("op", "urn", "type") if not isinstance(meta.get(k), str)]
        )
        if missing:
            raise EngineEventError(
                f"event {number} (sequence {sequence}): `{kind}` lacks "
                f"{', '.join(f'`{m}`' for m in missing)}; a step event names its op, urn and type."
            )
    if kind == "summaryEvent" and not isinstance(body.get("resourceChanges", {}), Mapping):
        raise EngineEventError(
            f"event {number} (sequence {sequence}): `summaryEvent.resourceChanges` must map "
            "ops to counts."
        )
    try:
        return EngineEvent.from_json(dict(data))
    except (KeyError, TypeError, ValueError) as exc:
        raise EngineEventError(
            f"event {number} (sequence {sequence}) is not a valid `{kind}` ({exc!r}); {_FIX}."
        ) from exc
