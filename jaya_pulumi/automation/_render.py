"""Plain-text views of grouped engine events: the per-node change list, progress bars, outputs.

No terminal library: every function returns or writes plain lines, so output is the same in a
terminal, a CI log and a test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from jaya_pulumi.automation._events import OPS, NodeChanges, NodeEvents, past_tense
from jaya_pulumi.dsl import Pipeline

if TYPE_CHECKING:
    from pulumi.automation.events import EngineEvent

__all__ = [
    "ProgressPrinter",
    "format_changes",
    "format_outputs",
    "format_summary",
    "format_totals",
]

_SYMBOL = {
    "create": "+",
    "update": "~",
    "replace": "+-",
    "delete": "-",
    "read": ">",
    "same": " ",
}


def format_changes(
    events: NodeEvents, title: str = "", *, show_same: bool = False, future: bool = True
) -> str:
    """The changes grouped by node: per node a heading, then one line per changed resource.

    :param events: the grouped events of a preview (or of an update).
    :param title: a first line, e.g. ``Preview of three-node-pipe on stack staging``.
    :param show_same: also list resources that do not change.
    :param future: count what will change (a preview); ``False`` for what did (an update).
    """
    lines: list[str] = [title, ""] if title else []
    for group in events.nodes:
        shown = group.resources if show_same else group.changed
        if not shown and not group.diagnostics and group.component is None:
            continue
        lines.append(f"{group.label}: {group.counts_text(future=future)}")
        type_width = max((len(r.type) for r in shown), default=0)
        for change in shown:
            symbol = _SYMBOL.get(change.op, "?")
            line = f"  {symbol:<2} {change.op:<7} {change.type:<{type_width}}  {change.name}"
            if change.reason:
                line += f"  ({change.reason})"
            if change.status != "done":
                line += f"  [{change.status}]"
            lines.append(line.rstrip())
        lines.extend(f"  ! {text}" for text in group.diagnostics)
    lines.extend(f"! {text}" for text in events.diagnostics)
    lines.append("")
    lines.append(format_totals(events, future=future))
    return "\n".join(lines) + "\n"


def format_totals(events: NodeEvents, *, future: bool) -> str:
    """``Resources: 5 to create, 1 unchanged`` (``future``) or ``Resources: 5 created, 1 failed``.

    The counts are the engine's own (``SummaryEvent``) when it came, else the completed steps;
    steps that failed or never finished are added as ``failed`` and ``not done``.
    """
    counts = events.summary if events.complete else events.totals()
    parts: list[str] = []
    for op in OPS:
        n = counts.get(op, 0)
        if not n:
            continue
        if op == "same":
            parts.append(f"{n} unchanged")
        else:
            parts.append(f"{n} to {op}" if future else f"{n} {past_tense(op)}")
    if events.failed:
        parts.append(f"{len(events.failed)} failed")
    if events.not_done:
        parts.append(f"{len(events.not_done)} not done")
    text = "Resources: " + (", ".join(parts) if parts else "no changes")
    if events.duration_seconds is not None and not future:
        text += f" ({events.duration_seconds}s)"
    if not events.complete:
        text += " (no summary from the engine)"
    return text


def format_summary(events: NodeEvents, *, future: bool = False) -> str:
    """The end of an operation: what failed or did not finish, per node, the totals, the unknowns.

    :param events: the grouped events of the operation (e.g. ``ProgressPrinter.events``).
    :param future: word the totals as a preview's (``to create``) rather than an update's.
    """
    lines: list[str] = []
    for group in events.nodes:
        unfinished = [r for r in group.resources if r.status != "done"]
        if not unfinished:
            continue
        lines.append(f"{group.label}:")
        lines.extend(f"  {r.status:<8} {r.op:<7} {r.type}  {r.name}" for r in unfinished)
    lines.append(format_totals(events, future=future))
    lines.extend(events.unknowns())
    return "\n".join(lines) + "\n"


class ProgressPrinter:
    """Live progress of an update: a bar per node, one line each time one of its resources finishes.

    Use it as the ``on_event`` callback of an operation; it writes through ``write`` (``print``
    by default) and keeps the grouped events in :attr:`events`.

    :param pipeline: the pipeline being deployed.
    :param write: where lines go.
    :param width: the width of a bar in characters.
    :param plan: the grouped events of a preview of this update: each node's bar then counts
        towards the number of changes planned for it (without it, towards those started so far).
    """

    def __init__(
        self,
        pipeline: Pipeline | None,
        write: Callable[[str], Any] = print,
        width: int = 20,
        *,
        plan: NodeEvents | None = None,
    ) -> None:
        self.events: NodeEvents = NodeEvents(pipeline)
        """The grouped events seen so far."""
        self._write = write
        self._width = width
        self._label_width = max(len(label) for label in self.events.labels)
        self._planned: dict[str, int] = {}
        if plan is not None:
            self._planned = {g.label: len(g.changed) for g in plan.nodes}

    def __call__(self, event: EngineEvent) -> None:
        """Consume one engine event, writing a progress line when a resource finishes or fails."""
        before = self._state(event)
        change = self.events.handle(event)
        if event.diagnostic_event is not None:
            diag = event.diagnostic_event
            if diag.severity in ("warning", "error") and not diag.ephemeral:
                self._write(f"{diag.severity}: {diag.message.strip()}")
        if event.summary_event is not None:
            self._write(format_totals(self.events, future=False))
        if change is None or (change.done, change.failed) == before:
            return
        if change.op == "same" and not change.failed:
            return
        if not (change.done or change.failed):
            return
        group = self._group_of(change.urn)
        verb = "FAILED" if change.failed else past_tense(change.op)
        self._write(f"{self.bar(group)}  {verb} {change.type} {change.name}")

    def bar(self, group: NodeChanges) -> str:
        """``S3('raw')           [##########..........] 1/2`` for one node."""
        relevant = [r for r in group.resources if r.op != "same" or r.failed]
        total = max(len(relevant), self._planned.get(group.label, 0))
        done = sum(1 for r in relevant if r.done or r.failed)
        filled = self._width if total == 0 else round(self._width * done / total)
        bar = "#" * filled + "." * (self._width - filled)
        return f"{group.label:<{self._label_width}} [{bar}] {done}/{total}"

    def _state(self, event: EngineEvent) -> tuple[bool, bool] | None:
        step = event.resource_pre_event or event.res_outputs_event or event.res_op_failed_event
        if step is None:
            return None
        known = self.events.change(step.metadata.urn)
        return None if known is None else (known.done, known.failed)

    def final_bars(self) -> str:
        """One bar per node that changed, as they stand now."""
        return "\n".join(self.bar(g) for g in self.events.nodes if g.changed) + "\n"

    def _group_of(self, urn: str) -> NodeChanges:
        for group in self.events.nodes:
            if any(r.urn == urn for r in group.resources):
                return group
        raise KeyError(urn)  # pragma: no cover - handle() always files the resource first


def format_outputs(outputs: Mapping[str, Any], *, show_secrets: bool = False) -> str:
    """A two-column table of stack outputs, nested objects flattened to dotted keys.

    A pipeline's export ``{"buckets": {"raw": {"arn": ...}}}`` prints as the row
    ``three-node-pipe.buckets.raw.arn  arn:aws:s3:::raw``; secrets print as ``[secret]`` unless
    ``show_secrets``.
    """
    rows: list[tuple[str, str]] = []
    for key in sorted(outputs):
        item = outputs[key]
        secret = bool(getattr(item, "secret", False))
        value = getattr(item, "value", item)
        if secret and not show_secrets:
            rows.append((key, "[secret]"))
        else:
            rows.extend(_flatten(key, value))
    if not rows:
        return "No outputs.\n"
    width = max(len("OUTPUT"), *(len(k) for k, _ in rows))
    lines = [f"{'OUTPUT':<{width}}  VALUE", f"{'-' * width}  {'-' * 5}"]
    lines.extend(f"{k:<{width}}  {v}" for k, v in rows)
    return "\n".join(lines) + "\n"


def _flatten(key: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, Mapping) and value:
        return [row for k in sorted(value) for row in _flatten(f"{key}.{k}", value[k])]
    if isinstance(value, str):
        return [(key, value)]
    return [(key, json.dumps(value, sort_keys=True, default=str))]
