"""``examples/fan_out.py`` and ``examples/nightly.py`` run end to end on the local cloud."""

from __future__ import annotations

from pathlib import Path

from jaya_pulumi import load_pipelines
from jaya_pulumi.testing import test

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def keys(h: object, bucket: str) -> list[str]:
    s3 = h.client("s3")  # type: ignore[attr-defined]
    name = h.bucket_name(bucket)  # type: ignore[attr-defined]
    return [o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])]


def test_fan_out_copies_one_object_to_both_buckets_through_the_topic() -> None:
    (pipeline,) = load_pipelines(EXAMPLES / "fan_out.py")
    with test(pipeline) as h:
        h.client("s3").put_object(
            Bucket=h.bucket_name("fan-out-landing-{stack}"), Key="day/a.csv", Body=b"a,b\n"
        )
        assert keys(h, "fan-out-archive-{stack}") == ["day/a.csv"]
        assert keys(h, "fan-out-mirror-{stack}") == ["mirror/day/a.csv"]
        body = h.client("s3").get_object(
            Bucket=h.bucket_name("fan-out-mirror-{stack}"), Key="mirror/day/a.csv"
        )["Body"]
        assert body.read() == b"a,b\n"


def test_nightly_writes_its_report_when_the_schedule_fires() -> None:
    (pipeline,) = load_pipelines(EXAMPLES / "nightly.py")
    with test(pipeline) as h:
        assert keys(h, "nightly-reports-{stack}") == []
        (run,) = h.fire(pipeline.schedules[0])
        assert run.ok, run.error
        (key,) = keys(h, "nightly-reports-{stack}")
        assert key == f"reports/{run.event['time']}.json"
