"""SQL text for a :class:`~jaya_pulumi.redshift.spec.TableSpec`, compiled through SQLAlchemy.

``dialect="redshift"`` compiles with sqlalchemy-redshift (``DISTSTYLE``, ``DISTKEY``, ``SORTKEY``,
``ENCODE``). ``dialect="postgresql"`` compiles for plain PostgreSQL (the local harness and tests): the
Redshift-only table and column options are left out and a ``logging`` warning names them.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateTable
from sqlalchemy.types import UserDefinedType

from jaya_pulumi.errors import ConfigurationError
from jaya_pulumi.redshift.connection import DIALECTS, dialect_for_url
from jaya_pulumi.redshift.spec import ColumnSpec, TableSpec

__all__ = [
    "add_column_ddl",
    "alter_column_type_ddl",
    "create_schema_ddl",
    "create_table_ddl",
    "dialect_for_url",
    "drop_table_ddl",
    "qualified_table_name",
    "sqlalchemy_dialect",
    "sqlalchemy_table",
]

logger = logging.getLogger(__name__)


class _SqlType(UserDefinedType[Any]):
    """A column type emitted verbatim (the spec already holds canonical SQL type text)."""

    cache_ok = True

    def __init__(self, text: str) -> None:
        self.text = text

    def get_col_spec(self, **kw: Any) -> str:
        return self.text


def sqlalchemy_dialect(dialect: str) -> Dialect:
    """Return the SQLAlchemy dialect object for ``"redshift"`` or ``"postgresql"``."""
    # paramstyle "named": DDL runs without parameters (psycopg2 and the Data API alike), so
    # identifiers must not be escaped for pyformat, which would create "c%s" as "c%%s".
    if dialect == "redshift":
        from sqlalchemy_redshift.dialect import RedshiftDialect_psycopg2

        result: Dialect = RedshiftDialect_psycopg2(paramstyle="named")
        return result
    if dialect == "postgresql":
        return postgresql.psycopg2.dialect(paramstyle="named")  # type: ignore[no-untyped-call]
    raise ConfigurationError(f"dialect {dialect!r} is not supported; use one of {DIALECTS}")


def _column(column: ColumnSpec, dialect: str) -> sa.Column[Any]:
    kwargs: dict[str, Any] = {}
    if column.encode is not None and dialect == "redshift":
        kwargs["redshift_encode"] = column.encode
    return sa.Column(
        column.name,
        _SqlType(column.type),
        nullable=column.nullable,
        primary_key=column.primary_key,
        autoincrement=False,
        **kwargs,
    )


def _postgres_omissions(spec: TableSpec) -> list[str]:
    left_out = []
    if spec.diststyle is not None:
        left_out.append(f"DISTSTYLE {spec.diststyle}")
    if spec.distkey is not None:
        left_out.append(f"DISTKEY ({spec.distkey})")
    if spec.sortkey:
        left_out.append(f"SORTKEY ({', '.join(spec.sortkey)})")
    left_out.extend(f"ENCODE {c.encode} on {c.name}" for c in spec.columns if c.encode)
    return left_out


def sqlalchemy_table(spec: TableSpec, dialect: str = "redshift") -> sa.Table:
    """Return a SQLAlchemy ``Table`` (on its own ``MetaData``) equivalent to ``spec``."""
    table_kwargs: dict[str, Any] = {}
    if dialect == "redshift":
        if spec.diststyle is not None:
            table_kwargs["redshift_diststyle"] = spec.diststyle
        if spec.distkey is not None:
            table_kwargs["redshift_distkey"] = spec.distkey
        if spec.sortkey:
            table_kwargs["redshift_sortkey"] = list(spec.sortkey)
    return sa.Table(
        spec.name,
        sa.MetaData(),
        *(_column(c, dialect) for c in spec.columns),
        schema=spec.schema,
        **table_kwargs,
    )


def create_table_ddl(spec: TableSpec, dialect: str = "redshift") -> str:
    """Return the ``CREATE TABLE`` statement for ``spec`` in ``"redshift"`` or ``"postgresql"`` SQL.

    For PostgreSQL, options it lacks (DISTSTYLE, DISTKEY, SORTKEY, ENCODE) are left out with a warning.
    """
    sa_dialect = sqlalchemy_dialect(dialect)
    if dialect == "postgresql":
        left_out = _postgres_omissions(spec)
        if left_out:
            logger.warning(
                "PostgreSQL has no %s; left out of the DDL for table %s (Redshift keeps them)",
                ", ".join(left_out),
                spec.qualified_name,
            )
    text = str(CreateTable(sqlalchemy_table(spec, dialect)).compile(dialect=sa_dialect))
    return text.strip()


def _quote(name: str, dialect: str) -> str:
    return str(sqlalchemy_dialect(dialect).identifier_preparer.quote(name))


def qualified_table_name(spec: TableSpec, dialect: str = "redshift") -> str:
    """Return the table's quoted, schema-qualified name as it appears in SQL."""
    table = _quote(spec.name, dialect)
    return table if spec.schema is None else f"{_quote(spec.schema, dialect)}.{table}"


def create_schema_ddl(schema: str, dialect: str = "redshift") -> str:
    """Return ``CREATE SCHEMA IF NOT EXISTS <schema>``."""
    return f"CREATE SCHEMA IF NOT EXISTS {_quote(schema, dialect)}"


def drop_table_ddl(spec: TableSpec, dialect: str = "redshift") -> str:
    """Return ``DROP TABLE IF EXISTS <table>``."""
    return f"DROP TABLE IF EXISTS {qualified_table_name(spec, dialect)}"


def add_column_ddl(spec: TableSpec, column: ColumnSpec, dialect: str = "redshift") -> str:
    """Return ``ALTER TABLE ... ADD COLUMN`` for a nullable column (``ENCODE`` kept on Redshift)."""
    text = (
        f"ALTER TABLE {qualified_table_name(spec, dialect)} "
        f"ADD COLUMN {_quote(column.name, dialect)} {column.type}"
    )
    if column.encode is not None and dialect == "redshift":
        text += f" ENCODE {column.encode}"
    return text


def alter_column_type_ddl(
    spec: TableSpec, column_name: str, new_type: str, dialect: str = "redshift"
) -> str:
    """Return ``ALTER TABLE ... ALTER COLUMN ... TYPE ...`` (Redshift: only to widen a VARCHAR)."""
    return (
        f"ALTER TABLE {qualified_table_name(spec, dialect)} "
        f"ALTER COLUMN {_quote(column_name, dialect)} TYPE {new_type}"
    )
