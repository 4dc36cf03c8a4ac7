"""TableSpec, DDL and connection settings: no database needed."""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys

import pytest
import sqlalchemy as sa

from jaya_pulumi.errors import ConfigurationError, PipelineDefinitionError
from jaya_pulumi.redshift import (
    ColumnSpec,
    ConnectionSettings,
    TableSpec,
    create_table_ddl,
    dialect_for_url,
    normalize_type,
    table_spec,
)
from jaya_pulumi.redshift.migrate import AddColumn, WidenVarchar, plan_migration


def seed_spec(**options: object) -> TableSpec:
    """The seed's Redshift table, exactly as its second snippet declares it."""
    kwargs: dict[str, object] = {
        "schema": "my-schema",
        "redshift_diststyle": "KEY",
        "redshift_distkey": "name",
    }
    kwargs.update(options)
    return table_spec(
        "my-table",
        [sa.Column("name", sa.String), sa.Column("age", sa.String)],
        **kwargs,  # type: ignore[arg-type]
    )


def test_seed_table_compiles_to_redshift_ddl_with_distkey() -> None:
    ddl = create_table_ddl(seed_spec())
    assert "DISTSTYLE KEY DISTKEY (name)" in ddl
    assert ddl.startswith('CREATE TABLE "my-schema"."my-table" (')
    assert "name VARCHAR(256)" in ddl and "age VARCHAR(256)" in ddl


def test_redshift_ddl_has_sortkey_encode_and_primary_key() -> None:
    spec = table_spec(
        "events",
        [
            sa.Column("id", sa.BigInteger, primary_key=True, redshift_encode="az64"),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("payload", sa.String(4096), info={"encode": "zstd"}),
            sa.Column("amount", sa.Numeric(12, 2)),
        ],
        redshift_diststyle="even",
        redshift_sortkey=["at", "id"],
    )
    ddl = create_table_ddl(spec)
    assert "id BIGINT ENCODE az64 NOT NULL" in ddl
    assert "at TIMESTAMPTZ NOT NULL" in ddl
    assert "payload VARCHAR(4096) ENCODE zstd" in ddl
    assert "amount NUMERIC(12,2)" in ddl
    assert "PRIMARY KEY (id)" in ddl
    assert ddl.endswith("DISTSTYLE EVEN SORTKEY (at, id)")


def test_postgresql_ddl_leaves_out_redshift_options_and_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="jaya_pulumi.redshift.ddl"):
        ddl = create_table_ddl(seed_spec(), dialect="postgresql")
    assert "DISTSTYLE" not in ddl and "DISTKEY" not in ddl
    assert "PostgreSQL has no DISTSTYLE KEY, DISTKEY (name)" in caplog.text
    assert "my-schema.my-table" in caplog.text


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("varchar", "VARCHAR(256)"),
        ("character varying(20)", "VARCHAR(20)"),
        ("VARCHAR(MAX)", "VARCHAR(65535)"),
        ("text", "VARCHAR(256)"),
        ("int", "INTEGER"),
        ("int8", "BIGINT"),
        ("FLOAT", "DOUBLE PRECISION"),
        ("decimal(10, 2)", "NUMERIC(10,2)"),
        ("timestamp with time zone", "TIMESTAMPTZ"),
        ("bool", "BOOLEAN"),
    ],
)
def test_normalize_type(given: str, canonical: str) -> None:
    assert normalize_type(given) == canonical


@pytest.mark.parametrize("bad", ["VARCHAR(10); DROP TABLE x", "INT(MAX)", "", "VARCHAR(-1)"])
def test_normalize_type_refuses_non_types(bad: str) -> None:
    with pytest.raises(PipelineDefinitionError, match=r"is not a SQL type|MAX is only valid"):
        normalize_type(bad)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"redshift_distkey": "nope"}, "redshift_distkey='nope' but no such column.*name, age"),
        (
            {"redshift_diststyle": "RANDOM", "redshift_distkey": None},
            "use one of EVEN, KEY, ALL, AUTO",
        ),
        ({"redshift_distkey": None}, "redshift_diststyle='KEY' but no redshift_distkey"),
        ({"redshift_diststyle": "ALL"}, "distribution key needs redshift_diststyle='KEY'"),
        (
            {"redshift_sortkey": ["age", "when"]},
            "redshift_sortkey naming 'when' but no such column",
        ),
        ({"redshift_sortkey": ["age", "age"]}, "names a column twice"),
    ],
)
def test_table_spec_validation_names_the_problem(options: dict[str, object], message: str) -> None:
    with pytest.raises(PipelineDefinitionError, match=message):
        seed_spec(**options)


def test_table_spec_refuses_duplicate_and_missing_columns() -> None:
    with pytest.raises(PipelineDefinitionError, match="declares column\\(s\\) 'a' more than once"):
        table_spec("t", [sa.Column("a", sa.Integer), sa.Column("a", sa.String)])
    with pytest.raises(PipelineDefinitionError, match="has no columns"):
        table_spec("t", [])
    with pytest.raises(PipelineDefinitionError, match="encode='snappy'"):
        table_spec("t", [sa.Column("a", sa.Integer, info={"encode": "snappy"})])


def test_table_spec_names_unsupported_options() -> None:
    with pytest.raises(PipelineDefinitionError, match="redshift_interleaved_sortkey not supported"):
        seed_spec(redshift_interleaved_sortkey=["name"])


