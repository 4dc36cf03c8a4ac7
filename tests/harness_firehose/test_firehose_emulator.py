"""The Firehose emulator: AWS's PutRecordBatch limits and errors, buffering, staging and COPY."""

from __future__ import annotations

import gzip
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import sqlalchemy as sa
from botocore.exceptions import ClientError
from moto import mock_aws

from jaya_pulumi.local import FirehoseDeliveryError, FirehoseEmulator, StreamSettings
from jaya_pulumi.local.redshift import UnsupportedCopyOptionError
from jaya_pulumi.redshift import table_spec
from jaya_pulumi.redshift.connection import ConnectionSettings
from jaya_pulumi.redshift.ddl import create_schema_ddl, create_table_ddl
from jaya_pulumi.redshift.spec import TableSpec

BUCKET = "holding-bucket"
KIB = 1024
MIB = 1024 * 1024


class Clock:
    """A settable wall clock (seconds since the epoch)."""

    def __init__(self, now: float = 1_764_079_200.0) -> None:  # 2025-11-25 14:00:00 UTC
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client(
            "s3",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.create_bucket(Bucket=BUCKET)
        yield client


def make_table(postgres_url: str, *columns: sa.Column[Any]) -> TableSpec:
    spec = table_spec(
        f"t_{uuid.uuid4().hex[:8]}", columns or [sa.Column("name", sa.String)], schema="fh"
    )
    conn = ConnectionSettings.from_url(postgres_url).connect()
    try:
        with conn.cursor() as cur:
            cur.execute(create_schema_ddl("fh", "postgresql"))
            cur.execute(create_table_ddl(spec, "postgresql"))
    finally:
        conn.close()
    return spec


def rows(postgres_url: str, spec: TableSpec, order: str = "1") -> list[tuple[Any, ...]]:
    conn = ConnectionSettings.from_url(postgres_url).connect()
    try:
        with conn.cursor() as cur:
            cur.execute(f'SELECT * FROM fh."{spec.name}" ORDER BY {order}')
            return [tuple(r) for r in cur.fetchall()]
    finally:
        conn.close()


def emulator(
    s3: Any,
    postgres_url: str | None = None,
    *,
    clock: Clock | None = None,
    table: TableSpec | None = None,
    **settings: Any,
) -> FirehoseEmulator:
    fh = FirehoseEmulator(
        s3,
        connect=ConnectionSettings.from_url(postgres_url).connect if postgres_url else None,
        clock=clock or Clock(),
    )
    fh.create_stream(
        StreamSettings(
            **{
                "name": "people-stream",
                "arn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/people-stream",
                "bucket": BUCKET,
                "prefix": "staged/",
                "error_prefix": "staged/errors/",
                "compression": "GZIP",
                "copy_options": "JSON 'auto' GZIP",
                "table": table,
                **settings,
            }
        )
    )
    return fh


def keys(s3: Any, prefix: str = "") -> list[str]:
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for o in listing.get("Contents", []))


# -- limits -------------------------------------------------------------------------------


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def test_501_records_is_a_validation_exception(s3: Any) -> None:
    fh = emulator(s3)
    with pytest.raises(ClientError) as excinfo:
        fh.put_record_batch(DeliveryStreamName="people-stream", Records=[{"Data": b"x\n"}] * 501)
    assert error_of(excinfo) == (
        "ValidationException",
        "1 validation error detected: Value at 'records' failed to satisfy constraint: "
        "Member must have length less than or equal to 500",
    )
    assert excinfo.value.operation_name == "PutRecordBatch"
    assert (
        fh.put_record_batch(DeliveryStreamName="people-stream", Records=[{"Data": b"x"}] * 500)[
            "FailedPutCount"
        ]
        == 0
    )


def test_a_record_over_1000_kib_is_a_validation_exception_naming_it(s3: Any) -> None:
    fh = emulator(s3)
    records = [{"Data": b"a"}, {"Data": b"b" * (1000 * KIB + 1)}]
    with pytest.raises(ClientError) as excinfo:
        fh.put_record_batch(DeliveryStreamName="people-stream", Records=records)
    assert error_of(excinfo) == (
        "ValidationException",
        "1 validation error detected: Value at 'records.2.member.data' failed to satisfy "
        "constraint: Member must have length less than or equal to 1024000",
    )
    exactly = fh.put_record_batch(
        DeliveryStreamName="people-stream", Records=[{"Data": b"b" * (1000 * KIB)}]
    )
    assert len(exactly["RequestResponses"]) == 1


