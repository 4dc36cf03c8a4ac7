"""What a Redshift table should look like, as plain frozen data.

A :class:`TableSpec` holds only ``str``/``int``/``bool``/``None`` and tuples, so it pickles, compares
and hashes, and it round-trips through Pulumi inputs (:meth:`TableSpec.to_props` /
:meth:`TableSpec.from_props`). :func:`table_spec` builds one from SQLAlchemy ``Column`` objects, the way
the seed's ``Table(db_conf, table, sa.Column(...), ..., redshift_diststyle='KEY')`` describes a table.

Column types are kept as canonical SQL type strings (``VARCHAR(256)``, ``INTEGER``, ``NUMERIC(10,2)``,
``TIMESTAMPTZ``...). A ``String``/``VARCHAR``/``TEXT`` without a length becomes ``VARCHAR(256)``, which is
what Redshift creates for it anyway; spelling it out makes PostgreSQL create the same column and lets
migrations compare lengths.

Types Redshift lacks are refused, naming the table, the column and the type to use: ``ARRAY``,
``JSON``/``JSONB`` (use ``SUPER`` or ``VARCHAR(MAX)``), ``Uuid`` (use ``CHAR(36)``), ``Enum`` (use
``VARCHAR``), ``Interval`` (use ``BIGINT`` seconds) and ``LargeBinary`` (use ``VARBYTE``). A column
name with capitals is warned about: Redshift lower-cases identifiers, so ``COPY ... JSON 'auto'``
then matches only lower-case keys.

Not supported: interleaved sort keys (refused); column defaults, identity and computed columns,
foreign keys and constraints other than the primary key (a column that uses one is warned about,
and the feature is left out of the table). Redshift's ``DISTSTYLE AUTO`` tables are described,
but their actual live distribution is not introspected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from jaya_pulumi.errors import PipelineDefinitionError, warn_once

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = [
    "DEFAULT_VARCHAR_LENGTH",
    "DISTSTYLES",
    "ENCODINGS",
    "ColumnSpec",
    "TableSpec",
    "normalize_type",
    "table_spec",
]

DEFAULT_VARCHAR_LENGTH = 256
"""Length Redshift gives a ``VARCHAR`` declared without one."""

MAX_VARCHAR_LENGTH = 65535
"""Longest ``VARCHAR`` Redshift accepts (``VARCHAR(MAX)``)."""

DISTSTYLES = ("EVEN", "KEY", "ALL", "AUTO")
"""Distribution styles Redshift accepts."""

ENCODINGS = (
    "RAW",
    "AZ64",
    "BYTEDICT",
    "DELTA",
    "DELTA32K",
    "LZO",
    "MOSTLY8",
    "MOSTLY16",
    "MOSTLY32",
    "RUNLENGTH",
    "TEXT255",
    "TEXT32K",
    "ZSTD",
)
"""Column compression encodings Redshift accepts."""

_ALIASES = {
    "INT": "INTEGER",
    "INT4": "INTEGER",
    "INT8": "BIGINT",
    "INT2": "SMALLINT",
    "BOOL": "BOOLEAN",
    "FLOAT4": "REAL",
    "FLOAT8": "DOUBLE PRECISION",
    "FLOAT": "DOUBLE PRECISION",
    "DOUBLE": "DOUBLE PRECISION",
    "DECIMAL": "NUMERIC",
    "CHARACTER VARYING": "VARCHAR",
    "NVARCHAR": "VARCHAR",
    "STRING": "VARCHAR",
    "TEXT": "VARCHAR",
    "CHARACTER": "CHAR",
    "NCHAR": "CHAR",
    "BPCHAR": "CHAR",
    "TIMESTAMP WITHOUT TIME ZONE": "TIMESTAMP",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
    "TIME WITHOUT TIME ZONE": "TIME",
    "TIME WITH TIME ZONE": "TIMETZ",
    "DATETIME": "TIMESTAMP",
}

_TYPE_RE = re.compile(
    r"^(?P<base>[A-Z][A-Z0-9]*(?: [A-Z][A-Z0-9]*)*)\s*"
    r"(?:\(\s*(?P<a>\d+|MAX)\s*(?:,\s*(?P<b>\d+)\s*)?\))?"
    r"(?P<tail>(?: [A-Z][A-Z0-9]*)*)$"
)


def normalize_type(sql_type: str) -> str:
    """Return the canonical spelling of a SQL column type, e.g. ``character varying(20)`` -> ``VARCHAR(20)``.

    :raises PipelineDefinitionError: if the text is not a plain SQL type name with optional arguments.
    """
    text = " ".join(sql_type.strip().upper().split())
    match = _TYPE_RE.match(text)
    if match is None:
        raise PipelineDefinitionError(
            f"column type {sql_type!r} is not a SQL type this library understands; "
            "use a SQLAlchemy type or a plain name such as 'VARCHAR(64)', 'INTEGER' or 'NUMERIC(10,2)'"
        )
    base = (match["base"] + match["tail"]).strip()
    base = _ALIASES.get(base, base)
    first, second = match["a"], match["b"]
    if base == "VARCHAR":
        if first is None:
            return f"VARCHAR({DEFAULT_VARCHAR_LENGTH})"
        length = MAX_VARCHAR_LENGTH if first == "MAX" else int(first)
        return f"VARCHAR({length})"
    if base == "CHAR":
        return f"CHAR({1 if first is None else first})"
    if first == "MAX":
        raise PipelineDefinitionError(f"column type {sql_type!r}: MAX is only valid for VARCHAR")
    if base == "NUMERIC":
        precision = "18" if first is None else first
        return f"NUMERIC({precision},{second or '0'})"
    if first is None:
        return base
    if second is None:
        return f"{base}({first})"
    return f"{base}({first},{second})"


def varchar_length(sql_type: str) -> int | None:
    """Return ``n`` for a canonical ``VARCHAR(n)`` type, else ``None``."""
    match = re.fullmatch(r"VARCHAR\((\d+)\)", sql_type)
    return int(match[1]) if match else None


def _check_identifier(what: str, value: str) -> None:
    if not isinstance(value, str) or not value:
        raise PipelineDefinitionError(f"{what} must be a non-empty string, got {value!r}")
    if len(value.encode()) > 127 or '"' in value or "\x00" in value:
        raise PipelineDefinitionError(
            f"{what} {value!r} is not a valid Redshift identifier: at most 127 bytes, "
            "no double quotes or NUL characters"
        )


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its name, canonical SQL type, nullability, primary-key flag and encoding."""

    name: str
    type: str
    nullable: bool = True
    primary_key: bool = False
    encode: str | None = None

    def __post_init__(self) -> None:
        _check_identifier("column name", self.name)
        object.__setattr__(self, "type", normalize_type(self.type))
        if self.primary_key and self.nullable:
            object.__setattr__(self, "nullable", False)
        if self.encode is not None:
            encode = self.encode.upper()
            if encode not in ENCODINGS:
                raise PipelineDefinitionError(
                    f"column {self.name!r} has encode={self.encode!r}; "
                    f"use one of {', '.join(e.lower() for e in ENCODINGS)}"
                )
            object.__setattr__(self, "encode", encode.lower())

    def to_props(self) -> dict[str, Any]:
        """Return this column as a Pulumi-friendly dict (camelCase keys, no ``None`` values)."""
        props: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "nullable": self.nullable,
            "primaryKey": self.primary_key,
        }
        if self.encode is not None:
            props["encode"] = self.encode
        return props

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> ColumnSpec:
        """Build a column from :meth:`to_props` output (missing keys take their defaults)."""
        return cls(
            name=str(props["name"]),
            type=str(props["type"]),
            nullable=bool(props.get("nullable", True)),
            primary_key=bool(props.get("primaryKey", False)),
            encode=None if props.get("encode") is None else str(props["encode"]),
        )


