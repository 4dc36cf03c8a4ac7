"""Issue 10, item 5: with no copy_options, a table with dates and timestamps loads ISO 8601."""

from __future__ import annotations

import datetime
import gzip
import json

import sqlalchemy as sa
from firehose_handlers import json_mapper

import jaya_pulumi.components  # noqa: F401  (imported before synth, as a deployed program has it)
from jaya_pulumi import S3, Firehose, MapS3ToFirehoseLambda, Pipeline, Table
from jaya_pulumi.testing import synth, test

STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
DB = {"db-name": "db", "db-user": "u", "db-passwd": "pass-word", "db-server": "cluster"}


def pipeline_with(*columns: sa.Column[object], copy_options: str | None = None) -> Pipeline:
    settings = {} if copy_options is None else {"copy_options": copy_options}
    table = Table(DB, "events", *columns)
    return Pipeline(
        "dates",
        [
            S3("dates-src", on=[S3.ALL_CREATED_OBJECTS])
            >> MapS3ToFirehoseLambda(map_function=json_mapper)
            >> Firehose(
                "grant-stream",
                "db",
                "u",
                "pass-word",
                "cluster",
                "events",
                "dates-hold",
                "dates-role",
                buffering_interval_seconds=60,
                **settings,
            )
            >> table
        ],
    )


def copy_options_of(pipeline: Pipeline) -> str:
    stream = synth(pipeline).get(STREAM)
    return str(stream.inputs["redshiftConfiguration"]["copyOptions"])


def test_default_copy_options_add_auto_formats_only_for_date_and_time_columns() -> None:
    for column_type in (sa.DateTime, sa.DateTime(timezone=True), sa.Date):
        options = copy_options_of(pipeline_with(sa.Column("at", column_type)))
        assert options == "JSON 'auto' GZIP TIMEFORMAT 'auto' DATEFORMAT 'auto'", column_type
    assert copy_options_of(pipeline_with(sa.Column("name", sa.String))) == "JSON 'auto' GZIP"


def test_given_copy_options_are_used_as_written() -> None:
    pipeline = pipeline_with(sa.Column("at", sa.DateTime), copy_options="JSON 'auto'")
    assert copy_options_of(pipeline) == "JSON 'auto'"


def test_an_iso_timestamp_loads_with_the_default_options(postgres_url: str) -> None:
    pipeline = pipeline_with(sa.Column("at", sa.DateTime), sa.Column("day", sa.Date))
    with test(pipeline, database_url=postgres_url) as h:
        body = json.dumps({"at": "2026-01-02T03:04:05Z", "day": "2026-01-02"}) + "\n"
        h.client("s3").put_object(
            Bucket="dates-src", Key="e.json.gz", Body=gzip.compress(body.encode())
        )
        h.flush()

        assert h.firehose.error_records() == []
        assert h.rows("events") == [
            {"at": datetime.datetime(2026, 1, 2, 3, 4, 5), "day": datetime.date(2026, 1, 2)}
        ]


def test_without_the_auto_formats_the_iso_timestamp_is_rejected(postgres_url: str) -> None:
    pipeline = pipeline_with(sa.Column("at", sa.DateTime), copy_options="JSON 'auto' GZIP")
    with test(pipeline, database_url=postgres_url) as h:
        body = json.dumps({"at": "2026-01-02T03:04:05Z"}) + "\n"
        h.client("s3").put_object(
            Bucket="dates-src", Key="e.json.gz", Body=gzip.compress(body.encode())
        )
        h.flush()

        assert h.rows("events") == []
        assert len(h.firehose.error_records()) == 1
