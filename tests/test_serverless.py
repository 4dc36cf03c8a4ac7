"""Issue 13: RedshiftServerless, Firehose.for_table and the db_conf forms checked at graph build.

Acceptance 1: under synth, RedshiftServerless + Table(wh.db_conf, ...) + Firehose.for_table
registers no password in any input; the stream logs in with the namespace's managed secret, and
the Firehose role's only Secrets Manager grant is that secret.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from handlers_for_tests import json_lines_to_events as mapper

from jaya_pulumi import (
    S3,
    ConfigurationError,
    Firehose,
    MapS3ToFirehoseLambda,
    Pipeline,
    PipelineDefinitionError,
    RedshiftServerless,
    Table,
)
from jaya_pulumi.diagram import to_mermaid
from jaya_pulumi.testing import Synthesis, synth

STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
NAMESPACE = "aws:redshiftserverless/namespace:Namespace"
WORKGROUP = "aws:redshiftserverless/workgroup:Workgroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
POLICY = "aws:iam/rolePolicy:RolePolicy"
TABLE = "pulumi-python:dynamic:Resource"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:analytics-admin-Qw3Er5"
SEED = {"db-name": "dev", "db-user": "loader", "db-passwd": "s3cr3t-pw", "db-server": "wh.example"}


def columns() -> list[sa.Column[Any]]:
    """The events table's columns."""
    return [sa.Column("id", sa.Integer), sa.Column("kind", sa.String(16))]


def pipeline(
    db_conf: Any, name: str = "sls", region: str | None = "us-east-1"
) -> tuple[Pipeline, Firehose]:
    """S3 -> mapper -> Firehose.for_table(events) -> events, the table living where db_conf says."""
    table = Table(db_conf, "events", *columns())
    stream = Firehose.for_table(table, "events", f"{name}-holding", f"{name}-loader")
    chain = S3("raw-bkt", region, on=[S3.ALL_CREATED_OBJECTS]) >> MapS3ToFirehoseLambda(
        map_function=mapper
    )
    return Pipeline(name, [chain >> stream >> table]), stream


def run(p: Pipeline) -> Synthesis:
    """The pipeline under mocks in us-east-1."""
    return synth(p, config={"aws:region": "us-east-1"})


_SECRET_IDS = ("SecretArn", "SecretKmsKeyId")


