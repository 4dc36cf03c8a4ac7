"""Issue 13, acceptance 2 (local half): a Serverless table queried through h.client("redshift-data").

The table's ``db_conf`` is the Serverless form (an existing workgroup + its secret) and the stream
is ``Firehose.for_table``; the harness creates the table through the table provider's Data API path
on the emulation, creates the secret in moto, and a test then reads the rows Firehose loaded with
``WorkgroupName``, ``Database`` and ``SecretArn``.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
import sqlalchemy as sa
from data_api_handlers import count_events

from jaya_pulumi import (
    S3,
    AWSLambda,
    Firehose,
    MapS3ToFirehoseLambda,
    Pipeline,
    RedshiftServerless,
    Table,
)
from jaya_pulumi.local import FirehoseDeliveryError
from jaya_pulumi.testing import test

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:analytics-admin-Qw3Er5"
SERVERLESS = {"db-name": "dev", "workgroup": "analytics", "secret-arn": SECRET}


def to_events(line: str, bucket: str, key: str) -> list[dict[str, Any]]:
    """Each line is one JSON record for the 'events' stream."""
    return [{"firehose_name": "events", "result": [json.loads(line)]}]


def serverless_table() -> Table:
    """The events table in the existing workgroup 'analytics' (not created by the program)."""
    return Table(
        SERVERLESS, "events", sa.Column("id", sa.Integer), sa.Column("kind", sa.String(16))
    )


def load_chain() -> Any:
    """S3 -> mapper -> Firehose -> the Serverless table."""
    mapper = MapS3ToFirehoseLambda(
        open_function=gzip.open, map_function=to_events, region_name="us-east-1"
    )
    table = serverless_table()
    stream = Firehose.for_table(table, "events", "holding", "loader")
    raw = S3("raw", "us-east-1", on=[S3.ALL_CREATED_OBJECTS])
    return raw >> mapper >> stream >> table


def pipeline() -> Pipeline:
    """The loading chain alone."""
    return Pipeline("serverless", [load_chain()])


def data_api(h: Any, sql: str) -> list[list[dict[str, Any]]]:
    """Run ``sql`` as a user would over the Data API; return its records."""
    client = h.client("redshift-data")
    started = client.execute_statement(
        WorkgroupName="analytics", Database="dev", SecretArn=SECRET, Sql=sql
    )
    assert client.describe_statement(Id=started["Id"])["Status"] == "FINISHED"
    return list(client.get_statement_result(Id=started["Id"])["Records"])


def test_rows_loaded_by_firehose_are_read_back_through_the_data_api(postgres_url: str) -> None:
    with test(pipeline(), database_url=postgres_url) as h:
        # the provider created the table over the Data API, and the secret exists in moto
        assert data_api(h, "SELECT count(*) FROM events") == [[{"longValue": 0}]]
        created = h.client("redshift-data").list_statements(Status="FINISHED")["Statements"]
        assert any("CREATE TABLE" in s.get("QueryString", "") for s in created)
        secret = h.client("secretsmanager").get_secret_value(SecretId="analytics-admin")
        assert json.loads(secret["SecretString"])["username"] == "admin"
        stream = h.client("firehose").describe_delivery_stream(DeliveryStreamName="events")
        (destination,) = stream["DeliveryStreamDescription"]["Destinations"]
        redshift = destination["RedshiftDestinationDescription"]
        assert redshift["SecretsManagerConfiguration"]["SecretARN"] == SECRET
        assert "Password" not in redshift

        body = gzip.compress(b'{"id": 1, "kind": "click"}\n{"id": 2, "kind": "view"}\n')
        h.client("s3").put_object(Bucket="raw", Key="events.json.gz", Body=body)
        h.flush()

        assert data_api(h, "SELECT count(*) FROM events") == [[{"longValue": 2}]]
        assert data_api(h, "SELECT id, kind FROM events ORDER BY id") == [
            [{"longValue": 1}, {"stringValue": "click"}],
            [{"longValue": 2}, {"stringValue": "view"}],
        ]


def test_a_handlers_data_api_calls_need_its_role_to_allow_them(postgres_url: str) -> None:
    asks = (
        S3("asks", "us-east-1", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("count", count_events)
        >> S3("answers", "us-east-1")
    )
    with test(Pipeline("ask", [load_chain(), asks]), database_url=postgres_url) as h:
        h.client("s3").put_object(Bucket="asks", Key="1", Body=b"?")
        denied = h.invocations("count")[-1].result["error"]
        workgroup = "arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/analytics"
        assert denied.startswith("AccessDeniedException: ")
        assert f"redshift-data:ExecuteStatement on resource: {workgroup}" in denied

        role = h.function("count").role_arn.rsplit("/", 1)[-1]
        grant = [
            ("redshift-data:ExecuteStatement", workgroup),
            ("redshift-data:DescribeStatement", "*"),
            ("redshift-data:GetStatementResult", "*"),
        ]
        statements = [{"Effect": "Allow", "Action": a, "Resource": r} for a, r in grant]
        document = {"Version": "2012-10-17", "Statement": statements}
        h.client("iam").put_role_policy(
            RoleName=role, PolicyName="query", PolicyDocument=json.dumps(document)
        )
        h.client("s3").put_object(Bucket="asks", Key="2", Body=b"?")
        no_secret = h.invocations("count")[-1].result["error"]
        assert f"secretsmanager:GetSecretValue on resource: {SECRET}" in no_secret

        statements.append(
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET}
        )
        h.client("iam").put_role_policy(
            RoleName=role, PolicyName="query", PolicyDocument=json.dumps(document)
        )
        h.client("s3").put_object(Bucket="asks", Key="3", Body=b"?")
        assert h.invocations("count")[-1].result == {"status": "FINISHED", "count": 0}


def test_iam_checks_a_program_workgroup_by_its_arn_with_the_id(postgres_url: str) -> None:
    wh = RedshiftServerless("metrics", "metrics", database="dev")
    table = Table(wh.db_conf, "hits", sa.Column("id", sa.Integer))
    mapper = MapS3ToFirehoseLambda(gzip.open, to_events, region_name="us-east-1")
    load = (
        S3("hits-in", "us-east-1", on=[S3.ALL_CREATED_OBJECTS])
        >> mapper
        >> Firehose.for_table(table, "events", "hits-holding", "hits-loader")
        >> table
    )
    asks = (
        S3("asks", "us-east-1", on=[S3.ALL_CREATED_OBJECTS])
        >> AWSLambda("count", count_events)
        >> S3("answers", "us-east-1")
    )
    with test(Pipeline("metrics", [load, asks]), database_url=postgres_url) as h:
        (workgroup,) = h.synthesis.of_type("aws:redshiftserverless/workgroup:Workgroup")
        arn = str(workgroup.state["arn"])
        assert arn.startswith("arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/")
        assert not arn.endswith("/metrics")  # the id, as AWS puts it, not the name
        secret = h.outputs["metrics"]["warehouses"]["metrics"]["secret_arn"]
        ask = {"workgroup": "metrics", "secret_arn": secret, "table": "hits"}

        denied = h.invoke("count", ask).result["error"]
        assert f"redshift-data:ExecuteStatement on resource: {arn}" in denied

        role = h.function("count").role_arn.rsplit("/", 1)[-1]
        statements = [
            {"Effect": "Allow", "Action": "redshift-data:ExecuteStatement", "Resource": arn},
            {"Effect": "Allow", "Action": "redshift-data:DescribeStatement", "Resource": "*"},
            {"Effect": "Allow", "Action": "redshift-data:GetStatementResult", "Resource": "*"},
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret},
        ]
        document = {"Version": "2012-10-17", "Statement": statements}
        h.client("iam").put_role_policy(
            RoleName=role, PolicyName="query", PolicyDocument=json.dumps(document)
        )
        assert h.invoke("count", ask).result == {"status": "FINISHED", "count": 0}


def _without(h: Any, role: str, action: str) -> None:
    """Put ``role``'s inline policies back without the statements that grant ``action``."""
    iam = h.client("iam")
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        kept = [
            s
            for s in document["Statement"]
            if action not in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        ]
        iam.put_role_policy(
            RoleName=role,
            PolicyName=name,
            PolicyDocument=json.dumps({**document, "Statement": kept}),
        )


