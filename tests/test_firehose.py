"""S3 -> MapS3ToFirehoseLambda -> Firehose -> Table: graph checks and the resources under mocks."""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
import sqlalchemy as sa
from handlers_for_tests import json_lines_to_events as mapper

from jaya_pulumi import (
    S3,
    ConfigSecret,
    ConfigurationError,
    Firehose,
    MapS3ToFirehoseLambda,
    Pipeline,
    PipelineDefinitionError,
    Table,
    build,
)
from jaya_pulumi.testing import DEFAULT_ACCOUNT, Synthesis, synth

ROOT = Path(__file__).resolve().parent.parent
STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
DB_CONF = {
    "db-name": "analytics",
    "db-user": "loader",
    "db-passwd": "s3cr3t-pw",
    "db-server": "cluster.example.com",
}


def table(name: str = "events", **kwargs: Any) -> Table:
    return Table(
        DB_CONF,
        name,
        sa.Column("name", sa.String),
        sa.Column("age", sa.String),
        schema="raw",
        **kwargs,
    )


def firehose(table_name: str = "events", **kwargs: Any) -> Firehose:
    return Firehose(
        "events", "analytics", "loader", kwargs.pop("password", "s3cr3t-pw"), "cluster.example.com",
        table_name, "events-holding", "events-delivery", **kwargs,
    )  # fmt: skip


def redshift_pipeline(**firehose_kwargs: Any) -> Pipeline:
    return Pipeline(
        "to-redshift",
        [
            S3("events-landing", on=[S3.ALL_CREATED_OBJECTS])
            >> MapS3ToFirehoseLambda(gzip.open, mapper)
            >> firehose(**firehose_kwargs)
            >> table()
        ],
    )


# -- graph-build checks -------------------------------------------------------------------


def test_batch_size_over_the_service_limit_is_refused() -> None:
    with pytest.raises(
        PipelineDefinitionError, match=r"batch_size=501 .* 1 to 500 records per call"
    ):
        MapS3ToFirehoseLambda(gzip.open, mapper, batch_size=501)


def test_firehose_table_name_must_be_the_table_it_feeds() -> None:
    with pytest.raises(PipelineDefinitionError) as err:
        Pipeline("mismatch", [firehose("other_table") >> table()])
    assert "loads table_name='other_table' but feeds Table('raw.events')" in str(err.value)
    Pipeline("qualified", [firehose("raw.events") >> table()])


def test_copy_column_the_table_lacks_is_refused() -> None:
    with pytest.raises(
        PipelineDefinitionError,
        match=r"copies column\(s\) 'email' that Table\('raw.events'\) lacks",
    ):
        Pipeline("columns", [firehose(columns=["name", "email"]) >> table()])


def test_firehose_must_feed_a_table_and_mapper_a_firehose() -> None:
    with pytest.raises(PipelineDefinitionError, match="must feed exactly one Table"):
        Pipeline(
            "no-table",
            [
                S3("events-landing", on=[S3.ALL_CREATED_OBJECTS])
                >> MapS3ToFirehoseLambda(gzip.open, mapper)
                >> firehose()
            ],
        )
    with pytest.raises(PipelineDefinitionError, match="feeds no delivery stream"):
        Pipeline(
            "no-stream",
            [
                S3("events-landing", on=[S3.ALL_CREATED_OBJECTS])
                >> MapS3ToFirehoseLambda(gzip.open, mapper)
                >> S3("elsewhere")
            ],
        )


def test_new_edges_are_the_only_new_ones() -> None:
    with pytest.raises(PipelineDefinitionError, match="Firehose >> S3"):
        firehose() >> S3("events-out")
    with pytest.raises(PipelineDefinitionError, match="S3 >> Table"):
        S3("events-out") >> table()


def test_password_must_be_a_string_output_or_config_key() -> None:
    with pytest.raises(
        PipelineDefinitionError, match=r"a string, a pulumi\.Output or ConfigSecret"
    ):
        firehose(password=12345)
    with pytest.raises(
        PipelineDefinitionError, match="ConfigSecret\\('a:b:c'\\) needs a config key"
    ):
        ConfigSecret("a:b:c")