def passwords(value: Any, path: str = "") -> list[str]:
    """Paths of every key that names a password, except ``manageAdminPassword: true`` and the
    ARN or KMS key of the secret that holds it (``adminPasswordSecretArn``)."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}"
            managed = key == "manageAdminPassword" and item is True
            if "passw" in key.lower() and not managed and not key.endswith(_SECRET_IDS):
                found.append(where)
            found += passwords(item, where)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += passwords(item, f"{path}[{i}]")
    return found


def statements(s: Synthesis, name: str) -> list[dict[str, Any]]:
    """The statements of one role policy."""
    return list(json.loads(s.get(POLICY, name).inputs["policy"])["Statement"])


def test_serverless_pipeline_registers_no_password_and_loads_with_the_managed_secret() -> None:
    wh = RedshiftServerless("analytics-ns", "analytics")
    s = run(pipeline(wh.db_conf)[0])

    for resource in s.resources:
        assert passwords(resource.inputs) == [], resource
        assert passwords(resource.state) == [], resource  # nor in any output or state
        assert not resource.secret_inputs & {"password", "adminUserPassword"}, resource
    assert passwords(s.outputs) == []

    namespace = s.get(NAMESPACE)
    assert namespace.inputs["manageAdminPassword"] is True
    assert "adminUserPassword" not in namespace.inputs
    secret_arn = namespace.state["adminPasswordSecretArn"]
    assert secret_arn.startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift!")

    redshift = s.get(STREAM).inputs["redshiftConfiguration"]
    assert "username" not in redshift and "password" not in redshift
    role_arn = "arn:aws:iam::123456789012:role/sls-loader"
    assert redshift["secretsManagerConfiguration"] == {
        "enabled": True,
        "secretArn": secret_arn,
        "roleArn": role_arn,
    }
    assert redshift["clusterJdbcurl"] == (
        "jdbc:redshift://analytics.123456789012.us-east-1.redshift-serverless.amazonaws.com:5439/dev"
    )

    grants = [
        st
        for st in statements(s, "sls-events-policy")
        if any(str(a).startswith("secretsmanager:") for a in st["Action"])
    ]
    assert grants == [
        {
            "Sid": "LoginSecret",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [secret_arn],
        }
    ]
    for resource in s.of_type(POLICY):  # nothing else may read a secret
        if resource.name != "sls-events-policy":
            assert "secretsmanager" not in resource.inputs["policy"], resource.name

    table = s.get(TABLE)
    assert table.inputs["workgroup"] == "analytics"
    assert table.inputs["secretArn"] == secret_arn
    assert s.get(WORKGROUP).urn in table.depends_on  # created once the workgroup exists


def test_the_warehouse_is_a_namespace_a_workgroup_and_an_ingress_rule_for_firehose() -> None:
    wh = RedshiftServerless("analytics-ns", "analytics", database="events", base_capacity=16)
    s = run(pipeline(wh.db_conf)[0])

    assert s.get(NAMESPACE).inputs["dbName"] == "events"
    workgroup = s.get(WORKGROUP).inputs
    assert workgroup["namespaceName"] == "analytics-ns"
    assert workgroup["baseCapacity"] == 16
    assert workgroup["publiclyAccessible"] is True
    rule = s.get(INGRESS).inputs
    assert workgroup["securityGroupIds"] == [rule["securityGroupId"]]
    assert rule["cidrIpv4"] == "52.70.63.192/27"  # Firehose's block in us-east-1
    assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 5439, 5439)
    assert s.get(STREAM).inputs["redshiftConfiguration"]["clusterJdbcurl"].endswith(":5439/events")
    summary = s.outputs["sls"]["warehouses"]["analytics"]
    assert summary["workgroup"] == "analytics"
    assert summary["secret_arn"] == s.get(NAMESPACE).state["adminPasswordSecretArn"]


def test_an_existing_workgroup_is_looked_up_for_the_jdbc_url() -> None:
    s = run(pipeline({"db-name": "dev", "workgroup": "analytics", "secret-arn": SECRET})[0])

    s.resource_count_is(NAMESPACE, 0)
    s.resource_count_is(WORKGROUP, 0)
    redshift = s.get(STREAM).inputs["redshiftConfiguration"]
    assert redshift["clusterJdbcurl"] == (
        "jdbc:redshift://analytics.123456789012.us-east-1.redshift-serverless.amazonaws.com:5439/dev"
    )
    assert redshift["secretsManagerConfiguration"]["secretArn"] == SECRET
    assert [st["Resource"] for st in statements(s, "sls-events-policy")][-1] == [SECRET]


def test_a_cluster_with_a_secret_is_looked_up_for_the_jdbc_url() -> None:
    s = run(pipeline({"db-name": "dev", "cluster": "my-cluster", "secret-arn": SECRET})[0])

    redshift = s.get(STREAM).inputs["redshiftConfiguration"]
    assert redshift["clusterJdbcurl"].startswith("jdbc:redshift://my-cluster.")
    assert redshift["clusterJdbcurl"].endswith(".us-east-1.redshift.amazonaws.com:5439/dev")
    assert redshift["secretsManagerConfiguration"]["secretArn"] == SECRET
    assert "password" not in redshift


def test_for_table_with_the_seed_form_logs_in_with_user_and_password_as_the_seed_does() -> None:
    p, stream = pipeline(SEED)
    assert (stream.user_name, stream.host, stream.port) == ("loader", "wh.example", 5439)
    s = run(p)
    redshift = s.get(STREAM).inputs["redshiftConfiguration"]
    assert redshift["username"] == "loader"
    assert redshift["clusterJdbcurl"] == "jdbc:redshift://wh.example:5439/dev"
    assert "secretsManagerConfiguration" not in redshift
    assert "secretsmanager" not in s.get(POLICY, "sls-events-policy").inputs["policy"]


def test_for_table_refuses_iam_credentials_firehose_cannot_use() -> None:
    table = Table({"db-name": "dev", "cluster": "c1", "db-user": "loader"}, "events", *columns())
    with pytest.raises(PipelineDefinitionError, match="'db-user' with IAM temporary credentials"):
        Firehose.for_table(table, "events", "holding-bkt", "loader")


def test_for_table_refuses_what_is_not_a_table() -> None:
    with pytest.raises(PipelineDefinitionError, match="takes the Table it loads first"):
        Firehose.for_table("events", "events", "holding-bkt", "loader")  # type: ignore[arg-type]


def test_a_stream_for_one_table_feeding_another_is_refused() -> None:
    one = Table(SEED, "events", *columns())
    other = Table(SEED, "events", *columns())
    stream = Firehose.for_table(one, "events", "holding-bkt", "loader")
    mapper_fn = MapS3ToFirehoseLambda(map_function=mapper)
    with pytest.raises(PipelineDefinitionError, match=r"Firehose.for_table\(Table\('events'\)"):
        Pipeline("p", [S3("raw-bkt", on=[S3.ALL_CREATED_OBJECTS]) >> mapper_fn >> stream >> other])


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        (
            {"db-name": "dev", "workgroup": "wg"},
            r"Table\('events'\) with 'workgroup' lacks 'secret-arn'",
        ),
        (
            {"db-name": "dev", "cluster": "c"},
            r"Table\('events'\) with 'cluster' lacks 'secret-arn'",
        ),
        ({"workgroup": "wg", "secret-arn": SECRET}, "lacks 'db-name'"),
        ({"db-name": "dev", "workgroup": "wg", "cluster": "c", "secret-arn": SECRET}, "both"),
        (
            {"db-name": "dev", "workgroup": "wg", "secret-arn": SECRET, "db-passwd": "x"},
            "remove 'db-passwd'",
        ),
        ({"db-name": "dev", "secret-arn": SECRET}, "no 'workgroup' or 'cluster'"),
        ({"db-name": "dev", "db-user": "u", "db-server": "h"}, "missing 'db-passwd'"),
        (
            {"db-name": "dev", "workgroup": "wg", "secret-arn": "analytics-admin"},
            r"\['secret-arn'\] is 'analytics-admin', which is not a Secrets Manager secret ARN",
        ),
        (
            {
                "db-name": "dev",
                "cluster": "c",
                "secret-arn": "arn:aws:ssm:us-east-1:123456789012:parameter/p",
            },
            r"\['secret-arn'\].*not a Secrets Manager secret ARN",
        ),
    ],
)
def test_partial_mixed_or_malformed_forms_fail_at_graph_build(
    conf: dict[str, Any], message: str
) -> None:
    with pytest.raises(PipelineDefinitionError, match=message):
        Table(conf, "events", *columns())


@pytest.mark.parametrize(
    "conf",
    [
        {"db-name": "dev", "workgroup": "wg", "secret-arn": SECRET},
        {"db-name": "dev", "cluster": "c", "secret-arn": SECRET},
        {"db-name": "dev", "cluster": "c", "db-user": "loader"},
        SEED,
        {"url": "postgresql://u:p@localhost/db"},
    ],
)
def test_each_form_is_accepted(conf: dict[str, Any]) -> None:
    assert Table(conf, "events", *columns()).db_conf == conf


def test_a_warehouse_value_under_another_key_is_refused() -> None:
    wh = RedshiftServerless("analytics-ns", "analytics")
    conf = {"db-name": "dev", "workgroup": wh.db_conf["secret-arn"], "secret-arn": SECRET}
    with pytest.raises(
        PipelineDefinitionError, match=r"use RedshiftServerless\('analytics'\)\.db_conf"
    ):
        Table(conf, "events", *columns())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"namespace": "Analytics"}, "namespace 'Analytics' must be 3 to 64 lowercase"),
        ({"workgroup": "wg"}, "workgroup 'wg' must be 3 to 64"),
        ({"base_capacity": 12}, "base_capacity=12 .* steps of 8"),
        ({"base_capacity": 2048}, "base_capacity=2048"),
        ({"database": "Dev-1"}, "database 'Dev-1'"),
    ],
)
def test_warehouse_settings_are_checked(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"namespace": "analytics-ns", "workgroup": "analytics", **kwargs}
    with pytest.raises(PipelineDefinitionError, match=message):
        RedshiftServerless(**args)


def test_a_region_without_a_firehose_cidr_is_refused_at_deploy() -> None:
    wh = RedshiftServerless("analytics-ns", "analytics")
    p = pipeline(wh.db_conf, region=None)[0]
    with pytest.raises(ConfigurationError, match="region 'ap-southeast-3', which has no known"):
        synth(p, config={"aws:region": "ap-southeast-3"})


def test_jaya_graph_draws_the_warehouse_beside_its_table() -> None:
    wh = RedshiftServerless("analytics-ns", "analytics")
    text = to_mermaid(pipeline(wh.db_conf)[0])
    assert '[\\"RedshiftServerless<br/>analytics-ns/analytics"/]' in text
    assert '-.->|"hosts"| n4' in text  # n4: the events table


def test_two_declarations_of_one_workgroup_are_refused() -> None:
    first = Table(RedshiftServerless("ns-one", "analytics").db_conf, "events", *columns())
    second = Table(RedshiftServerless("ns-two", "analytics").db_conf, "clicks", *columns())
    one = Firehose.for_table(first, "events", "events-holding", "events-loader")
    two = Firehose.for_table(second, "clicks", "clicks-holding", "clicks-loader")
    fn = MapS3ToFirehoseLambda(map_function=mapper)
    source = S3("raw-bkt", on=[S3.ALL_CREATED_OBJECTS])
    with pytest.raises(PipelineDefinitionError, match="both declare workgroup 'analytics'"):
        Pipeline("p", [source >> fn >> [one >> first, two >> second]])


def test_a_warehouse_without_a_public_endpoint_is_created_private() -> None:
    wh = RedshiftServerless("analytics-ns", "analytics", publicly_accessible=False)
    table = Table(wh.db_conf, "events", *columns())
    s = run(Pipeline("private", [table]))
    assert s.get(WORKGROUP).inputs["publiclyAccessible"] is False


def test_for_table_refuses_a_warehouse_firehose_cannot_reach() -> None:
    wh = RedshiftServerless("analytics-ns", "analytics", publicly_accessible=False)
    table = Table(wh.db_conf, "events", *columns())
    with pytest.raises(
        PipelineDefinitionError,
        match=r"cannot load Table\('events'\): RedshiftServerless\('analytics'\) has "
        r"publicly_accessible=False.*Leave publicly_accessible=True",
    ):
        Firehose.for_table(table, "events", "holding-bkt", "loader")


def test_a_tables_statement_timeout_and_region_reach_the_data_api_provider() -> None:
    conf = {
        "db-name": "dev",
        "workgroup": "analytics",
        "secret-arn": SECRET,
        "statement-timeout": 3600,
        "region": "us-east-1",
    }
    table = run(pipeline(conf)[0]).get(TABLE)
    assert table.inputs["statementTimeout"] == 3600.0  # the node sets how long a statement may run
    assert table.inputs["region"] == "us-east-1"
    default = run(pipeline({"db-name": "dev", "workgroup": "analytics", "secret-arn": SECRET})[0])
    assert default.get(TABLE).inputs["statementTimeout"] == 1800.0  # wide tables: not CDK's 60 s


def test_a_warehouse_joined_with_rshift_is_refused_with_the_way_to_use_it() -> None:
    wh = RedshiftServerless("analytics-ns", "analytics")
    table = Table(wh.db_conf, "events", *columns())
    source = S3("raw-bkt", on=[S3.ALL_CREATED_OBJECTS])
    for join in (lambda: source >> wh, lambda: Pipeline("p", [table, wh])):
        with pytest.raises(
            PipelineDefinitionError,
            match=r"Cannot use RedshiftServerless\('analytics'\) in a pipeline: a warehouse is "
            r"not a node of the >> graph\. Give its db_conf to the tables it hosts "
            r"\(wh = RedshiftServerless\(\.\.\.\); table = Table\(wh\.db_conf",
        ):
            join()


def test_a_stream_in_another_region_than_its_warehouse_is_refused() -> None:
    wh = RedshiftServerless("analytics-ns", "analytics", region_name="eu-west-1")
    table = Table(wh.db_conf, "events", *columns())
    with pytest.raises(
        PipelineDefinitionError,
        match=r"the stream is in 'us-east-1' and RedshiftServerless\('analytics'\) in "
        r"'eu-west-1'.*Drop region_name",
    ):
        Firehose.for_table(table, "events", "holding-bkt", "loader", region_name="us-east-1")
    same = Firehose.for_table(table, "events", "holding-bkt", "loader")
    assert same.region_name == "eu-west-1"  # the warehouse's region, by default

    stack_wh = RedshiftServerless("analytics-ns", "analytics")  # the stack's region: at deploy
    stack_table = Table(stack_wh.db_conf, "events", *columns())
    stream = Firehose.for_table(
        stack_table, "events", "holding-bkt", "loader", region_name="eu-west-1"
    )
    mapper_fn = MapS3ToFirehoseLambda(map_function=mapper, region_name="eu-west-1")
    source = S3("raw-bkt", "eu-west-1", on=[S3.ALL_CREATED_OBJECTS])
    p = Pipeline("p", [source >> mapper_fn >> stream >> stack_table])
    with pytest.raises(
        ConfigurationError,
        match=r"Firehose\('events'\) is in 'eu-west-1' and RedshiftServerless\('analytics'\), "
        r"which it loads, in 'us-east-1'",
    ):
        run(p)