@dataclass(frozen=True)
class TableSpec:
    """A whole table: where it lives, its columns, its Redshift layout and how jaya may change it."""

    schema: str | None
    name: str
    columns: tuple[ColumnSpec, ...]
    diststyle: str | None = None
    distkey: str | None = None
    sortkey: tuple[str, ...] = field(default=())
    allow_replace: bool = False
    drop_on_delete: bool = False

    def __post_init__(self) -> None:
        where = f"table {self.qualified_name!r}"
        if self.schema is not None:
            _check_identifier(f"{where}: schema", self.schema)
        _check_identifier("table name", self.name)
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "sortkey", tuple(self.sortkey))
        if not self.columns:
            raise PipelineDefinitionError(f"{where} has no columns; pass at least one sa.Column")
        names = [c.name for c in self.columns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise PipelineDefinitionError(
                f"{where} declares column(s) {', '.join(map(repr, dupes))} more than once"
            )
        have = ", ".join(names)
        diststyle = None if self.diststyle is None else self.diststyle.upper()
        if diststyle is not None and diststyle not in DISTSTYLES:
            raise PipelineDefinitionError(
                f"{where} has redshift_diststyle={self.diststyle!r}; use one of "
                f"{', '.join(DISTSTYLES)}"
            )
        if self.distkey is not None:
            if self.distkey not in names:
                raise PipelineDefinitionError(
                    f"{where} has redshift_distkey={self.distkey!r} but no such column "
                    f"(columns: {have}); name one of its columns"
                )
            if diststyle is None:
                diststyle = "KEY"
            elif diststyle != "KEY":
                raise PipelineDefinitionError(
                    f"{where} has redshift_distkey={self.distkey!r} with "
                    f"redshift_diststyle={diststyle!r}; a distribution key needs "
                    "redshift_diststyle='KEY' (or leave the diststyle out)"
                )
        elif diststyle == "KEY":
            raise PipelineDefinitionError(
                f"{where} has redshift_diststyle='KEY' but no redshift_distkey; "
                f"add redshift_distkey='<column>' naming one of: {have}"
            )
        object.__setattr__(self, "diststyle", diststyle)
        for key in self.sortkey:
            if key not in names:
                raise PipelineDefinitionError(
                    f"{where} has redshift_sortkey naming {key!r} but no such column "
                    f"(columns: {have}); name only its columns"
                )
        if len(set(self.sortkey)) != len(self.sortkey):
            raise PipelineDefinitionError(
                f"{where} names a column twice in redshift_sortkey {self.sortkey!r}"
            )

    @property
    def qualified_name(self) -> str:
        """``schema.name``, or just ``name`` when no schema is given."""
        return self.name if self.schema is None else f"{self.schema}.{self.name}"

    @property
    def primary_key(self) -> tuple[str, ...]:
        """Names of the primary-key columns, in column order."""
        return tuple(c.name for c in self.columns if c.primary_key)

    def column(self, name: str) -> ColumnSpec | None:
        """Return the column called ``name``, or ``None``."""
        return next((c for c in self.columns if c.name == name), None)

    def with_columns(self, columns: Iterable[ColumnSpec]) -> TableSpec:
        """Return a copy with other columns (used to describe what a live table holds)."""
        return replace(self, columns=tuple(columns))

    def to_props(self) -> dict[str, Any]:
        """Return the spec as Pulumi inputs: camelCase keys, lists, no ``None`` values."""
        props: dict[str, Any] = {
            "tableName": self.name,
            "columns": [c.to_props() for c in self.columns],
            "sortkey": list(self.sortkey),
            "allowReplace": self.allow_replace,
            "dropOnDelete": self.drop_on_delete,
        }
        if self.schema is not None:
            props["schema"] = self.schema
        if self.diststyle is not None:
            props["diststyle"] = self.diststyle
        if self.distkey is not None:
            props["distkey"] = self.distkey
        return props

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> TableSpec:
        """Build a spec from :meth:`to_props` output, as Pulumi hands it back (extra keys ignored)."""
        try:
            columns = tuple(ColumnSpec.from_props(c) for c in props["columns"])
            name = str(props["tableName"])
        except (KeyError, TypeError) as exc:
            raise PipelineDefinitionError(
                f"table properties are missing {exc}; build them with TableSpec.to_props()"
            ) from exc
        schema = props.get("schema")
        diststyle = props.get("diststyle")
        distkey = props.get("distkey")
        return cls(
            schema=None if schema is None else str(schema),
            name=name,
            columns=columns,
            diststyle=None if diststyle is None else str(diststyle),
            distkey=None if distkey is None else str(distkey),
            sortkey=tuple(str(k) for k in props.get("sortkey") or ()),
            allow_replace=bool(props.get("allowReplace", False)),
            drop_on_delete=bool(props.get("dropOnDelete", False)),
        )


def _refused_type(column: sa.Column[Any]) -> str | None:
    """What to use instead of ``column``'s type when Redshift lacks it, else ``None``."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    col_type: Any = column.type
    if isinstance(col_type, sa.Interval | postgresql.INTERVAL):  # Interval decorates DateTime
        return (
            "Interval: Redshift tables take no bare INTERVAL column (what sa.Interval compiles "
            "to); store the duration as "
            "BIGINT seconds (sa.BigInteger) or as text in VARCHAR"
        )
    while isinstance(col_type, sa.TypeDecorator):  # PickleType and user decorators: what is stored
        col_type = col_type.impl_instance
    if isinstance(col_type, sa.ARRAY):
        return (
            "ARRAY: Redshift has no array columns; store the list in SUPER "
            "(sqlalchemy_redshift.dialect.SUPER) or as JSON text in VARCHAR(MAX)"
        )
    if isinstance(col_type, sa.JSON | postgresql.HSTORE):
        name = type(col_type).__name__
        return (
            f"{name}: Redshift has no {name} type; use SUPER (sqlalchemy_redshift.dialect.SUPER) "
            "or VARCHAR(MAX) (sa.String(65535))"
        )
    if isinstance(col_type, sa.Uuid):
        return "Uuid: Redshift has no UUID type; use CHAR(36) (sa.CHAR(36)) holding its text form"
    if isinstance(col_type, sa.Enum):
        longest = max((len(v) for v in col_type.enums), default=1)
        return (
            f"Enum: Redshift has no enumerated types; use VARCHAR({max(longest, 1)}) "
            f"(sa.String({max(longest, 1)}))"
        )
    if isinstance(col_type, sa.LargeBinary):
        return (
            "LargeBinary: Redshift has no BYTEA or BLOB; use VARBYTE "
            "(sa.VARBINARY(n): Redshift's VARBINARY is VARBYTE)"
        )
    return None


def _column_spec(column: sa.Column[Any]) -> ColumnSpec:
    from sqlalchemy_redshift.dialect import RedshiftDialect_psycopg2

    type_text = column.type.compile(dialect=RedshiftDialect_psycopg2())
    encode = column.info.get("encode") or column.dialect_kwargs.get("redshift_encode")
    return ColumnSpec(
        name=column.name,
        type=type_text,
        nullable=bool(column.nullable) and not column.primary_key,
        primary_key=bool(column.primary_key),
        encode=None if encode is None else str(encode),
    )


def _warn_unsupported(table_name: str, column: sa.Column[Any]) -> None:
    """Warn about each column feature the spec (and so the DDL) leaves out."""
    left_out = {
        "default": column.default is not None,
        # Identity() and Computed() are kept as the column's server_default too
        "server_default": all(
            column.server_default is not kept for kept in (None, column.identity, column.computed)
        ),
        "Identity": column.identity is not None,
        "Computed": column.computed is not None,
        "ForeignKey": bool(column.foreign_keys),
        "unique": bool(column.unique),
    }
    for feature, used in left_out.items():
        if used:
            warn_once(
                f"table {table_name!r} column {column.name!r}: {feature} is not supported and is "
                "left out of the table; only the name, type, nullability, primary key and "
                "encoding of a column are used",
                UserWarning,
                stacklevel=4,
            )


def _keys(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def table_spec(
    table_name: str,
    columns: Iterable[sa.Column[Any]],
    schema: str | None = None,
    redshift_diststyle: str | None = None,
    redshift_distkey: str | None = None,
    redshift_sortkey: str | Sequence[str] | None = None,
    *,
    allow_replace: bool = False,
    drop_on_delete: bool = False,
    **unsupported: object,
) -> TableSpec:
    """Describe a table from SQLAlchemy columns and the sqlalchemy-redshift table options.

    :param table_name: the table's name (quoted in DDL when it needs to be, e.g. ``my-table``).
    :param columns: ``sa.Column`` objects; ``info={'encode': 'lzo'}`` or ``redshift_encode='lzo'``
        sets a column's compression.
    :param schema: the schema, created if missing; ``None`` means the connection's default.
    :param redshift_diststyle: ``EVEN``, ``KEY``, ``ALL`` or ``AUTO``.
    :param redshift_distkey: the distribution column (implies ``KEY``).
    :param redshift_sortkey: one column name or a sequence of them (compound sort key).
    :param allow_replace: let a destructive change drop and recreate the table (its data is lost).
    :param drop_on_delete: drop the table on ``pulumi destroy`` even if it holds rows.
    :raises PipelineDefinitionError: naming the option or column that is wrong, including any
        keyword this function does not support (e.g. ``redshift_interleaved_sortkey``).
    """
    if unsupported:
        raise PipelineDefinitionError(
            f"table {table_name!r}: option(s) {', '.join(sorted(unsupported))} not supported; "
            "use schema, redshift_diststyle, redshift_distkey, redshift_sortkey, allow_replace "
            "or drop_on_delete"
        )
    built: list[ColumnSpec] = []
    for column in columns:
        if not hasattr(column, "type") or not hasattr(column, "name"):
            raise PipelineDefinitionError(
                f"table {table_name!r}: {column!r} is not a SQLAlchemy Column; "
                "pass sa.Column('name', sa.String) objects"
            )
        refused = _refused_type(column)
        if refused is not None:
            raise PipelineDefinitionError(
                f"table {table_name!r} column {column.name!r} has type {refused}"
            )
        _warn_unsupported(table_name, column)
        if column.name != column.name.lower():
            warn_once(
                f"table {table_name!r} column {column.name!r}: Redshift lower-cases identifiers, "
                f"so the column is {column.name.lower()!r} and COPY ... JSON 'auto' fills it only "
                f"from the key {column.name.lower()!r}; records keyed {column.name!r} load NULL. "
                f"Name the column {column.name.lower()!r}, send lower-case keys, or load with "
                "copy_options=\"JSON 'auto ignorecase' GZIP\"",
                UserWarning,
                stacklevel=3,
            )
        built.append(_column_spec(column))
    return TableSpec(
        schema=schema,
        name=table_name,
        columns=tuple(built),
        diststyle=redshift_diststyle,
        distkey=redshift_distkey,
        sortkey=_keys(redshift_sortkey),
        allow_replace=allow_replace,
        drop_on_delete=drop_on_delete,
    )
