"""Issue 4, acceptance 2: the seed's Redshift pipeline end to end on the harness.

``examples/s3_to_redshift.py`` as written (its Table names a Redshift cluster; the harness creates
the table in PostgreSQL instead): a gzip file of JSON lines put into the source bucket is mapped by
the real archive, delivered by the Firehose emulator and loaded by the COPY emulation.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from botocore.exceptions import ClientError
from firehose_handlers import json_mapper, send_unjoined

from jaya_pulumi import S3, AWSLambda, Firehose, MapS3ToFirehoseLambda, Pipeline, Table
from jaya_pulumi.cli._load import load_pipelines
from jaya_pulumi.errors import JayaError
from jaya_pulumi.testing import HarnessError, test

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "s3_to_redshift.py"


def the_pipeline() -> Pipeline:
    (pipeline,) = load_pipelines(EXAMPLE)
    return pipeline


def gz_lines(*lines: str) -> bytes:
    return gzip.compress("".join(line + "\n" for line in lines).encode())


def test_json_lines_become_exactly_those_rows(postgres_url: str) -> None:
    pipeline = the_pipeline()
    with test(pipeline, database_url=postgres_url) as h:
        h.client("s3").put_object(
            Bucket="my-source-bucket",
            Key="people/2026-11-25.json.gz",
            Body=gz_lines(
                '{"name": "ann", "age": "31"}',
                '{"name": "bob", "age": "42"}',
                '{"name": "cy"}',
            ),
        )
        assert h.rows("my-schema.my-table") == []  # buffered in Firehose (60 s, 5 MiB)

        h.flush()

        (table,) = pipeline.tables
        assert h.rows(table) == [
            {"name": "ann", "age": "31"},
            {"name": "bob", "age": "42"},
            {"name": "cy", "age": None},
        ]
        (invocation,) = h.invocations()
        assert invocation.ok and invocation.result["records"] == {"my-firehose": 3}
        # the staged object is where Firehose puts it, gzip as the COPY options say
        (delivery,) = h.firehose.deliveries
        assert delivery.key.startswith("my-firehose-prefix")  # the prefix is used verbatim
        staged = h.client("s3").get_object(Bucket="my-holding-bucket", Key=delivery.key)
        assert gzip.decompress(staged["Body"].read()).count(b"\n") == 3


def test_an_extra_field_is_left_out_and_a_bad_line_goes_to_the_error_prefix(
    postgres_url: str,
) -> None:
    too_long = (
        "x" * 300
    )  # sa.String is VARCHAR(256) in Redshift; the example has no TRUNCATECOLUMNS
    with test(the_pipeline(), database_url=postgres_url) as h:
        h.client("s3").put_object(
            Bucket="my-source-bucket",
            Key="people.json.gz",
            Body=gz_lines(
                '{"name": "ann", "age": "31"}',
                '{"name": "bob", "age": "42", "city": "Oslo", "tags": ["a"]}',
                json.dumps({"name": too_long, "age": "1"}),
                '{"name": "dee", "age": "7"}',
            ),
        )
        h.flush()

        assert h.rows("my-table") == [
            {"name": "ann", "age": "31"},
            {"name": "bob", "age": "42"},
            {"name": "dee", "age": "7"},
        ]
        listing = h.client("s3").list_objects_v2(
            Bucket="my-holding-bucket", Prefix="my-firehose-prefix/errors/"
        )
        (error_object,) = [o["Key"] for o in listing["Contents"]]
        body = h.client("s3").get_object(Bucket="my-holding-bucket", Key=error_object)
        (line,) = body["Body"].read().decode().splitlines()
        error = json.loads(line)
        assert error["errorCode"] == "1204"
        assert error["errorMessage"].startswith(
            "String length exceeds DDL length: 300 bytes into VARCHAR(256)"
        )
        (record,) = h.firehose.error_records()
        assert json.loads(record["rawData"]) == {"name": too_long, "age": "1"}


def test_a_non_object_json_line_fails_copy_alone(postgres_url: str) -> None:
    # json.loads('"just text"') is a str, which the runtime sends as the raw line "just text":
    # not JSON, so Redshift's COPY rejects it.
    with test(the_pipeline(), database_url=postgres_url) as h:
        h.client("s3").put_object(
            Bucket="my-source-bucket",
            Key="mixed.json.gz",
            Body=gz_lines('{"name": "ann", "age": "31"}', '"just text"'),
        )
        h.flush()
        assert h.rows("my-table") == [{"name": "ann", "age": "31"}]
        (record,) = h.firehose.error_records()
        assert (record["errorCode"], record["rawData"]) == ("1216", b"just text\n")


def test_records_still_buffered_are_delivered_when_the_harness_exits(postgres_url: str) -> None:
    with test(the_pipeline(), database_url=postgres_url) as h:
        h.client("s3").put_object(
            Bucket="my-source-bucket",
            Key="late.json.gz",
            Body=gz_lines('{"name": "late"}', '"not an object"'),
        )
        assert h.firehose.deliveries == []
    (delivery,) = h.firehose.deliveries
    assert (delivery.reason, delivery.records, delivery.loaded) == ("exit", 2, 1)
    # what the exit delivery rejected is still readable, without the (stopped) emulated S3
    (record,) = h.firehose.error_records()
    assert (record["errorCode"], record["rawData"]) == ("1216", b"not an object\n")
    with pytest.raises(JayaError, match="query the tables inside the `with test"):
        h.rows("my-table")


def test_buffering_interval_runs_on_the_injected_clock(postgres_url: str) -> None:
    with test(the_pipeline(), database_url=postgres_url) as h:
        now = [1_800_000_000.0]
        h.firehose.clock = lambda: now[0]
        s3 = h.client("s3")
        s3.put_object(Bucket="my-source-bucket", Key="a.json.gz", Body=gz_lines('{"name": "a"}'))
        now[0] += 59
        assert h.firehose.tick() == []
        now[0] += 1  # the example's buffering_interval_seconds=60
        (delivery,) = h.firehose.tick()
        assert delivery.reason == "interval"
        assert [r["name"] for r in h.rows("my-table")] == ["a"]


def test_the_handler_sees_awss_limits_through_boto3(postgres_url: str) -> None:
    with test(the_pipeline(), database_url=postgres_url) as h:
        firehose = h.client("firehose")
        with pytest.raises(ClientError) as excinfo:
            firehose.put_record_batch(
                DeliveryStreamName="my-firehose", Records=[{"Data": b"{}"}] * 501
            )
        assert excinfo.value.response["Error"]["Code"] == "ValidationException"
        with pytest.raises(ClientError) as excinfo:
            firehose.put_record_batch(
                DeliveryStreamName="my-firehose", Records=[{"Data": b"x" * (1000 * 1024 + 1)}]
            )
        assert "records.1.member.data" in excinfo.value.response["Error"]["Message"]
        ok = firehose.put_record_batch(
            DeliveryStreamName="my-firehose", Records=[{"Data": b'{"name": "direct"}\n'}]
        )
        assert ok["FailedPutCount"] == 0
        assert firehose.describe_delivery_stream(DeliveryStreamName="my-firehose")[
            "DeliveryStreamDescription"
        ]["DeliveryStreamARN"].endswith(":deliverystream/my-firehose")
        h.flush()
        assert h.rows("my-table") == [{"name": "direct", "age": None}]


def test_a_handler_without_the_grant_is_access_denied_like_aws(postgres_url: str) -> None:
    db_conf = {"db-name": "db", "db-user": "u", "db-passwd": "pass-word", "db-server": "cluster"}
    table = Table(db_conf, "grants", sa.Column("name", sa.String))
    loads = (
        S3("grant-src", on=[S3.ALL_CREATED_OBJECTS])
        >> MapS3ToFirehoseLambda(map_function=json_mapper)
        >> Firehose(
            "grant-stream", "db", "u", "pass-word", "cluster", "grants", "grant-hold", "grant-role"
        )
        >> table
    )
    sneaky = (
        S3("sneaky-in", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("sneaky", send_unjoined)
        >> S3("sneaky-out")
    )
    with test(
        Pipeline("grants", [loads, sneaky]), database_url=postgres_url, raise_failures=False
    ) as h:
        h.client("s3").put_object(Bucket="sneaky-in", Key="k", Body=b"x")

        error = h.failures[0].error
        assert isinstance(error, ClientError)
        assert error.response["Error"]["Code"] == "AccessDeniedException"
        assert "not authorized to perform: firehose:PutRecordBatch on resource: " in str(error)
        assert ":deliverystream/grant-stream" in str(error)
        h.flush()
        assert h.rows(table) == []


def test_a_pipeline_without_tables_starts_no_database() -> None:
    from jaya_pulumi import CopyS3Lambda

    p = S3("lazy-a", on=[S3.ALL_CREATED_OBJECTS]) >> CopyS3Lambda() >> S3("lazy-b")
    with test(Pipeline("no-tables", [p])) as h:
        with pytest.raises(HarnessError, match="has no Table"):
            h.rows("anything")
        with pytest.raises(HarnessError, match="has no Firehose"):
            h.flush()


def test_without_a_database_url_an_embedded_postgres_runs_for_the_block() -> None:
    import psycopg2

    with test(the_pipeline()) as h:
        h.client("s3").put_object(
            Bucket="my-source-bucket", Key="e.json.gz", Body=gz_lines('{"name": "emb"}')
        )
        h.flush()
        assert h.query('SELECT name FROM "my-schema"."my-table"') == [("emb",)]
        url = h.database_url
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(url, connect_timeout=2)


def test_put_record_batch_is_validated_as_botocore_does_and_every_record_arrives(
    postgres_url: str,
) -> None:
    from botocore.exceptions import ParamValidationError

    with test(the_pipeline(), database_url=postgres_url) as h:
        firehose = h.client("firehose")
        (stream,) = h.firehose.streams
        with pytest.raises(ParamValidationError, match=r"Records\[1\]\.Data"):
            firehose.put_record_batch(
                DeliveryStreamName=stream, Records=[{"Data": b"{}\n"}, {"Data": 5}]
            )
        response = firehose.put_record_batch(
            DeliveryStreamName=stream,
            Records=[{"Data": b'{"name": "a"}\n'}, {"Data": '{"name": "b"}\n'}]
            + [{"Data": b'{"name": "c"}\n'}] * 498,
        )
        assert len(response["RequestResponses"]) == 500 and response["FailedPutCount"] == 0
        assert len({r["RecordId"] for r in response["RequestResponses"]}) == 500
        h.flush()
        names = [row["name"] for row in h.rows("my-schema.my-table")]
        assert names == ["a", "b", *["c"] * 498]


def test_one_embedded_server_serves_every_harness_each_in_its_own_database() -> None:
    import psycopg2

    from jaya_pulumi.local.redshift import server

    urls = []
    for _ in range(2):
        with test(the_pipeline()) as h:
            h.client("s3").put_object(
                Bucket="my-source-bucket", Key="e.json.gz", Body=gz_lines('{"name": "x"}')
            )
            h.flush()
            assert h.query('SELECT count(*) FROM "my-schema"."my-table"') == [(1,)]
            urls.append(h.database_url)
    first, second = (urlsplit(url) for url in urls)
    shared = urlsplit(server.url())
    assert "host=" in shared.query  # the socket directory names the server
    assert (
        (first.netloc, first.query)
        == (second.netloc, second.query)
        == (
            shared.netloc,
            shared.query,
        )
    )  # the same server
    assert first.path != second.path  # a database each
    for url in urls:  # each dropped at its harness's stop; the server still runs
        with pytest.raises(psycopg2.OperationalError, match="does not exist"):
            psycopg2.connect(url, connect_timeout=2)
    psycopg2.connect(server.url(), connect_timeout=2).close()