def test_a_call_over_4_mib_is_an_invalid_argument_exception(s3: Any) -> None:
    fh = emulator(s3)
    chunk = 1000 * KIB
    records = [{"Data": b"x" * chunk}] * 4 + [{"Data": b"y" * (4 * MIB - 4 * chunk + 1)}]
    with pytest.raises(ClientError) as excinfo:
        fh.put_record_batch(DeliveryStreamName="people-stream", Records=records)
    code, message = error_of(excinfo)
    assert code == "InvalidArgumentException"
    assert message.startswith("Records size exceeds 4 MB limit")
    assert "4,194,305 bytes" in message
    records[-1] = {"Data": b"y" * (4 * MIB - 4 * chunk)}
    assert (
        fh.put_record_batch(DeliveryStreamName="people-stream", Records=records)["FailedPutCount"]
        == 0
    )


def test_rejected_calls_buffer_nothing(s3: Any) -> None:
    fh = emulator(s3)
    with pytest.raises(ClientError):
        fh.put_record_batch(DeliveryStreamName="people-stream", Records=[{"Data": b"x"}] * 501)
    assert fh.flush() == []
    assert keys(s3) == []


def test_unknown_stream_is_resource_not_found(s3: Any) -> None:
    fh = emulator(s3)
    with pytest.raises(ClientError) as excinfo:
        fh.put_record_batch(DeliveryStreamName="nope", Records=[{"Data": b"x"}])
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "Firehose nope under account 123456789012 not found.",
    )


def test_put_record_shares_the_limit(s3: Any) -> None:
    fh = emulator(s3)
    with pytest.raises(ClientError) as excinfo:
        fh.put_record(DeliveryStreamName="people-stream", Record={"Data": b"z" * (1000 * KIB + 1)})
    assert excinfo.value.operation_name == "PutRecord"
    assert "'record.data'" in error_of(excinfo)[1]
    assert "RecordId" in fh.put_record(DeliveryStreamName="people-stream", Record={"Data": b"z"})


# -- buffering and staging ----------------------------------------------------------------


def test_flush_stages_one_gzip_object_under_firehoses_key_layout(s3: Any) -> None:
    fh = emulator(s3)
    fh.put_record_batch(
        DeliveryStreamName="people-stream", Records=[{"Data": b'{"a":1}\n'}, {"Data": b"raw"}]
    )
    assert keys(s3) == []  # buffered, not delivered yet

    (delivery,) = fh.flush()

    (key,) = keys(s3)
    assert key == delivery.key
    assert key.startswith("staged/2025/11/25/14/people-stream-1-2025-11-25-14-00-00-")
    uuid.UUID(key.rsplit("-00-00-", 1)[1])
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert gzip.decompress(body) == b'{"a":1}\nraw'
    assert (delivery.records, delivery.reason) == (2, "flush")


def test_uncompressed_stream_stages_plain_bytes(s3: Any) -> None:
    fh = emulator(s3, compression="UNCOMPRESSED", copy_options="JSON 'auto'")
    fh.put_record_batch(DeliveryStreamName="people-stream", Records=[{"Data": b"plain\n"}])
    (delivery,) = fh.flush()
    assert s3.get_object(Bucket=BUCKET, Key=delivery.key)["Body"].read() == b"plain\n"


def test_size_threshold_delivers_at_once(s3: Any) -> None:
    fh = emulator(s3, buffering_size_mb=1)
    record = {"Data": b"x" * (500 * KIB)}
    fh.put_record_batch(DeliveryStreamName="people-stream", Records=[record])
    assert fh.deliveries == []
    fh.put_record_batch(DeliveryStreamName="people-stream", Records=[record, record])
    (delivery,) = fh.deliveries
    assert (delivery.records, delivery.size, delivery.reason) == (3, 1500 * KIB, "size")
    assert len(keys(s3)) == 1


def test_interval_delivers_on_the_next_put_or_tick(s3: Any) -> None:
    clock = Clock()
    fh = emulator(s3, clock=clock, buffering_interval=60)
    fh.put_record_batch(DeliveryStreamName="people-stream", Records=[{"Data": b"1"}])
    clock.now += 59
    assert fh.tick() == []
    clock.now += 1
    (delivery,) = fh.tick()
    assert (delivery.records, delivery.reason) == (1, "interval")

    fh.put_record_batch(DeliveryStreamName="people-stream", Records=[{"Data": b"2"}])
    clock.now += 3600
    fh.put_record_batch(DeliveryStreamName="people-stream", Records=[{"Data": b"3"}])
    assert [(d.records, d.reason) for d in fh.deliveries] == [(1, "interval"), (1, "interval")]
    assert fh.deliveries[1].key.startswith("staged/2025/11/25/14/")
    (last,) = fh.close()
    assert (last.records, last.reason) == (1, "exit")
    assert last.key.startswith("staged/2025/11/25/15/")


def test_zero_interval_delivers_every_call(s3: Any) -> None:
    fh = emulator(s3, buffering_interval=0)
    fh.put_record_batch(DeliveryStreamName="people-stream", Records=[{"Data": b"1"}])
    fh.put_record_batch(DeliveryStreamName="people-stream", Records=[{"Data": b"2"}])
    assert len(fh.deliveries) == 2