def test_table_needs_its_connection_and_columns() -> None:
    with pytest.raises(
        PipelineDefinitionError, match="Table\\('events'\\) is missing 'db-passwd', 'db-server'"
    ):
        Table({"db-name": "x", "db-user": "y"}, "events", sa.Column("name", sa.String))
    with pytest.raises(PipelineDefinitionError, match="has no columns"):
        Table(DB_CONF, "events")


def test_firehose_settings_are_checked() -> None:
    with pytest.raises(PipelineDefinitionError, match="buffering_interval_seconds=901"):
        firehose(buffering_interval_seconds=901)
    with pytest.raises(PipelineDefinitionError, match="Invalid holding bucket of Firehose"):
        Firehose("events", "analytics", "loader", "pw", "host", "events", "Bad_Bucket", "role")
    with pytest.raises(PipelineDefinitionError, match="database 'analytics' but Table"):
        Pipeline(
            "db",
            [
                firehose()
                >> Table(
                    {**DB_CONF, "db-name": "other"},
                    "events",
                    sa.Column("name", sa.String),
                    schema="raw",
                )
            ],
        )


def test_prefix_that_is_not_a_folder_is_warned_about() -> None:
    with pytest.warns(UserWarning, match="prefix 'staged' does not end with '/'"):
        firehose(prefix="staged")


def test_function_and_stream_in_different_regions_are_refused() -> None:
    mapper_node = MapS3ToFirehoseLambda(gzip.open, mapper, region_name="us-east-1")
    with pytest.raises(PipelineDefinitionError, match="Put both in one region"):
        Pipeline("regions", [mapper_node >> firehose(region_name="eu-west-1") >> table()])
    resolved_late = Pipeline(
        "late",
        [
            S3("events-landing", "eu-west-1", on=[S3.ALL_CREATED_OBJECTS])
            >> MapS3ToFirehoseLambda(gzip.open, mapper, region_name="eu-west-1")
            >> firehose()
            >> table()
        ],
    )
    with pytest.raises(ConfigurationError, match="client of its own region"):
        synth(resolved_late, config={"aws:region": "us-east-1"})


def test_seed_table_ddl_is_redshift_text() -> None:
    seed = Table(
        {"db-name": "my-db-name", "db-user": "my-user", "db-passwd": "my-passwd", "db-server": "my-cluser-url"},
        "my-table", sa.Column("name", sa.String), sa.Column("age", sa.String),
        schema="my-schema", redshift_diststyle="KEY", redshift_distkey="name",
    )  # fmt: skip
    ddl = " ".join(seed.ddl().split())
    assert ddl.startswith('CREATE TABLE "my-schema"."my-table" (')
    assert "DISTSTYLE KEY DISTKEY (name)" in ddl
    assert "DISTSTYLE" not in seed.ddl("postgresql")


# -- resources under mocks ----------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_program() -> Synthesis:
    return synth(
        ROOT / "__main__.py",
        stack="staging",
        config={"jaya-pulumi:pipelines": ["examples/s3_to_redshift.py"]},
    )


def test_seed_example_registers_stream_holding_bucket_roles_table(seed_program: Synthesis) -> None:
    s = seed_program
    stream = s.get(STREAM)
    config = stream.inputs["redshiftConfiguration"]
    assert stream.inputs["destination"] == "redshift"
    assert stream.inputs["name"] == "my-firehose"
    assert config["clusterJdbcurl"] == "jdbc:redshift://my-cluser-url:5439/my-db-name"
    assert config["dataTableName"] == "my-schema.my-table"
    assert config["dataTableColumns"] == "name,age"
    assert config["copyOptions"] == "JSON 'auto' GZIP"
    assert config["s3Configuration"]["bucketArn"] == "arn:aws:s3:::my-holding-bucket"
    assert config["s3Configuration"]["prefix"] == "my-firehose-prefix"
    assert config["s3Configuration"]["bufferingInterval"] == 60
    assert config["s3Configuration"]["compressionFormat"] == "GZIP"
    assert config["cloudwatchLoggingOptions"]["logGroupName"] == "/aws/kinesisfirehose/my-firehose"

    s.has_resource_properties(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        {"bucket": "my-holding-bucket", "blockPublicAcls": True},
    )
    s.has_resource_properties(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        {"bucket": "my-holding-bucket"},
    )
    table = s.get("pulumi-python:dynamic:Resource")
    assert table.inputs["tableName"] == "my-table" and table.inputs["schema"] == "my-schema"
    assert table.inputs["distkey"] == "name"
    assert table.urn in stream.depends_on, "the stream is created after the table"

    role = s.get("aws:iam/role:Role", "my-trial-my-firehose-role")
    assert role.inputs["name"] == "my_role"
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": DEFAULT_ACCOUNT}}


