"""Diff two :class:`~jaya_pulumi.redshift.spec.TableSpec` values and read a live table back.

In place (no data lost), each statement run on its own outside a transaction block, as Redshift
requires for ``ALTER COLUMN ... TYPE``:

- a nullable, non-key column appended after the existing ones (``ALTER TABLE ... ADD COLUMN``);
- a ``VARCHAR`` made longer (``ALTER TABLE ... ALTER COLUMN ... TYPE VARCHAR(n)``).

Everything else that touches the table's shape is destructive: dropping or reordering columns, any
other type change, nullability, primary key, encoding, schema or name, DISTSTYLE/DISTKEY/SORTKEY. Those
are refused with :class:`~jaya_pulumi.errors.TableMigrationError` unless the new spec says
``allow_replace=True``; then the table is dropped and recreated.

:func:`read_live_table` reads columns, types, nullability and the primary key from
``information_schema``. It does not read DISTSTYLE, DISTKEY, SORTKEY or ENCODE (PostgreSQL has none and
Redshift keeps them in system tables); those are carried over from the declared spec. An unbounded
``TEXT`` column reads back as ``VARCHAR(256)`` and types this module does not know as ``OTHER``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from jaya_pulumi.errors import PipelineDefinitionError, TableMigrationError
from jaya_pulumi.redshift.ddl import (
    add_column_ddl,
    alter_column_type_ddl,
    qualified_table_name,
)
from jaya_pulumi.redshift.spec import ColumnSpec, TableSpec, varchar_length

__all__ = [
    "PRIMARY_KEY_SQL",
    "AddColumn",
    "MigrationPlan",
    "WidenVarchar",
    "apply_in_place",
    "in_place_statements",
    "live_table_from_rows",
    "plan_migration",
    "read_live_table",
    "table_exists",
    "table_is_empty",
]


@dataclass(frozen=True)
class AddColumn:
    """Append a nullable column; existing rows get NULL."""

    column: ColumnSpec

    def describe(self) -> str:
        """One line for logs and diffs."""
        return f"add column {self.column.name!r} {self.column.type}"


@dataclass(frozen=True)
class WidenVarchar:
    """Make a ``VARCHAR`` column longer."""

    column: str
    old_type: str
    new_type: str

    def describe(self) -> str:
        """One line for logs and diffs."""
        return f"widen column {self.column!r} from {self.old_type} to {self.new_type}"


InPlaceChange = AddColumn | WidenVarchar
"""A change that keeps the table's rows."""


@dataclass(frozen=True)
class MigrationPlan:
    """What it takes to turn one table spec into another."""

    in_place: tuple[InPlaceChange, ...] = ()
    """Changes applied with ``ALTER TABLE``, keeping the data."""

    destructive: tuple[str, ...] = ()
    """Descriptions of changes that need the table dropped and recreated."""

    replace_fields: tuple[str, ...] = ()
    """Resource property names whose change forces a replacement (``columns``, ``distkey``...)."""

    settings_changed: bool = False
    """Only ``allow_replace``/``drop_on_delete`` changed: no SQL to run."""

    @property
    def changed(self) -> bool:
        """Whether anything differs at all."""
        return bool(self.in_place or self.destructive or self.settings_changed)

    def statements(self, new: TableSpec, dialect: str = "redshift") -> list[str]:
        """Return the SQL for the in-place changes, in order."""
        result = []
        for change in self.in_place:
            if isinstance(change, AddColumn):
                result.append(add_column_ddl(new, change.column, dialect))
            else:
                result.append(alter_column_type_ddl(new, change.column, change.new_type, dialect))
        return result

    def refuse_destructive(self, new: TableSpec) -> None:
        """Raise :class:`TableMigrationError` if the plan is destructive and ``new`` does not allow it."""
        if not self.destructive or new.allow_replace:
            return
        raise TableMigrationError(
            f"table {new.qualified_name}: refusing a change that loses data: "
            f"{'; '.join(self.destructive)}. Redshift cannot do this in place, so the table would be "
            "dropped and recreated empty. Set allow_replace=True on the Table to accept that, or "
            "change the table yourself and run `pulumi refresh`."
        )


def _describe_key(keys: Iterable[str]) -> str:
    keys = tuple(keys)
    return f"({', '.join(keys)})" if keys else "none"


