"""Redshift tables: a plain description (:class:`TableSpec`), its DDL, migrations and a Pulumi provider.

Importing this package imports neither pulumi nor SQLAlchemy; the DDL, migration and provider
modules load on first use of a name they define (``TableResource`` and ``TableProvider`` bring in
pulumi, ``create_table_ddl`` brings in SQLAlchemy).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from jaya_pulumi.redshift.connection import ConnectionSettings, db_conf_form, dialect_for_url
from jaya_pulumi.redshift.spec import ColumnSpec, TableSpec, normalize_type, table_spec

if TYPE_CHECKING:
    from jaya_pulumi.redshift.data_api import DataApiExecutor
    from jaya_pulumi.redshift.ddl import create_table_ddl
    from jaya_pulumi.redshift.migrate import MigrationPlan, plan_migration, read_live_table
    from jaya_pulumi.redshift.provider import TableProvider, TableResource

__all__ = [
    "ColumnSpec",
    "ConnectionSettings",
    "DataApiExecutor",
    "MigrationPlan",
    "TableProvider",
    "TableResource",
    "TableSpec",
    "create_table_ddl",
    "db_conf_form",
    "dialect_for_url",
    "normalize_type",
    "plan_migration",
    "read_live_table",
    "table_spec",
]

_LAZY = {
    "DataApiExecutor": "jaya_pulumi.redshift.data_api",
    "create_table_ddl": "jaya_pulumi.redshift.ddl",
    "MigrationPlan": "jaya_pulumi.redshift.migrate",
    "plan_migration": "jaya_pulumi.redshift.migrate",
    "read_live_table": "jaya_pulumi.redshift.migrate",
    "TableProvider": "jaya_pulumi.redshift.provider",
    "TableResource": "jaya_pulumi.redshift.provider",
}


def __getattr__(name: str) -> Any:
    """Load the DDL, migration and provider names on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
