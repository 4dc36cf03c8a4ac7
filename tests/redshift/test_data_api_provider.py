"""TableProvider over the Redshift Data API, answered by the local emulation on a real PostgreSQL."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import sqlalchemy as sa

from jaya_pulumi.errors import TableMigrationError
from jaya_pulumi.local.redshift.data_api import DataApiEmulator, emulated_data_api
from jaya_pulumi.redshift import ConnectionSettings, TableProvider, TableSpec, table_spec
from jaya_pulumi.redshift.data_api import DataApiExecutor, StatementFailedError

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift-admin-AbC123"


@pytest.fixture
def api(postgres_url: str) -> Iterator[DataApiEmulator]:
    """The emulated Data API for workgroup 'analytics', database 'dev', with the secret in moto."""
    with emulated_data_api(postgres_url) as emulator:
        emulator.add_target(database="dev", workgroup="analytics")
        emulator.add_secret(SECRET)
        yield emulator


@pytest.fixture
def schema() -> str:
    """A fresh schema per test."""
    return f"da_{uuid.uuid4().hex[:8]}"


def people(schema: str, *extra: sa.Column[Any], name_type: Any = None) -> TableSpec:
    """The test table: name and age, plus any extra columns."""
    return table_spec(
        "people",
        [sa.Column("name", name_type or sa.String(64)), sa.Column("age", sa.Integer), *extra],
        schema=schema,
    )


def props_for(spec: TableSpec) -> dict[str, Any]:
    """The properties a Data API table registers: no host, no user, no password."""
    connection = ConnectionSettings(
        database="dev", workgroup="analytics", secret_arn=SECRET, dialect="postgresql"
    )
    return {**spec.to_props(), **connection.to_props()}


def sql(statement: str, **params: str) -> list[list[Any]]:
    """Run ``statement`` through boto3's redshift-data client, as a user would."""
    executor = DataApiExecutor(
        ConnectionSettings(database="dev", workgroup="analytics", secret_arn=SECRET),
        boto3.client("redshift-data", region_name="us-east-1"),
    )
    return executor.execute(statement, params or None)


def live_columns(schema: str) -> list[tuple[str, str]]:
    """(column, data_type) of schema.people, read through SVV_COLUMNS over the Data API."""
    rows = sql(
        "SELECT column_name, data_type FROM svv_columns WHERE table_schema = :schema "
        "AND table_name = 'people' ORDER BY ordinal_position",
        schema=schema,
    )
    return [(str(c), str(t)) for c, t in rows]


def test_create_makes_schema_and_table_through_the_data_api(
    api: DataApiEmulator, schema: str
) -> None:
    spec = people(schema)
    props = props_for(spec)
    assert "password" not in props and "host" not in props
    result = TableProvider().create(props)
    assert result.id == f"{schema}.people"
    assert live_columns(schema) == [("name", "character varying"), ("age", "integer")]
    assert "password" not in (result.outs or {})
    batches = [r for r in api.requests.values() if r.batch]
    assert [s.sql.split(" (")[0] for s in batches[-1].statements] == [
        f"CREATE SCHEMA IF NOT EXISTS {schema}",
        f"CREATE TABLE {schema}.people",
    ]  # schema and table were created together, in one BatchExecuteStatement
    assert batches[-1].target["SecretArn"] == SECRET


def test_update_adds_a_column_in_place_and_keeps_rows(api: DataApiEmulator, schema: str) -> None:
    old = people(schema)
    TableProvider().create(props_for(old))
    sql(f"INSERT INTO {schema}.people VALUES ('ada', 36)")
    new = people(schema, sa.Column("city", sa.String(32)), name_type=sa.String(128))
    provider = TableProvider()
    assert provider.diff("id", props_for(old), props_for(new)).replaces == []
    provider.update("id", props_for(old), props_for(new))
    assert live_columns(schema) == [
        ("name", "character varying"),
        ("age", "integer"),
        ("city", "character varying"),
    ]
    assert sql(f"SELECT name, age, city FROM {schema}.people") == [["ada", 36, None]]
    widened = sql(
        "SELECT character_maximum_length FROM svv_columns WHERE table_schema = :s "
        "AND column_name = 'name'",
        s=schema,
    )
    assert widened == [[128]]
    # the ALTER COLUMN ... TYPE ran alone: a batch holding it is refused, as Redshift does
    alone = [r for r in api.requests.values() if "ALTER COLUMN" in r.statements[0].sql]
    assert alone and not alone[0].batch and alone[0].status == "FINISHED"


def test_a_type_change_is_refused_and_nothing_runs(api: DataApiEmulator, schema: str) -> None:
    old = people(schema)
    TableProvider().create(props_for(old))
    new = people(schema, name_type=sa.Integer)
    sent = len(api.requests)
    with pytest.raises(TableMigrationError, match="change column 'name' type"):
        TableProvider().diff("id", props_for(old), props_for(new))
    check = TableProvider().check(props_for(old), props_for(new))
    assert [f.property for f in check.failures] == ["columns"]
    assert len(api.requests) == sent
    assert live_columns(schema)[0] == ("name", "character varying")


