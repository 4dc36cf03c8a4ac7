"""Issue 10, items 3-4 end to end: bad lines are quarantined, the rest of the object loads once."""

from __future__ import annotations

import datetime
import decimal
import gzip
import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from firehose_handlers import fails_on_1200, json_mapper, typed_mapper

import jaya_pulumi.components  # noqa: F401  (imported before synth, as a deployed program has it)
from jaya_pulumi import S3, Firehose, MapS3ToFirehoseLambda, Pipeline, Table
from jaya_pulumi.errors import PipelineDefinitionError
from jaya_pulumi.testing import synth, test

FUNCTION = "aws:lambda/function:Function"
POLICY = "aws:iam/rolePolicy:RolePolicy"
DB = {"db-name": "db", "db-user": "u", "db-passwd": "pass-word", "db-server": "cluster"}


def pipeline_with(
    mapper: Callable[..., Any], *columns: sa.Column[Any], **mapper_settings: Any
) -> Pipeline:
    return Pipeline(
        "bad-lines",
        [
            S3("bad-src", on=[S3.ALL_CREATED_OBJECTS])
            >> MapS3ToFirehoseLambda(map_function=mapper, **mapper_settings)
            >> Firehose(
                "grant-stream",
                "db",
                "u",
                "pass-word",
                "cluster",
                "events",
                "bad-hold",
                "bad-role",
                buffering_interval_seconds=60,
            )
            >> Table(DB, "events", *columns)
        ],
    )


def numbered(count: int) -> bytes:
    return gzip.compress("".join(json.dumps({"n": n}) + "\n" for n in range(1, count + 1)).encode())


def test_the_pipeline_creates_the_quarantine_and_grants_writing_only_there() -> None:
    result = synth(pipeline_with(json_mapper, sa.Column("n", sa.Integer)))
    function = result.get(FUNCTION)
    variables = function.inputs["environment"]["variables"]
    assert json.loads(variables["JAYA_QUARANTINE"]) == {
        "bucket": "bad-hold",
        "prefix": "quarantine/map-to-firehose/",
    }
    policy = json.loads(result.get(POLICY, "bad-lines-map-to-firehose-policy").inputs["policy"])
    (statement,) = [s for s in policy["Statement"] if s["Sid"] == "Quarantine"]
    assert statement["Action"] == ["s3:PutObject"]
    assert statement["Resource"] == ["arn:aws:s3:::bad-hold/quarantine/map-to-firehose/*"]
    assert result.outputs["bad-lines"]["quarantine"] == {
        "map-to-firehose": "s3://bad-hold/quarantine/map-to-firehose/"
    }


def test_bad_lines_fail_has_no_quarantine_and_a_wrong_value_is_refused() -> None:
    result = synth(pipeline_with(json_mapper, sa.Column("n", sa.Integer), bad_lines="fail"))
    assert "JAYA_QUARANTINE" not in result.get(FUNCTION).inputs["environment"]["variables"]
    with pytest.raises(PipelineDefinitionError, match=r"bad_lines=.skip.*.quarantine., .fail."):
        MapS3ToFirehoseLambda(map_function=json_mapper, bad_lines="skip")


def test_one_bad_line_is_quarantined_and_every_other_line_loads_once(postgres_url: str) -> None:
    pipeline = pipeline_with(fails_on_1200, sa.Column("n", sa.Integer))
    with test(pipeline, database_url=postgres_url) as h:
        h.client("s3").put_object(Bucket="bad-src", Key="lines.json.gz", Body=numbered(1500))
        h.flush()

        rows = [row["n"] for row in h.rows("events")]
        assert len(rows) == 1499
        assert set(rows) == set(range(1, 1501)) - {1200}
        (rejected,) = h.rejected()
        assert rejected["bucket"] == "bad-src"
        assert rejected["key"] == "lines.json.gz"
        assert rejected["line_number"] == 1200
        assert rejected["error"]["type"] == "ValueError"
        assert "record 1200 is bad" in rejected["error"]["message"]
        assert json.loads(rejected["line"]) == {"n": 1200}
        assert len(h.invocations()) == 1  # no retry: the invocation succeeded


def test_with_bad_lines_fail_the_invocation_fails_as_before(postgres_url: str) -> None:
    pipeline = pipeline_with(fails_on_1200, sa.Column("n", sa.Integer), bad_lines="fail")
    with test(pipeline, database_url=postgres_url, raise_failures=False) as h:
        h.client("s3").put_object(Bucket="bad-src", Key="lines.json.gz", Body=numbered(1500))
        assert h.failures
        assert "record 1200 is bad" in str(h.failures[-1].error)
        assert h.rejected() == []


@pytest.mark.parametrize(
    "body", [numbered(10)[:-20], b'{"n": 1}\n'], ids=["truncated gzip", "plain text"]
)
def test_an_unreadable_object_is_quarantined_once_without_retries(
    postgres_url: str, body: bytes
) -> None:
    pipeline = pipeline_with(json_mapper, sa.Column("n", sa.Integer))
    with test(pipeline, database_url=postgres_url) as h:
        h.client("s3").put_object(Bucket="bad-src", Key="broken.json.gz", Body=body)
        h.flush()

        (rejected,) = h.rejected()
        assert rejected["object"] is True
        assert rejected["key"] == "broken.json.gz"
        assert rejected["error"]["type"] in {"EOFError", "BadGzipFile"}
        assert len(h.invocations()) == 1


def test_datetime_and_decimal_records_load_into_timestamp_and_numeric(postgres_url: str) -> None:
    pipeline = pipeline_with(
        typed_mapper, sa.Column("at", sa.DateTime), sa.Column("amount", sa.Numeric(10, 2))
    )
    with test(pipeline, database_url=postgres_url) as h:
        line = json.dumps({"at": "2026-01-02T03:04:05", "amount": "12.34"}) + "\n"
        h.client("s3").put_object(
            Bucket="bad-src", Key="typed.json.gz", Body=gzip.compress(line.encode())
        )
        h.flush()

        assert h.rejected() == []
        assert h.rows("events") == [
            {"at": datetime.datetime(2026, 1, 2, 3, 4, 5), "amount": decimal.Decimal("12.34")}
        ]
