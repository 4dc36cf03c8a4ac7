"""Pictures of queues, topics and schedules: their own shapes and labelled edges."""

from __future__ import annotations

from jaya_pulumi import S3, SNS, SQS, AWSLambda, Pipeline, Schedule
from jaya_pulumi.diagram import describe, to_dot, to_mermaid


def handler(event: object, context: object) -> None:
    """A do-nothing handler for pictures."""


def pipeline() -> Pipeline:
    return Pipeline(
        "fan",
        [
            S3("src-bucket", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="in/")])
            >> SNS("new-objects")
            >> [
                AWSLambda("a", handler) >> S3("out-a"),
                SQS("buffer", batch_size=20, max_batching_window=2)
                >> AWSLambda("b", handler)
                >> SQS("done"),
            ],
            Schedule("rate(1 day)") >> AWSLambda("nightly", handler) >> SNS("alerts"),
        ],
    )


def test_mermaid_gives_queues_topics_and_schedules_their_own_shapes() -> None:
    text = to_mermaid(pipeline(), stack="prod")
    assert 'n2{{"SNS<br/>fan-new-objects-prod"}}' in text
    assert 'n5>"SQS<br/>fan-buffer-prod"]' in text
    assert 'n8(("Schedule<br/>rate(1 day)"))' in text


def test_mermaid_labels_what_flows_along_each_new_edge() -> None:
    text = to_mermaid(pipeline())
    assert 'n1 -->|"s3:ObjectCreated:* prefix=in/"| n2' in text
    assert 'n2 -->|"subscribes"| n3' in text
    assert 'n5 -->|"batch of 20, window 2 s<br/>partial failures"| n6' in text
    assert 'n6 -->|"sends"| n7' in text
    assert 'n8 -->|"invokes"| n9' in text
    assert 'n9 -->|"publishes"| n10' in text


def test_dot_shapes_and_eventbridge_routes() -> None:
    routed = Pipeline(
        "eb",
        [S3("raw-bucket", on=[S3.ALL_CREATED_OBJECTS], via="eventbridge") >> SQS("work")],
    )
    text = to_dot(routed, stack="prod")
    assert 'n1 [label="S3 (via EventBridge)\\nraw-bucket", shape=cylinder];' in text
    assert 'n2 [label="SQS\\neb-work-prod", shape=cds];' in text
    assert 'n1 -> n2 [label="EventBridge\\ns3:ObjectCreated:*"];' in text
    shapes = {n.kind for n in describe(pipeline()).nodes}
    assert shapes == {"S3", "SNS", "SQS", "AWSLambda", "Schedule"}
    assert "shape=hexagon" in to_dot(pipeline()) and "shape=octagon" in to_dot(pipeline())


def test_jaya_graph_draws_the_fan_out_example() -> None:
    from pathlib import Path

    from click.testing import CliRunner

    from jaya_pulumi.cli import main

    example = Path(__file__).resolve().parents[1] / "examples" / "fan_out.py"
    result = CliRunner().invoke(main, ["graph", str(example), "--format", "mermaid"])
    assert result.exit_code == 0, result.output
    assert 'n2{{"SNS<br/>fan-out-new-objects-{stack}"}}' in result.output
    assert result.output.count('-->|"subscribes"|') == 2