def test_firehose_role_touches_only_its_holding_bucket_and_log_group(
    seed_program: Synthesis,
) -> None:
    policy = seed_program.get("aws:iam/rolePolicy:RolePolicy", "my-trial-my-firehose-policy")
    resources = [
        r for st in json.loads(policy.inputs["policy"])["Statement"] for r in st["Resource"]
    ]
    assert resources == [
        "arn:aws:s3:::my-holding-bucket",
        "arn:aws:s3:::my-holding-bucket/my-firehose-prefix*",
        f"arn:aws:logs:us-east-1:{DEFAULT_ACCOUNT}:log-group:/aws/kinesisfirehose/my-firehose:*",
    ]


def test_mapper_may_only_put_record_batch_on_its_stream(seed_program: Synthesis) -> None:
    policy = seed_program.get("aws:iam/rolePolicy:RolePolicy", "my-trial-map-to-firehose-policy")
    statements = json.loads(policy.inputs["policy"])["Statement"]
    assert [
        (st["Action"], st["Resource"])
        for st in statements
        if st["Action"][0].startswith("firehose:")
    ] == [
        (
            ["firehose:PutRecordBatch"],
            [f"arn:aws:firehose:us-east-1:{DEFAULT_ACCOUNT}:deliverystream/my-firehose"],
        )
    ]
    assert (["s3:GetObject"], ["arn:aws:s3:::my-source-bucket/*"]) in [
        (st["Action"], st["Resource"]) for st in statements
    ]
    variables = seed_program.get("aws:lambda/function:Function").inputs["environment"]["variables"]
    assert json.loads(variables["JAYA_DESTINATIONS"]) == [
        {"type": "firehose", "name": "my-firehose", "stream": "my-firehose"}
    ]
    seed_program.has_resource_properties(
        "aws:lambda/function:Function", {"memorySize": 1536, "timeout": 300}
    )


def test_password_is_secret_on_the_wire_and_never_exported(seed_program: Synthesis) -> None:
    assert "redshiftConfiguration" in seed_program.get(STREAM).secret_inputs
    assert seed_program.get("pulumi-python:dynamic:Resource").secret_inputs == {"password"}
    assert "my-passwd" not in json.dumps(seed_program.outputs)


def test_password_outputs_are_secret_whatever_form_it_takes() -> None:
    checks: dict[str, asyncio.Future[bool]] = {}

    def program() -> None:
        for form, password in (
            ("string", "plain-pw"),
            ("output", pulumi.Output.from_input("output-pw")),
            ("config", ConfigSecret("dbPassword")),
        ):
            stream_node = Firehose(
                f"events-{form}", "analytics", "loader", password, "cluster.example.com", "events",
                f"holding-{form}", f"role-{form}",
            )  # fmt: skip
            source = S3(f"land-{form}", on=[S3.ALL_CREATED_OBJECTS])
            pipeline = Pipeline(
                f"pw-{form}",
                [source >> MapS3ToFirehoseLambda(gzip.open, mapper) >> stream_node >> table()],
            )
            component = build(pipeline)
            stream = component.firehoses[f"events-{form}"].stream
            checks[form] = asyncio.ensure_future(stream.redshift_configuration.is_secret())  # type: ignore[arg-type]

    s = synth(program, config={"jaya:dbPassword": "config-pw"})
    assert {form: f.result() for form, f in checks.items()} == {
        "string": True,
        "output": True,
        "config": True,
    }
    passwords = {r.inputs["redshiftConfiguration"]["password"] for r in s.of_type(STREAM)}
    assert passwords == {"plain-pw", "output-pw", "config-pw"}


def test_missing_config_secret_names_the_key() -> None:
    with pytest.raises(pulumi.ConfigMissingError, match="dbPassword"):
        synth(redshift_pipeline(password=ConfigSecret("dbPassword")))
