"""Issue 14 locally: MapS3ToFirehoseLambda behind an SQS queue loads rows and fails messages alone."""

from __future__ import annotations

import gzip
import json

import sqlalchemy as sa
from firehose_handlers import json_mapper

from jaya_pulumi import S3, SQS, Firehose, MapS3ToFirehoseLambda, Pipeline, Table
from jaya_pulumi.testing import test

DB = {"db-name": "db", "db-user": "u", "db-passwd": "pass-word", "db-server": "cluster"}


def pipeline() -> Pipeline:
    return Pipeline(
        "queued-load",
        [
            S3("ql-src", on=[S3.ALL_CREATED_OBJECTS])
            >> SQS("lines", max_receive_count=2)
            >> MapS3ToFirehoseLambda(map_function=json_mapper, bad_lines="fail")
            >> Firehose(
                "grant-stream",
                "db",
                "u",
                "pass-word",
                "cluster",
                "queued_events",
                "ql-hold",
                "ql-role",
                buffering_interval_seconds=60,
            )
            >> Table(DB, "queued_events", sa.Column("n", sa.Integer))
        ],
    )


def test_a_mapper_behind_a_queue_loads_the_good_object_and_dead_letters_the_bad_one(
    postgres_url: str,
) -> None:
    with test(pipeline(), database_url=postgres_url, raise_failures=False) as h:
        s3 = h.client("s3")
        lines = "".join(json.dumps({"n": n}) + "\n" for n in (1, 2, 3))
        s3.put_object(Bucket="ql-src", Key="good.json.gz", Body=gzip.compress(lines.encode()))
        s3.put_object(Bucket="ql-src", Key="bad.json.gz", Body=b"not gzip at all")
        h.flush()

        assert h.rows("queued_events") == [{"n": 1}, {"n": 2}, {"n": 3}]
        mapper = [i for i in h.invocations() if i.keys]
        assert [(i.keys, len(i.result["batchItemFailures"])) for i in mapper] == [
            (["s3://ql-src/good.json.gz"], 0),
            (["s3://ql-src/bad.json.gz"], 1),
            (["s3://ql-src/bad.json.gz"], 1),  # retried alone, then dead-lettered
        ]
        depth = {q["name"]: q["waiting"] for q in h.queues()}
        assert depth["queued-load-lines-local-dlq"] >= 1
        (failure,) = [f for f in h.failures if f.keys]
        assert failure.keys == ["s3://ql-src/bad.json.gz"]
        assert "dead-letter queue" in str(failure.error)