def plan_migration(old: TableSpec, new: TableSpec) -> MigrationPlan:
    """Work out how to turn ``old`` (the deployed or live table) into ``new`` (the declared one)."""
    destructive: list[str] = []
    fields: list[str] = []
    in_place: list[InPlaceChange] = []

    def refuse(field_name: str, what: str) -> None:
        destructive.append(what)
        if field_name not in fields:
            fields.append(field_name)

    if old.schema != new.schema:
        refuse("schema", f"move from schema {old.schema!r} to {new.schema!r}")
    if old.name != new.name:
        refuse("tableName", f"rename from {old.name!r} to {new.name!r}")

    old_names = [c.name for c in old.columns]
    new_names = [c.name for c in new.columns]
    for gone in old.columns:
        if gone.name not in new_names:
            refuse("columns", f"drop column {gone.name!r} ({gone.type})")
    kept_old = [n for n in old_names if n in new_names]
    kept_new = [n for n in new_names if n in old_names]
    if kept_old != kept_new:
        refuse(
            "columns", f"reorder columns from ({', '.join(kept_old)}) to ({', '.join(kept_new)})"
        )
    for name in kept_new:
        before, after = old.column(name), new.column(name)
        assert before is not None and after is not None
        if before.type != after.type:
            old_len, new_len = varchar_length(before.type), varchar_length(after.type)
            if old_len is not None and new_len is not None and new_len > old_len:
                in_place.append(WidenVarchar(name, before.type, after.type))
            else:
                refuse("columns", f"change column {name!r} type from {before.type} to {after.type}")
        if before.nullable != after.nullable and not (before.primary_key or after.primary_key):
            null = "nullable" if after.nullable else "NOT NULL"
            refuse("columns", f"make column {name!r} {null}")
        if before.encode != after.encode:
            refuse(
                "columns",
                f"change column {name!r} encoding from {before.encode or 'default'} "
                f"to {after.encode or 'default'}",
            )
    last_kept = max((new_names.index(n) for n in kept_new), default=-1)
    for index, column in enumerate(new.columns):
        if column.name in old_names:
            continue
        if column.primary_key:
            refuse("columns", f"add primary-key column {column.name!r}")
        elif not column.nullable:
            refuse("columns", f"add NOT NULL column {column.name!r} (existing rows have no value)")
        elif index < last_kept:
            refuse(
                "columns",
                f"add column {column.name!r} before existing columns (ALTER TABLE can only append)",
            )
        else:
            in_place.append(AddColumn(column))
    if old.primary_key != new.primary_key:
        refuse(
            "columns",
            f"change the primary key from {_describe_key(old.primary_key)} "
            f"to {_describe_key(new.primary_key)}",
        )
    if old.diststyle != new.diststyle:
        refuse("diststyle", f"change DISTSTYLE from {old.diststyle} to {new.diststyle}")
    if old.distkey != new.distkey:
        refuse("distkey", f"change DISTKEY from {old.distkey} to {new.distkey}")
    if old.sortkey != new.sortkey:
        refuse(
            "sortkey",
            f"change SORTKEY from {_describe_key(old.sortkey)} to {_describe_key(new.sortkey)}",
        )
    settings_changed = (old.allow_replace, old.drop_on_delete) != (
        new.allow_replace,
        new.drop_on_delete,
    )
    return MigrationPlan(
        in_place=tuple(in_place),
        destructive=tuple(destructive),
        replace_fields=tuple(fields),
        settings_changed=settings_changed,
    )


def in_place_statements(plan: MigrationPlan, new: TableSpec, dialect: str) -> list[str]:
    """The plan's in-place statements, each to run on its own outside a transaction block.

    :raises TableMigrationError: if the plan is destructive (replace instead).
    """
    if plan.destructive:
        raise TableMigrationError(
            f"table {new.qualified_name}: cannot update in place: {'; '.join(plan.destructive)}; "
            "it has to be replaced (allow_replace=True)"
        )
    return plan.statements(new, dialect)


def apply_in_place(conn: Any, plan: MigrationPlan, new: TableSpec, dialect: str) -> list[str]:
    """Run the plan's in-place statements one by one in autocommit mode; return what ran.

    :raises TableMigrationError: if the plan is destructive (replace instead).
    """
    statements = in_place_statements(plan, new, dialect)
    conn.autocommit = True
    with conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
    return statements


def _resolve_schema(cur: Any, schema: str | None) -> str:
    if schema is not None:
        return schema
    cur.execute("SELECT current_schema()")
    row = cur.fetchone()
    return str(row[0])