def test_a_delivery_role_that_may_not_read_the_secret_fails_the_delivery(
    postgres_url: str,
) -> None:
    with test(pipeline(), database_url=postgres_url, raise_failures=False) as h:
        _without(h, "loader", "secretsmanager:GetSecretValue")
        body = gzip.compress(b'{"id": 1, "kind": "click"}\n')
        h.client("s3").put_object(Bucket="raw", Key="events.json.gz", Body=body)
        with pytest.raises(FirehoseDeliveryError, match=r"loader/Firehose.*GetSecretValue.*"):
            h.flush()
        assert data_api(h, "SELECT count(*) FROM events") == [[{"longValue": 0}]]


def test_a_delivery_role_that_may_not_write_the_holding_bucket_fails_the_delivery(
    postgres_url: str,
) -> None:
    with test(pipeline(), database_url=postgres_url, raise_failures=False) as h:
        _without(h, "loader", "s3:PutObject")
        body = gzip.compress(b'{"id": 1, "kind": "click"}\n')
        h.client("s3").put_object(Bucket="raw", Key="events.json.gz", Body=body)
        with pytest.raises(FirehoseDeliveryError, match=r"loader/Firehose.*s3:PutObject"):
            h.flush()


def test_a_delivery_role_that_may_not_read_the_staged_object_loads_nothing(
    postgres_url: str,
) -> None:
    """Redshift's COPY reads the staged object with the stream's role: PutObject alone fails."""
    with test(pipeline(), database_url=postgres_url, raise_failures=False) as h:
        iam = h.client("iam")
        for name in iam.list_role_policies(RoleName="loader")["PolicyNames"]:
            document = iam.get_role_policy(RoleName="loader", PolicyName=name)["PolicyDocument"]
            if isinstance(document, str):
                document = json.loads(document)
            for statement in document["Statement"]:
                actions = statement["Action"]
                actions = [actions] if isinstance(actions, str) else actions
                statement["Action"] = [a for a in actions if a != "s3:GetObject"] or [
                    "s3:ListBucket"
                ]
            iam.put_role_policy(
                RoleName="loader", PolicyName=name, PolicyDocument=json.dumps(document)
            )
        body = gzip.compress(b'{"id": 1, "kind": "click"}\n')
        h.client("s3").put_object(Bucket="raw", Key="events.json.gz", Body=body)
        with pytest.raises(FirehoseDeliveryError, match=r"loader/Firehose.*s3:GetObject"):
            h.flush()
        assert data_api(h, "SELECT count(*) FROM events") == [[{"longValue": 0}]]
