"""The Data API's db_conf forms: told apart, refused when mixed or partial, and no password registered."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
import sqlalchemy as sa

from jaya_pulumi.errors import ConfigurationError
from jaya_pulumi.mocks import synth
from jaya_pulumi.redshift import ConnectionSettings, TableResource, table_spec
from jaya_pulumi.redshift.connection import DEFAULT_STATEMENT_TIMEOUT, db_conf_form

SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:redshift-admin-AbC123"
SERVERLESS = {"db-name": "dev", "workgroup": "analytics", "secret-arn": SECRET}
CLUSTER_SECRET = {"db-name": "dev", "cluster": "my-cluster", "secret-arn": SECRET}
CLUSTER_IAM = {"db-name": "dev", "cluster": "my-cluster", "db-user": "loader"}
SEED = {"db-name": "dev", "db-user": "u", "db-passwd": "p", "db-server": "h:5439"}


@pytest.mark.parametrize(
    ("conf", "form"),
    [
        (SERVERLESS, "serverless"),
        (CLUSTER_SECRET, "cluster-secret"),
        (CLUSTER_IAM, "cluster-iam"),
        (SEED, "password"),
        ({"url": "postgresql://u:p@localhost/db"}, "url"),
    ],
)
def test_each_form_is_named(conf: dict[str, Any], form: str) -> None:
    assert db_conf_form(conf) == form


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ({"db-name": "dev", "workgroup": "wg"}, "lacks 'secret-arn'"),
        ({"db-name": "dev", "cluster": "c"}, "lacks 'secret-arn' .* or 'db-user'"),
        ({"workgroup": "wg", "secret-arn": SECRET}, "lacks 'db-name'"),
        ({**SERVERLESS, "cluster": "c"}, "both 'workgroup' and 'cluster'"),
        ({**CLUSTER_SECRET, "db-user": "u"}, "both 'secret-arn' and 'db-user'"),
        ({**SERVERLESS, "db-user": "u"}, "'workgroup' and 'db-user'"),
        ({**SERVERLESS, "db-passwd": "p"}, "remove 'db-passwd'"),
        ({**CLUSTER_IAM, "db-server": "h"}, "remove 'db-server'"),
        ({**SERVERLESS, "secret-arn": "my-secret"}, r"\['secret-arn'\] is 'my-secret'"),
        (
            {**SERVERLESS, "secret-arn": "arn:aws:ssm:eu-west-1:123456789012:parameter/x"},
            "not a Secrets Manager secret ARN",
        ),
        ({**SERVERLESS, "port": 5439}, "unknown key.*'port'"),
        ({**SERVERLESS, "statement-timeout": 0}, "'statement-timeout'.*positive"),
        ({"db-name": "dev", "secret-arn": SECRET}, "no 'workgroup' or 'cluster'"),
    ],
)
def test_mixed_or_partial_forms_name_the_key(conf: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        db_conf_form(conf, "db_conf of Table('events')")
    with pytest.raises(ConfigurationError, match=message):
        ConnectionSettings.from_db_conf(conf)


def test_an_output_secret_arn_is_not_checked_until_known() -> None:
    class FakeOutput:
        def apply(self, fn: Any) -> Any:
            return fn

    assert db_conf_form({**SERVERLESS, "secret-arn": FakeOutput()}) == "serverless"


def test_data_api_settings_round_trip_through_props_without_a_password() -> None:
    settings = ConnectionSettings.from_db_conf({**SERVERLESS, "statement-timeout": 120})
    assert settings.executor == "data-api"
    assert settings.effective_region == "eu-west-1"  # from the secret's ARN
    props = settings.to_props()
    assert props == {
        "database": "dev",
        "dialect": "redshift",
        "workgroup": "analytics",
        "secretArn": SECRET,
        "statementTimeout": 120.0,
    }
    assert ConnectionSettings.from_props(props) == settings
    iam = ConnectionSettings.from_db_conf({**CLUSTER_IAM, "region": "us-west-2"})
    assert (iam.cluster, iam.user, iam.effective_region) == ("my-cluster", "loader", "us-west-2")
    assert iam.statement_timeout == DEFAULT_STATEMENT_TIMEOUT
    assert ConnectionSettings.from_props(iam.to_props()) == iam
    assert ConnectionSettings.from_db_conf(SEED).executor == "sql"
    with pytest.raises(ConfigurationError, match="not psycopg2"):
        settings.connect()


def _registered(**kwargs: Any) -> Any:
    spec = table_spec("events", [sa.Column("id", sa.Integer), sa.Column("body", sa.String)])

    def program() -> None:
        TableResource("events", spec, **kwargs)

    return synth(program).get("pulumi-python:dynamic:Resource", "events")


def test_a_data_api_table_registers_no_password() -> None:
    table = _registered(database="dev", workgroup="analytics", secret_arn=SECRET)
    assert "password" not in table.inputs
    assert table.secret_inputs == set()
    assert table.inputs["workgroup"] == "analytics"
    assert table.inputs["secretArn"] == SECRET
    assert table.inputs["statementTimeout"] == DEFAULT_STATEMENT_TIMEOUT
    assert "host" not in table.inputs
    iam = _registered(database="dev", cluster="my-cluster", user="loader", statement_timeout=90)
    assert "password" not in iam.inputs
    assert (iam.inputs["cluster"], iam.inputs["user"], iam.inputs["statementTimeout"]) == (
        "my-cluster",
        "loader",
        90.0,
    )


def test_a_data_api_secret_arn_may_be_an_output() -> None:
    table = _registered(
        database="dev", workgroup="analytics", secret_arn=pulumi.Output.from_input(SECRET)
    )
    assert table.inputs["secretArn"] == SECRET
    assert "password" not in table.inputs


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workgroup": "wg"}, "no secret_arn"),
        ({"workgroup": "wg", "secret_arn": SECRET, "password": "p"}, "remove it"),
        ({"cluster": "c"}, "neither secret_arn nor user"),
        ({"workgroup": "wg", "cluster": "c", "secret_arn": SECRET}, "workgroup and cluster"),
        ({"secret_arn": SECRET}, "lacks host, user, password"),
        ({"workgroup": "wg", "secret_arn": "nope"}, "not a Secrets Manager secret ARN"),
    ],
)
def test_table_resource_refuses_mixed_connections(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        _registered(database="dev", **kwargs)
