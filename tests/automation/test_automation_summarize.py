"""``summarize``: what the engine did, per node, from its event log (``tests/fixtures/engine_events``)."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from typing import Any

import pytest
from pulumi.automation.events import EngineEvent

from jaya_pulumi.automation import EVENT_KEYS, format_summary, summarize, up
from jaya_pulumi.cli import load_pipeline
from jaya_pulumi.errors import EngineEventError

ROOT = Path(__file__).parents[2]
EVENTS = ROOT / "tests" / "fixtures" / "engine_events"
PIPE_FILE = ROOT / "tests" / "fixtures" / "pipelines" / "three_node_pipe.py"
RECORDINGS = ["preview", "up", "up_failed", "up_interrupted"]
FN = "three-node-pipe-copy-s3"


def log(kind: str) -> Path:
    return EVENTS / f"three_node_pipe_{kind}.jsonl"


def raw(kind: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log(kind).read_text().splitlines()]


def engine_summary(kind: str) -> dict[str, int] | None:
    """The engine's own ``resourceChanges``, read straight from the log."""
    found = [e["summaryEvent"]["resourceChanges"] for e in raw(kind) if "summaryEvent" in e]
    return found[-1] if found else None


@pytest.fixture(scope="module")
def pipeline():  # type: ignore[no-untyped-def]
    return load_pipeline(PIPE_FILE)


# -- the recordings are event logs -------------------------------------------------------------


@pytest.mark.parametrize("kind", RECORDINGS)
def test_recordings_have_the_shape_of_the_engines_event_log(kind: str) -> None:
    events = raw(kind)

    assert [e["sequence"] for e in events] == list(range(1, len(events) + 1))
    for event in events:
        kinds = [k for k in event if k not in ("sequence", "timestamp")]
        assert len(kinds) == 1 and kinds[0] in EVENT_KEYS, event
        assert isinstance(event["timestamp"], int)
    assert "preludeEvent" in events[0]
    if kind == "up_interrupted":
        assert not any("summaryEvent" in e or "cancelEvent" in e for e in events)
    else:
        assert "summaryEvent" in events[-2] and events[-1] == {
            "sequence": len(events),
            "timestamp": events[-1]["timestamp"],
            "cancelEvent": {},
        }


def test_recordings_are_what_record_py_writes() -> None:
    spec = importlib.util.spec_from_file_location("jaya_record_events", EVENTS / "record.py")
    assert spec is not None and spec.loader is not None
    record = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(record)

    for kind in RECORDINGS:
        written = [json.loads(json.dumps(e, sort_keys=True)) for e in record.stream(kind)]
        assert written == raw(kind), kind


# -- totals equal the engine's summary -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["preview", "up", "up_failed"])
def test_totals_equal_the_engines_summary(pipeline, kind: str) -> None:  # type: ignore[no-untyped-def]
    events = summarize(log(kind), pipeline)

    assert events.complete
    assert events.totals() == engine_summary(kind)
    assert events.summary == engine_summary(kind)


def test_every_prefix_of_an_update_counts_no_step_before_it_finished(pipeline) -> None:  # type: ignore[no-untyped-def]
    lines = log("up").read_text().splitlines()
    final = engine_summary("up")
    assert final is not None

    for end in range(len(lines)):
        totals = summarize(lines[:end], pipeline).totals()
        assert all(totals.get(op, 0) <= final.get(op, 0) for op in totals), end
    # the function's update has started but not yet reported its outputs: not counted
    started = next(
        i
        for i, line in enumerate(lines)
        if "resourcePreEvent" in line and f"aws:lambda/function:Function::{FN}" in line
    )
    partial = summarize(lines[: started + 1], pipeline)
    function = partial.node("CopyS3Lambda('copy-s3')")
    assert [r.status for r in function.resources if r.type.endswith("function:Function")] == [
        "not done"
    ]
    assert partial.totals().get("update", 0) == 1  # only the role policy finished


def test_a_failed_step_is_failed_not_done_and_its_dependents_never_ran(pipeline) -> None:  # type: ignore[no-untyped-def]
    events = summarize(log("up_failed"), pipeline)

    function = events.node("CopyS3Lambda('copy-s3')")
    assert {r.name: r.status for r in function.changed} == {
        f"{FN}-policy": "done",
        FN: "failed",
    }
    assert [r.name for r in events.failed] == [FN]
    assert function.counts_text(future=False) == "1 updated, 1 failed"
    assert any("InvalidParameterValueException" in d for d in function.diagnostics)
    # the alias, permission and notification waited for the function: not in the stream
    names = {r.name for r in events.resources}
    assert not names & {f"{FN}-alias", f"{FN}-allow-tsa-rajiv-bucket1"}
    assert events.node("S3('tsa-rajiv-bucket1')").changed == []
    assert events.unknowns() == []
    assert format_summary(events).splitlines() == [
        "CopyS3Lambda('copy-s3'):",
        f"  failed   update  aws:lambda/function:Function  {FN}",
        "Resources: 6 created, 1 updated, 14 unchanged, 1 failed (42s)",
    ]