def test_column_features_the_ddl_leaves_out_are_warned_about() -> None:
    columns = [
        sa.Column("id", sa.Integer, sa.Identity()),
        sa.Column("loaded_at", sa.DateTime, server_default=sa.func.now()),
        sa.Column("code", sa.String(8), unique=True),
        sa.Column("name", sa.String),
    ]
    with pytest.warns(UserWarning) as caught:
        spec = table_spec("t", columns)

    said = [str(w.message) for w in caught]
    assert len(said) == 3
    assert "table 't' column 'id': Identity is not supported" in said[0]
    assert "column 'loaded_at': server_default is not supported" in said[1]
    assert "column 'code': unique is not supported" in said[2]
    assert "DEFAULT" not in create_table_ddl(spec)  # what the warning says: it is left out


def test_distkey_alone_implies_key() -> None:
    spec = seed_spec(redshift_diststyle=None)
    assert spec.diststyle == "KEY"


def test_spec_round_trips_through_props_as_pulumi_returns_them() -> None:
    spec = seed_spec(redshift_sortkey="age", allow_replace=True)
    props = spec.to_props()
    # Pulumi drops None values and returns numbers as floats; extra output keys come along.
    props["qualifiedName"] = "my-schema.my-table"
    assert TableSpec.from_props(props) == spec
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert hash(spec) == hash(TableSpec.from_props(props))


def test_plan_migration_in_place_and_destructive() -> None:
    old = table_spec("t", [sa.Column("a", sa.String(10)), sa.Column("b", sa.Integer)])
    wider = table_spec(
        "t", [sa.Column("a", sa.String(20)), sa.Column("b", sa.Integer), sa.Column("c", sa.Date)]
    )
    plan = plan_migration(old, wider)
    assert plan.in_place == (
        WidenVarchar("a", "VARCHAR(10)", "VARCHAR(20)"),
        AddColumn(ColumnSpec("c", "DATE")),
    )
    assert not plan.destructive
    assert plan.statements(wider) == [
        "ALTER TABLE t ALTER COLUMN a TYPE VARCHAR(20)",
        "ALTER TABLE t ADD COLUMN c DATE",
    ]
    narrower = table_spec("t", [sa.Column("a", sa.String(5)), sa.Column("b", sa.BigInteger)])
    plan = plan_migration(old, narrower)
    assert plan.destructive == (
        "change column 'a' type from VARCHAR(10) to VARCHAR(5)",
        "change column 'b' type from INTEGER to BIGINT",
    )
    assert plan.replace_fields == ("columns",)
    inserted = table_spec(
        "t", [sa.Column("a", sa.String(10)), sa.Column("z", sa.Date), sa.Column("b", sa.Integer)]
    )
    assert plan_migration(old, inserted).destructive == (
        "add column 'z' before existing columns (ALTER TABLE can only append)",
    )
    moved = table_spec("t", [sa.Column("a", sa.String(10))], schema="s")
    assert plan_migration(old, moved).replace_fields == ("schema", "columns")
    assert "drop column 'b' (INTEGER)" in plan_migration(old, moved).destructive


def test_connection_from_seed_db_conf() -> None:
    conf = {
        "db-name": "my-db-name",
        "db-user": "my-user",
        "db-passwd": "my-passwd",
        "db-server": "my-cluser-url",
    }
    settings = ConnectionSettings.from_db_conf(conf)
    assert (settings.host, settings.port, settings.database, settings.user) == (
        "my-cluser-url",
        5439,
        "my-db-name",
        "my-user",
    )
    assert settings.dialect == "redshift"
    assert "my-passwd" not in repr(settings)
    assert "password" not in settings.to_props()
    with_port = ConnectionSettings.from_db_conf({**conf, "db-server": "cluster.example:5440"})
    assert (with_port.host, with_port.port) == ("cluster.example", 5440)
    with pytest.raises(ConfigurationError, match="missing 'db-passwd'"):
        ConnectionSettings.from_db_conf({k: v for k, v in conf.items() if k != "db-passwd"})
    with pytest.raises(ConfigurationError, match="numeric port"):
        ConnectionSettings.from_db_conf({**conf, "db-server": "host:abc"})


def test_connection_from_urls() -> None:
    redshift = ConnectionSettings.from_url("redshift+psycopg2://u:p%40ss@cluster.example/dev")
    assert (redshift.dialect, redshift.port, redshift.password) == ("redshift", 5439, "p@ss")
    local = ConnectionSettings.from_url("postgresql://postgres:@/postgres?host=/tmp/sock")
    assert (local.dialect, local.host, local.port, local.database) == (
        "postgresql",
        "/tmp/sock",
        5432,
        "postgres",
    )
    assert dialect_for_url("postgres://x/y") == "postgresql"
    with pytest.raises(ConfigurationError, match="mysql:// is not supported"):
        dialect_for_url("mysql://x/y")
    with pytest.raises(ConfigurationError, match="unsupported parameter"):
        ConnectionSettings.from_url("postgresql://u@h/db?options=-csearch_path")


def test_importing_redshift_does_not_import_pulumi() -> None:
    code = (
        "import sys, jaya_pulumi.redshift as r; "
        "r.table_spec; assert 'pulumi' not in sys.modules, 'pulumi imported'; "
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy imported'; "
        "r.create_table_ddl, r.plan_migration; assert 'pulumi' not in sys.modules, 'ddl: pulumi'; "
        "r.TableResource; assert 'pulumi' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
