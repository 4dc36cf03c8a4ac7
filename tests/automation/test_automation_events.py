"""Engine events grouped by pipeline node, fed from a recorded stream (``tests/fixtures/engine_events``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pulumi.automation.events import (
    DiagnosticEvent,
    EngineEvent,
    OpType,
    ResOpFailedEvent,
    ResourcePreEvent,
    StepEventMetadata,
)

from jaya_pulumi.automation import NodeEvents, ProgressPrinter, format_changes, resource_name_of
from jaya_pulumi.cli import load_pipeline

ROOT = Path(__file__).parents[2]
EVENTS = ROOT / "tests" / "fixtures" / "engine_events"
PIPE_FILE = ROOT / "tests" / "fixtures" / "pipelines" / "three_node_pipe.py"


def recorded(name: str) -> list[EngineEvent]:
    """The events of a fixture, parsed as the Automation API parses the engine's event log."""
    lines = (EVENTS / name).read_text().splitlines()
    return [EngineEvent.from_json(json.loads(line)) for line in lines]


@pytest.fixture(scope="module")
def pipeline():  # type: ignore[no-untyped-def]
    return load_pipeline(PIPE_FILE)


def test_preview_prints_per_node_what_changes_and_why(pipeline) -> None:  # type: ignore[no-untyped-def]
    events = NodeEvents(pipeline).feed(recorded("three_node_pipe_preview.jsonl"))

    text = format_changes(events, "Preview of three-node-pipe on stack staging")

    assert text.splitlines()[:4] == [
        "Preview of three-node-pipe on stack staging",
        "",
        "S3('tsa-rajiv-bucket1'): 1 to update",
        "  ~  update  aws:s3/bucketNotification:BucketNotification  "
        "tsa-rajiv-bucket1-notification  (changed: lambdaFunctions)",
    ]
    assert "CopyS3Lambda('copy-s3'): 3 to update, 1 to replace" in text
    assert (
        "  +- replace aws:lambda/permission:Permission  "
        "three-node-pipe-copy-s3-allow-tsa-rajiv-bucket1  "
        "(replace because of qualifier; changed: qualifier)"
    ) in text
    assert "(changed: code, sourceCodeHash, environment)" in text
    assert "  ! warning: aws:lambda/function:Function resource 'three-node-pipe-copy-s3'" in text
    assert "S3('tsa-rajiv-bucket2'): 6 to create" in text
    assert text.rstrip().endswith("Resources: 6 to create, 4 to update, 1 to replace, 14 unchanged")
    # unchanged resources and the stack itself are not listed
    assert "tsa-rajiv-bucket1-ownership" not in text
    assert "pulumi:pulumi:Stack" not in text


def test_nodes_come_in_pipeline_order_with_their_resources(pipeline) -> None:  # type: ignore[no-untyped-def]
    events = NodeEvents(pipeline).feed(recorded("three_node_pipe_preview.jsonl"))

    labels = [g.label for g in events.nodes]
    assert labels == [
        "S3('tsa-rajiv-bucket1')",
        "CopyS3Lambda('copy-s3')",
        "S3('tsa-rajiv-bucket2')",
        "Pipeline('three-node-pipe')",
    ]
    bucket1 = events.node("S3('tsa-rajiv-bucket1')")
    assert (bucket1.count("same"), bucket1.count("update")) == (6, 1)
    function = events.node("CopyS3Lambda('copy-s3')")
    assert {r.name: r.op for r in function.changed} == {
        "three-node-pipe-copy-s3-policy": "update",
        "three-node-pipe-copy-s3": "update",
        "three-node-pipe-copy-s3-alias": "update",
        "three-node-pipe-copy-s3-allow-tsa-rajiv-bucket1": "replace",
    }
    permission = function.changed[-1]
    assert permission.replace_keys == ("qualifier",)
    assert events.node("S3('tsa-rajiv-bucket2')").count("create") == 6
    # the stack and the pipeline component belong to the pipeline, unchanged
    assert {r.type for r in events.node("Pipeline('three-node-pipe')").resources} == {
        "pulumi:pulumi:Stack",
        "jaya:index:Pipeline",
    }
    assert events.summary == {"create": 6, "update": 4, "replace": 1, "same": 14}
    assert events.totals() == events.summary


