"""The emulated Redshift Data API: boto3's redshift-data client on the local PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from jaya_pulumi.local.redshift.data_api import DataApiEmulator, emulated_data_api, secret_name

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:wh-admin-Zx9Yw8"
TARGET = {"WorkgroupName": "analytics", "Database": "dev", "SecretArn": SECRET}


@pytest.fixture
def api(postgres_url: str) -> Iterator[DataApiEmulator]:
    """Workgroup 'analytics' (database 'dev') and cluster 'etl' (database 'warehouse')."""
    with emulated_data_api(postgres_url) as emulator:
        emulator.add_target(database="dev", workgroup="analytics")
        emulator.add_target(database="warehouse", cluster="etl")
        emulator.add_secret(SECRET)
        yield emulator


@pytest.fixture
def client(api: DataApiEmulator) -> Any:
    """boto3's redshift-data client."""
    return boto3.client("redshift-data", region_name="us-east-1")


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    """The (code, message) of a call that must fail."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def test_execute_describe_and_result_shapes(client: Any) -> None:
    sql = (
        "SELECT 42 AS n, 'ada' AS name, NULL::int AS nothing, true AS yes, 1.5::float8 AS x, "
        "12.30::numeric(5,2) AS price WHERE :who = 'ada'"
    )
    started = client.execute_statement(
        **TARGET, Sql=sql, Parameters=[{"name": "who", "value": "ada"}]
    )
    assert (started["WorkgroupName"], started["Database"], started["SecretArn"]) == (
        "analytics",
        "dev",
        SECRET,
    )
    described = client.describe_statement(Id=started["Id"])
    assert described["Status"] == "FINISHED"
    assert described["HasResultSet"] is True
    assert described["ResultRows"] == 1
    assert described["DbUser"] == "admin"  # the secret's username
    assert described["QueryParameters"] == [{"name": "who", "value": "ada"}]
    result = client.get_statement_result(Id=started["Id"])
    assert result["TotalNumRows"] == 1
    assert result["Records"] == [
        [
            {"longValue": 42},
            {"stringValue": "ada"},
            {"isNull": True},
            {"booleanValue": True},
            {"doubleValue": 1.5},
            {"stringValue": "12.30"},
        ]
    ]
    meta = result["ColumnMetadata"]
    assert [(c["name"], c["typeName"]) for c in meta] == [
        ("n", "int4"),
        ("name", "text"),
        ("nothing", "int4"),
        ("yes", "bool"),
        ("x", "float8"),
        ("price", "numeric"),
    ]


def test_a_cluster_with_iam_credentials_runs_as_the_db_user(client: Any) -> None:
    started = client.execute_statement(
        ClusterIdentifier="etl", Database="warehouse", DbUser="loader", Sql="SELECT 1"
    )
    described = client.describe_statement(Id=started["Id"])
    assert (described["ClusterIdentifier"], described["DbUser"]) == ("etl", "loader")
    assert described["Status"] == "FINISHED"


def test_a_batch_runs_in_one_transaction(client: Any) -> None:
    table = f"batch_{uuid.uuid4().hex[:8]}"
    ok = client.batch_execute_statement(
        **TARGET,
        Sqls=[f"CREATE TABLE {table} (a int)", f"INSERT INTO {table} VALUES (1), (2)"],
    )
    described = client.describe_statement(Id=ok["Id"])
    assert described["Status"] == "FINISHED"
    assert [s["Id"] for s in described["SubStatements"]] == [f"{ok['Id']}:1", f"{ok['Id']}:2"]
    assert described["SubStatements"][1]["ResultRows"] == 2
    code, _ = error_of(client.get_statement_result, Id=ok["Id"])
    assert code == "ValidationException"  # a batch's result is its sub-statements'
    failed = client.batch_execute_statement(
        **TARGET, Sqls=[f"INSERT INTO {table} VALUES (3)", "SELECT * FROM no_such_table"]
    )
    described = client.describe_statement(Id=failed["Id"])
    assert described["Status"] == "FAILED"
    assert 'relation "no_such_table" does not exist' in described["Error"]
    assert [s["Status"] for s in described["SubStatements"]] == ["ABORTED", "FAILED"]
    count = client.execute_statement(**TARGET, Sql=f"SELECT count(*) FROM {table}")
    rows = client.get_statement_result(Id=count["Id"])["Records"]
    assert rows == [[{"longValue": 2}]]  # the first INSERT was rolled back with the batch


def test_alter_column_type_is_refused_inside_a_batch(client: Any) -> None:
    table = f"alter_{uuid.uuid4().hex[:8]}"
    client.execute_statement(**TARGET, Sql=f"CREATE TABLE {table} (a varchar(4))")
    batch = client.batch_execute_statement(
        **TARGET,
        Sqls=[
            f"ALTER TABLE {table} ADD COLUMN b int",
            f"ALTER TABLE {table} ALTER COLUMN a TYPE varchar(8)",
        ],
    )
    described = client.describe_statement(Id=batch["Id"])
    assert described["Status"] == "FAILED"
    assert "cannot run inside a transaction block" in described["Error"]
    alone = client.execute_statement(
        **TARGET, Sql=f"ALTER TABLE {table} ALTER COLUMN a TYPE varchar(8)"
    )
    assert client.describe_statement(Id=alone["Id"])["Status"] == "FINISHED"


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        (
            {"Database": "dev", "SecretArn": SECRET},
            "ValidationException",
            "Either ClusterIdentifier",
        ),
        ({**TARGET, "ClusterIdentifier": "etl"}, "ValidationException", "cannot both"),
        ({**TARGET, "WorkgroupName": "other"}, "ValidationException", "Workgroup other not found"),
        (
            {**TARGET, "SecretArn": SECRET.replace("wh-admin", "gone")},
            "ValidationException",
            "can't find the specified secret",
        ),
        (
            {"WorkgroupName": "analytics", "Database": "dev", "DbUser": "u"},
            "ValidationException",
            "DbUser is not supported",
        ),
    ],
)
def test_bad_requests_are_refused_as_the_service_does(
    client: Any, kwargs: dict[str, Any], code: str, message: str
) -> None:
    got_code, got_message = error_of(client.execute_statement, Sql="SELECT 1", **kwargs)
    assert got_code == code
    assert message in got_message


def test_unknown_ids_results_and_databases(client: Any, api: DataApiEmulator) -> None:
    code, message = error_of(client.describe_statement, Id=str(uuid.uuid4()))
    assert code == "ResourceNotFoundException" and "Query does not exist" in message
    ddl = client.execute_statement(**TARGET, Sql="SELECT 1 WHERE false")
    assert client.get_statement_result(Id=ddl["Id"])["Records"] == []
    created = client.execute_statement(**TARGET, Sql="CREATE TEMP TABLE t (a int)")
    code, message = error_of(client.get_statement_result, Id=created["Id"])
    assert code == "ResourceNotFoundException" and "does not have result" in message
    elsewhere = client.execute_statement(**{**TARGET, "Database": "prod"}, Sql="SELECT 1")
    described = client.describe_statement(Id=elsewhere["Id"])
    assert (described["Status"], described["Error"]) == (
        "FAILED",
        'ERROR: database "prod" does not exist',
    )


def test_list_statements_newest_first_with_status_filter(client: Any) -> None:
    first = client.execute_statement(**TARGET, Sql="SELECT 1", StatementName="jaya-first")
    failed = client.execute_statement(**TARGET, Sql="SELECT * FROM nowhere_at_all")
    batch = client.batch_execute_statement(**TARGET, Sqls=["SELECT 1", "SELECT 2"])
    listed = client.list_statements()["Statements"]
    assert [s["Id"] for s in listed[:3]] == [batch["Id"], failed["Id"], first["Id"]]
    assert listed[0]["IsBatchStatement"] is True
    assert listed[0]["QueryStrings"] == ["SELECT 1", "SELECT 2"]
    assert listed[2]["StatementName"] == "jaya-first"
    only_failed = client.list_statements(Status="FAILED")["Statements"]
    assert [s["Id"] for s in only_failed] == [failed["Id"]]
    named = client.list_statements(StatementName="jaya-")["Statements"]
    assert [s["Id"] for s in named] == [first["Id"]]
    page = client.list_statements(MaxResults=2)
    assert len(page["Statements"]) == 2 and page["NextToken"]


def test_the_secret_exists_in_secrets_manager(api: DataApiEmulator) -> None:
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    value = secrets.get_secret_value(SecretId=secret_name(SECRET))
    assert '"username": "admin"' in value["SecretString"]
    assert secret_name(SECRET) == "wh-admin"


def test_svv_columns_and_pg_table_def_describe_a_table(client: Any) -> None:
    table = f"cat_{uuid.uuid4().hex[:8]}"
    client.execute_statement(
        **TARGET, Sql=f"CREATE TABLE {table} (id integer NOT NULL, name varchar(12))"
    )
    columns = client.execute_statement(
        **TARGET,
        Sql="SELECT column_name, data_type, character_maximum_length, is_nullable "
        "FROM svv_columns WHERE table_name = :t ORDER BY ordinal_position",
        Parameters=[{"name": "t", "value": table}],
    )
    assert client.get_statement_result(Id=columns["Id"])["Records"] == [
        [
            {"stringValue": "id"},
            {"stringValue": "integer"},
            {"isNull": True},
            {"stringValue": "NO"},
        ],
        [
            {"stringValue": "name"},
            {"stringValue": "character varying"},
            {"longValue": 12},
            {"stringValue": "YES"},
        ],
    ]
    described = client.execute_statement(
        **TARGET,
        Sql=f'SELECT "column", type, "notnull" FROM pg_table_def WHERE tablename = \'{table}\'',
    )
    assert client.get_statement_result(Id=described["Id"])["Records"] == [
        [{"stringValue": "id"}, {"stringValue": "integer"}, {"booleanValue": True}],
        [
            {"stringValue": "name"},
            {"stringValue": "character varying(12)"},
            {"booleanValue": False},
        ],
    ]


def test_a_secret_without_a_password_is_refused_as_the_service_does(client: Any) -> None:
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    arn = secrets.create_secret(Name="no-password", SecretString='{"username": "admin"}')["ARN"]
    code, message = error_of(
        client.execute_statement,
        Sql="SELECT 1",
        WorkgroupName="analytics",
        Database="dev",
        SecretArn=arn,
    )
    assert (code, message) == (
        "ValidationException",
        "username and password in secret cannot be empty",
    )