def table_exists(conn: Any, schema: str | None, name: str) -> bool:
    """Whether ``schema.name`` exists (``schema=None``: the connection's current schema)."""
    with conn.cursor() as cur:
        schema = _resolve_schema(cur, schema)
        cur.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (schema, name),
        )
        return cur.fetchone() is not None


def table_is_empty(conn: Any, spec: TableSpec, dialect: str) -> bool:
    """Whether the table holds no rows."""
    with conn.cursor() as cur:
        cur.execute(f"SELECT 1 FROM {qualified_table_name(spec, dialect)} LIMIT 1")
        return cur.fetchone() is None


def _live_type(data_type: str, length: int | None, precision: int | None, scale: int | None) -> str:
    base = data_type.upper()
    if base in ("CHARACTER VARYING", "CHARACTER") and length is not None:
        base = f"{base}({length})"
    elif base == "NUMERIC" and precision is not None:
        base = f"NUMERIC({precision},{scale or 0})"
    try:
        return ColumnSpec("x", base).type
    except PipelineDefinitionError:
        return "OTHER"


PRIMARY_KEY_SQL = (
    "SELECT kcu.column_name FROM information_schema.table_constraints tc "
    "JOIN information_schema.key_column_usage kcu "
    "ON tc.constraint_name = kcu.constraint_name "
    "AND tc.table_schema = kcu.table_schema AND tc.table_name = kcu.table_name "
    "WHERE tc.constraint_type = 'PRIMARY KEY' "
    "AND tc.table_schema = {schema} AND tc.table_name = {name}"
)
"""The primary key's columns; format ``{schema}``/``{name}`` with the driver's placeholders."""


def read_live_table(
    conn: Any, schema: str | None, name: str, *, like: TableSpec | None = None
) -> TableSpec:
    """Introspect ``schema.name`` from ``information_schema`` and describe it as a :class:`TableSpec`.

    :param like: the declared spec; its DISTSTYLE/DISTKEY/SORTKEY, encodings and settings are
        carried over for the columns that still exist (they are not introspected).
    :raises TableMigrationError: if the table does not exist.
    """
    with conn.cursor() as cur:
        actual_schema = _resolve_schema(cur, schema)
        cur.execute(
            "SELECT column_name, data_type, character_maximum_length, numeric_precision, "
            "numeric_scale, is_nullable FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            (actual_schema, name),
        )
        rows = cur.fetchall()
        cur.execute(PRIMARY_KEY_SQL.format(schema="%s", name="%s"), (actual_schema, name))
        key = {str(r[0]) for r in cur.fetchall()}
    return live_table_from_rows(schema, name, rows, key, like=like, actual_schema=actual_schema)


def live_table_from_rows(
    schema: str | None,
    name: str,
    rows: Iterable[Sequence[Any]],
    key: Iterable[str],
    *,
    like: TableSpec | None = None,
    actual_schema: str | None = None,
) -> TableSpec:
    """Describe a live table from its column rows, however they were read (SQL or the Data API).

    :param rows: ``(column_name, data_type, character_maximum_length, numeric_precision,
        numeric_scale, is_nullable)`` per column, in order (``information_schema.columns`` or
        Redshift's ``SVV_COLUMNS``).
    :param key: the primary key's column names.
    :param like: the declared spec, whose layout and settings are carried over.
    :raises TableMigrationError: if there are no rows (no such table).
    """
    rows = list(rows)
    key = set(key)
    if not rows:
        raise TableMigrationError(
            f"table {actual_schema or schema or 'current schema'}.{name} does not exist (or has "
            "no columns); create it with `pulumi up`"
        )
    columns = []
    for column_name, data_type, length, precision, scale, is_nullable in rows:
        declared = like.column(column_name) if like is not None else None
        columns.append(
            ColumnSpec(
                name=str(column_name),
                type=_live_type(
                    str(data_type),
                    _int_or_none(length),
                    _int_or_none(precision),
                    _int_or_none(scale),
                ),
                nullable=is_nullable == "YES" and column_name not in key,
                primary_key=column_name in key,
                encode=declared.encode if declared is not None else None,
            )
        )
    live = TableSpec(schema=schema, name=name, columns=tuple(columns))
    if like is None:
        return live
    carried = replace(live, allow_replace=like.allow_replace, drop_on_delete=like.drop_on_delete)
    try:
        return replace(
            carried, diststyle=like.diststyle, distkey=like.distkey, sortkey=like.sortkey
        )
    except PipelineDefinitionError:
        # The declared DISTKEY/SORTKEY names a column the live table no longer has.
        return carried


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