# -- COPY ---------------------------------------------------------------------------------


def test_flush_copies_into_postgres_and_rejects_only_the_bad_record(
    s3: Any, postgres_url: str
) -> None:
    spec = make_table(postgres_url, sa.Column("name", sa.String(8)), sa.Column("age", sa.Integer))
    fh = emulator(s3, postgres_url, table=spec)
    records = [
        b'{"name": "ann", "age": 31}\n',
        b'{"name": "bob", "age": "not a number"}\n',
        b'{"name": "cy", "age": 7, "extra": true}\n',
    ]
    fh.put_record_batch(DeliveryStreamName="people-stream", Records=[{"Data": r} for r in records])

    (delivery,) = fh.flush()

    assert rows(postgres_url, spec) == [("ann", 31), ("cy", 7)]
    assert delivery.loaded == 2
    (error_key,) = keys(s3, "staged/errors/")
    assert error_key == delivery.error_key
    assert error_key.startswith("staged/errors/2025/11/25/14/people-stream-1-")
    (line,) = s3.get_object(Bucket=BUCKET, Key=error_key)["Body"].read().decode().splitlines()
    error = json.loads(line)
    assert set(error) == {
        "attemptsMade",
        "arrivalTimestamp",
        "errorCode",
        "errorMessage",
        "attemptEndingTimestamp",
        "rawData",
    }
    assert error["errorCode"] == "1207"
    assert error["errorMessage"] == "Invalid digit, Value 'not a number', Type: Integer"
    (decoded,) = fh.error_records()
    assert decoded["rawData"] == records[1]


def test_unsupported_copy_options_are_refused_when_the_stream_is_created(
    s3: Any, postgres_url: str
) -> None:
    spec = make_table(postgres_url)
    with pytest.raises(UnsupportedCopyOptionError, match="COPY option MAXERROR"):
        emulator(s3, postgres_url, table=spec, copy_options="JSON 'auto' GZIP MAXERROR 10")


def test_a_copy_that_cannot_run_fails_the_flush(s3: Any, postgres_url: str) -> None:
    spec = table_spec("never_created", [sa.Column("name", sa.String)], schema="fh")
    fh = emulator(s3, postgres_url, table=spec)
    fh.put_record_batch(DeliveryStreamName="people-stream", Records=[{"Data": b'{"name":"a"}'}])
    with pytest.raises(FirehoseDeliveryError, match="never_created"):
        fh.flush()
    assert len(keys(s3, "staged/2025/")) == 1  # staged all the same, as Firehose would


# -- in the background ----------------------------------------------------------------------


def test_the_call_that_fills_a_buffer_returns_while_its_copy_runs_on_a_worker(
    s3: Any, postgres_url: str
) -> None:
    spec = make_table(postgres_url)
    entered, released = threading.Event(), threading.Event()
    seen: list[str] = []

    def connect() -> Any:  # the worker's first step: held until the test has seen the call return
        seen.append(threading.current_thread().name)
        entered.set()
        seen.append("released" if released.wait(timeout=10) else "timed out")
        return ConnectionSettings.from_url(postgres_url).connect()

    fh = FirehoseEmulator(s3, connect=connect, clock=Clock())
    fh.create_stream(
        StreamSettings(
            name="people-stream",
            arn="arn:aws:firehose:us-east-1:123456789012:deliverystream/people-stream",
            bucket=BUCKET,
            prefix="staged/",
            error_prefix="staged/errors/",
            compression="GZIP",
            copy_options="JSON 'auto' GZIP",
            table=spec,
            buffering_interval=0,
        )
    )
    fh.put_record_batch(DeliveryStreamName="people-stream", Records=[{"Data": b'{"name":"a"}'}])
    assert entered.wait(timeout=10)
    assert len(keys(s3, "staged/2025/")) == 1  # staged before the call returned
    released.set()
    (delivery,) = fh.deliveries  # waits for the load
    assert delivery.loaded == 1 and rows(postgres_url, spec) == [("a",)]
    assert seen == ["jaya-firehose-copy_0", "released"]
    fh.close()


def test_a_delivery_whose_staging_fails_loads_nothing(s3: Any, postgres_url: str) -> None:
    spec = make_table(postgres_url)

    class NoStaging:
        def __getattr__(self, name: str) -> Any:
            return getattr(s3, name)

        def put_object(self, **kwargs: Any) -> Any:
            raise ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "not on the holding bucket"}},
                "PutObject",
            )

    fh = emulator(NoStaging(), postgres_url, table=spec)
    fh.put_record_batch(DeliveryStreamName="people-stream", Records=[{"Data": b'{"name":"a"}'}])
    with pytest.raises(FirehoseDeliveryError, match="AccessDenied"):
        fh.flush()
    assert rows(postgres_url, spec) == []
    fh.close()