def test_up_shows_a_progress_bar_per_node(pipeline) -> None:  # type: ignore[no-untyped-def]
    plan = NodeEvents(pipeline).feed(recorded("three_node_pipe_preview.jsonl"))
    lines: list[str] = []
    printer = ProgressPrinter(pipeline, write=lines.append, plan=plan)

    for event in recorded("three_node_pipe_up.jsonl"):
        printer(event)

    b2 = "S3('tsa-rajiv-bucket2') "
    fn = "CopyS3Lambda('copy-s3') "
    assert lines[:2] == [
        f"{b2}    [###.................] 1/6  created jaya:aws:Bucket tsa-rajiv-bucket2",
        f"{b2}    [#######.............] 2/6  created aws:s3/bucket:Bucket tsa-rajiv-bucket2",
    ]
    assert (
        f"{b2}    [####################] 6/6  created aws:s3/bucketPolicy:BucketPolicy tsa-rajiv-bucket2-tls-only"
        in lines
    )
    assert (
        lines.count(
            f"{fn}    [####################] 4/4  replaced aws:lambda/permission:Permission "
            "three-node-pipe-copy-s3-allow-tsa-rajiv-bucket1"
        )
        == 1
    )
    assert any(line.startswith("warning: aws:lambda/function:Function") for line in lines)
    assert lines[-1] == "Resources: 6 created, 4 updated, 1 replaced, 14 unchanged (42s)"
    assert not any("unchanged aws:" in line for line in lines)  # same steps print nothing
    assert printer.final_bars().splitlines() == [
        "S3('tsa-rajiv-bucket1')     [####################] 1/1",
        "CopyS3Lambda('copy-s3')     [####################] 4/4",
        "S3('tsa-rajiv-bucket2')     [####################] 6/6",
    ]


def test_without_a_plan_bars_count_the_steps_started(pipeline) -> None:  # type: ignore[no-untyped-def]
    lines: list[str] = []
    printer = ProgressPrinter(pipeline, write=lines.append)

    for event in recorded("three_node_pipe_up.jsonl"):
        printer(event)

    assert lines[0].endswith("1/1  created jaya:aws:Bucket tsa-rajiv-bucket2")


def _step(
    op: OpType, type_: str, name: str, parent: str = "jaya:aws:Function"
) -> StepEventMetadata:
    urn = f"urn:pulumi:staging::three-node-pipe::pulumi:pulumi:Stack$jaya:index:Pipeline${parent}${type_}::{name}"
    return StepEventMetadata(op=op, urn=urn, type=type_, provider="")


def test_a_failed_step_shows_failed_and_the_engines_error(pipeline) -> None:  # type: ignore[no-untyped-def]
    lines: list[str] = []
    printer = ProgressPrinter(pipeline, write=lines.append)
    meta = _step(OpType.CREATE, "aws:lambda/function:Function", "three-node-pipe-copy-s3")

    printer(EngineEvent(1, 0, resource_pre_event=ResourcePreEvent(meta)))
    printer(
        EngineEvent(
            2,
            0,
            diagnostic_event=DiagnosticEvent(
                "creating Lambda Function: AccessDeniedException", "never", "error", urn=meta.urn
            ),
        )
    )
    printer(EngineEvent(3, 0, res_op_failed_event=ResOpFailedEvent(meta, status=1, steps=0)))

    assert lines == [
        "error: creating Lambda Function: AccessDeniedException",
        "CopyS3Lambda('copy-s3')     [####################] 1/1  FAILED "
        "aws:lambda/function:Function three-node-pipe-copy-s3",
    ]
    group = printer.events.node("CopyS3Lambda('copy-s3')")
    assert group.failed == 1
    assert group.diagnostics == ["error: creating Lambda Function: AccessDeniedException"]