def test_refresh_reads_drift_through_svv_columns(api: DataApiEmulator, schema: str) -> None:
    spec = people(schema)
    props = props_for(spec)
    TableProvider().create(props)
    sql(f"ALTER TABLE {schema}.people ADD COLUMN added_by_hand VARCHAR(10)")
    read = TableProvider().read(f"{schema}.people", props)
    assert read.id == f"{schema}.people"
    live = TableSpec.from_props(read.outs or {})
    assert [c.name for c in live.columns] == ["name", "age", "added_by_hand"]
    assert live.column("added_by_hand") is not None
    assert any("svv_columns" in r.statements[0].sql for r in api.requests.values())
    # the next diff sees the drift: the declared table would drop the column
    with pytest.raises(TableMigrationError, match="drop column 'added_by_hand'"):
        TableProvider().diff(read.id, dict(read.outs or {}), props)
    sql(f"DROP TABLE {schema}.people")
    assert TableProvider().read(f"{schema}.people", props).id == ""


def test_delete_drops_an_empty_table_and_keeps_one_with_rows(
    api: DataApiEmulator, schema: str, caplog: pytest.LogCaptureFixture
) -> None:
    spec = people(schema)
    props = props_for(spec)
    TableProvider().create(props)
    sql(f"INSERT INTO {schema}.people VALUES ('ada', 36)")
    with caplog.at_level(logging.WARNING):
        TableProvider().delete("id", props)
    assert "still holds rows" in caplog.text
    assert sql(f"SELECT count(*) FROM {schema}.people") == [[1]]
    sql(f"DELETE FROM {schema}.people")
    TableProvider().delete("id", props)
    assert live_columns(schema) == []


def test_a_failing_statement_names_the_error_and_the_sql(api: DataApiEmulator) -> None:
    with pytest.raises(StatementFailedError, match=r'relation "nowhere" does not exist.*nowhere'):
        sql("SELECT * FROM nowhere")


class SlowClient:
    """A redshift-data client whose statements stay STARTED; records polls and the cancel."""

    def __init__(self) -> None:
        self.polls = 0
        self.cancelled: list[str] = []

    def execute_statement(self, **_: Any) -> dict[str, Any]:
        return {"Id": "s-1"}

    def describe_statement(self, Id: str) -> dict[str, Any]:
        self.polls += 1
        return {"Id": Id, "Status": "STARTED"}

    def cancel_statement(self, Id: str) -> dict[str, Any]:
        self.cancelled.append(Id)
        return {"Status": True}


def test_polling_backs_off_and_cancels_at_the_node_timeout() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    client = SlowClient()
    settings = ConnectionSettings(
        database="dev", workgroup="wg", secret_arn=SECRET, statement_timeout=20
    )
    executor = DataApiExecutor(settings, client, sleep=sleep, clock=lambda: now[0])
    with pytest.raises(StatementFailedError, match=r"still STARTED after 20 s.*statement-timeout"):
        executor.execute("ALTER TABLE wide ADD COLUMN c INT")
    assert waits[:4] == [0.1, 0.2, 0.4, 0.8]  # exponential backoff ...
    assert max(waits) == 5.0  # ... capped
    assert sum(waits) <= 20
    assert client.cancelled == ["s-1"]


def test_a_cluster_with_iam_temporary_credentials_sends_db_user(
    api: DataApiEmulator, schema: str
) -> None:
    api.add_target(database="dev", cluster="etl-cluster")
    connection = ConnectionSettings(
        database="dev", cluster="etl-cluster", user="loader", dialect="postgresql"
    )
    props = {**people(schema).to_props(), **connection.to_props()}
    assert "password" not in props and "secretArn" not in props
    TableProvider().create(props)
    sent = [r.target for r in api.requests.values() if r.target.get("ClusterIdentifier")]
    assert sent and all(t["DbUser"] == "loader" and "SecretArn" not in t for t in sent)
    assert TableProvider().read(f"{schema}.people", props).id == f"{schema}.people"


class PagedClient:
    """A redshift-data client whose result comes back in two pages, as large results do."""

    def __init__(self) -> None:
        self.result_calls: list[dict[str, Any]] = []

    def execute_statement(self, **_: Any) -> dict[str, Any]:
        return {"Id": "s-2"}

    def describe_statement(self, Id: str) -> dict[str, Any]:
        return {"Id": Id, "Status": "FINISHED", "HasResultSet": True}

    def get_statement_result(self, **request: Any) -> dict[str, Any]:
        self.result_calls.append(request)
        if "NextToken" not in request:
            return {"Records": [[{"stringValue": "a"}], [{"isNull": True}]], "NextToken": "p2"}
        return {"Records": [[{"longValue": 3}]]}


def test_rows_are_read_page_by_page_until_no_next_token() -> None:
    client = PagedClient()
    settings = ConnectionSettings(database="dev", workgroup="wg", secret_arn=SECRET)
    executor = DataApiExecutor(settings, client, sleep=lambda _: None)
    assert executor.execute("SELECT x FROM big") == [["a"], [None], [3]]
    assert client.result_calls == [{"Id": "s-2"}, {"Id": "s-2", "NextToken": "p2"}]