def test_an_interrupted_update_says_what_cannot_be_known(pipeline) -> None:  # type: ignore[no-untyped-def]
    events = summarize(log("up_interrupted"), pipeline)

    assert engine_summary("up_interrupted") is None
    assert not events.complete and events.summary == {} and events.duration_seconds is None
    # only what finished counts: bucket 2 and every unchanged resource
    assert events.totals() == {"create": 6, "same": 14}
    assert [(r.name, r.status) for r in events.not_done] == [
        (f"{FN}-policy", "not done"),
        (FN, "not done"),
    ]
    unknowns = events.unknowns()
    assert unknowns[0].startswith("No summary arrived from the engine")
    assert "not in the stream" in unknowns[1]
    assert f"({FN}-policy, {FN}): whether AWS applied them is unknown" in unknowns[2]
    text = format_summary(events)
    assert "Resources: 6 created, 14 unchanged, 2 not done (no summary from the engine)" in text
    assert "pulumi refresh" in text


# -- inputs ---------------------------------------------------------------------------------------


def test_every_form_of_a_log_gives_the_same_summary(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = log("up_failed").read_text()
    lines = text.splitlines()
    shuffled = lines[:]
    random.Random(8).shuffle(shuffled)
    forms: list[Any] = [
        log("up_failed"),
        text,
        lines,
        [json.loads(line) for line in lines],
        [EngineEvent.from_json(json.loads(line)) for line in lines],
        shuffled,  # the engine's sequence numbers give the order
        iter([*lines, "", "  "]),
    ]

    results = [summarize(form, pipeline) for form in forms]

    for result in results:
        assert result.totals() == {"create": 6, "update": 1, "same": 14}
        assert [r.name for r in result.failed] == [FN]


def test_without_a_pipeline_everything_is_one_group() -> None:
    events = summarize(log("up"))

    assert [g.label for g in events.nodes] == ["program"]
    assert events.totals() == engine_summary("up")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"sequence": 1, "timestamp": 1, "cancelEvent": {}}', "{oops"], r"event 2 is not JSON"),
        (["[1, 2]"], r"event 1 is a list, not an object"),
        (['{"sequence": 1, "timestamp": 1}'], r"exactly one event key \(found: none\)"),
        (
            ['{"sequence": 1, "cancelEvent": {}, "summaryEvent": {}}'],
            r"exactly one event key \(found: cancelEvent, summaryEvent\)",
        ),
        (['{"timestamp": 1, "cancelEvent": {}}'], r"event 1 has no integer `sequence`"),
        (
            ['{"sequence": 4, "resOutputsEvent": {"metadata": {"op": "create", "type": "t"}}}'],
            r"event 1 \(sequence 4\): `resOutputsEvent` lacks `urn`",
        ),
        (
            [
                '{"sequence": 1, "cancelEvent": {}}',
                '{"sequence": 1, "preludeEvent": {"config": {}}}',
            ],
            r"events 1 and 2 both have sequence 1.*two logs mixed",
        ),
        (
            [
                '{"sequence": 2, "resourcePreEvent": {"metadata": '
                '{"op": "teleport", "urn": "u", "type": "t"}}}'
            ],
            r"event 1 \(sequence 2\) is not a valid `resourcePreEvent`",
        ),
        (
            ['{"sequence": 1, "summaryEvent": {"resourceChanges": [1]}}'],
            r"`summaryEvent.resourceChanges` must map ops to counts",
        ),
    ],
)
def test_a_malformed_log_is_one_clear_error(lines: list[str], message: str) -> None:
    with pytest.raises(EngineEventError, match=message):
        summarize(lines)


def test_a_single_event_or_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EngineEventError, match="needs a stream of events, got one dict"):
        summarize({"sequence": 1, "cancelEvent": {}})  # type: ignore[arg-type]
    with pytest.raises(EngineEventError, match="cannot read the event log"):
        summarize(tmp_path / "missing.jsonl")


# -- results carry it -------------------------------------------------------------------------


def test_up_results_carry_the_same_summary(fake_cli: dict[str, Any], pipeline) -> None:  # type: ignore[no-untyped-def]
    result = up(pipeline, "staging")

    recorded = summarize(log("up"), pipeline)
    assert result.events.totals() == recorded.totals() == dict(result.changes)
    assert [g.label for g in result.nodes] == [g.label for g in recorded.nodes]
    assert [(r.name, r.status) for r in result.events.resources] == [
        (r.name, r.status) for r in recorded.resources
    ]