def test_resources_belong_to_the_longest_matching_component() -> None:
    from jaya_pulumi import S3, CopyS3Lambda, Pipeline

    pipe = Pipeline(
        "raw",
        [S3("raw", on=[S3.ALL_CREATED_OBJECTS]) >> CopyS3Lambda({}) >> S3("raw-copy-s3-out")],
    )
    events = NodeEvents(pipe)
    for name, type_, parent in [
        ("raw-notification", "aws:s3/bucketNotification:BucketNotification", "jaya:aws:Bucket"),
        ("raw-copy-s3-role", "aws:iam/role:Role", "jaya:aws:Function"),
        ("raw-copy-s3-out-tls-only", "aws:s3/bucketPolicy:BucketPolicy", "jaya:aws:Bucket"),
    ]:
        meta = _step(OpType.CREATE, type_, name, parent)
        events.handle(EngineEvent(1, 0, resource_pre_event=ResourcePreEvent(meta)))

    assert {g.label: [r.name for r in g.resources] for g in events.nodes} == {
        "S3('raw')": ["raw-notification"],
        "CopyS3Lambda('copy-s3')": ["raw-copy-s3-role"],
        "S3('raw-copy-s3-out')": ["raw-copy-s3-out-tls-only"],
    }


def test_resources_are_grouped_by_the_component_that_owns_them_not_by_name_alone() -> None:
    from jaya_pulumi import S3, CopyS3Lambda, Pipeline

    # the pipeline is named like its source bucket, and a function like another bucket
    pipe = Pipeline(
        "clicks",
        [
            S3("clicks", on=[S3.ALL_CREATED_OBJECTS])
            >> CopyS3Lambda({}, name="out")
            >> S3("clicks-out")
        ],
    )
    events = NodeEvents(pipe)
    stack = "urn:pulumi:staging::clicks::"
    for chain, name in [
        ("pulumi:pulumi:Stack", "clicks-staging"),
        ("jaya:index:Pipeline", "clicks"),
        ("jaya:index:Pipeline$pulumi:providers:aws", "clicks-aws-us-east-1"),
        ("jaya:index:Pipeline$jaya:aws:Bucket", "clicks"),
        ("jaya:index:Pipeline$jaya:aws:Bucket$aws:s3/bucketV2:BucketV2", "clicks"),
        ("jaya:index:Pipeline$jaya:aws:Function", "clicks-out"),
        ("jaya:index:Pipeline$jaya:aws:Function$aws:iam/role:Role", "clicks-out-role"),
        ("jaya:index:Pipeline$jaya:aws:Bucket", "clicks-out"),
        ("jaya:index:Pipeline$jaya:aws:Bucket$aws:s3/bucketV2:BucketV2", "clicks-out"),
    ]:
        type_ = chain.rsplit("$", 1)[-1]
        meta = StepEventMetadata(
            op=OpType.CREATE, urn=f"{stack}{chain}::{name}", type=type_, provider=""
        )
        events.handle(EngineEvent(1, 0, resource_pre_event=ResourcePreEvent(meta)))

    assert {g.label: [(r.type, r.name) for r in g.resources] for g in events.nodes} == {
        "S3('clicks')": [("jaya:aws:Bucket", "clicks"), ("aws:s3/bucketV2:BucketV2", "clicks")],
        "CopyS3Lambda('out')": [
            ("jaya:aws:Function", "clicks-out"),
            ("aws:iam/role:Role", "clicks-out-role"),
        ],
        "S3('clicks-out')": [
            ("jaya:aws:Bucket", "clicks-out"),
            ("aws:s3/bucketV2:BucketV2", "clicks-out"),
        ],
        "Pipeline('clicks')": [
            ("pulumi:pulumi:Stack", "clicks-staging"),
            ("jaya:index:Pipeline", "clicks"),
            ("pulumi:providers:aws", "clicks-aws-us-east-1"),
        ],
    }


def test_resource_name_of_a_urn() -> None:
    urn = "urn:pulumi:staging::proj::pulumi:pulumi:Stack$jaya:aws:Bucket$aws:s3/bucket:Bucket::raw"
    assert resource_name_of(urn) == "raw"


def test_fixture_names_are_what_the_builder_registers(pipeline) -> None:  # type: ignore[no-untyped-def]
    from jaya_pulumi.testing import synth

    registered = {
        (r.type, r.name)
        for r in synth(pipeline, stack="staging", config={"aws:region": "us-east-1"}).resources
    }
    recorded_names = {
        (e.resource_pre_event.metadata.type, resource_name_of(e.resource_pre_event.metadata.urn))
        for e in recorded("three_node_pipe_up.jsonl")
        if e.resource_pre_event is not None
        and e.resource_pre_event.metadata.type != "pulumi:pulumi:Stack"
    }

    assert recorded_names == registered
