"""A Pulumi dynamic provider that creates, migrates, reads and drops one Redshift (or PostgreSQL) table.

:class:`TableProvider` holds nothing but a connect timeout: the table and connection come in as resource
properties, the password as a secret property, and each method opens and closes its own psycopg2
connection. So its pickle is small, has no secret in it, is the same byte for byte in every process
(no spurious diffs), and unpickles wherever ``jaya_pulumi`` is importable: the class is pickled by
reference to this module, not by value. That reference is stored in every stack's state, so
``jaya_pulumi.redshift.provider.TableProvider`` must keep its import path and accept the properties
older versions wrote; ``pulumi destroy`` runs whatever version is installed.

:class:`TableResource` is the resource a program declares. Its ``password`` input is always made a
Pulumi secret and listed in ``additional_secret_outputs``, so it is encrypted in state and exports.

What happens on each operation:

- **create** -- ``CREATE SCHEMA IF NOT EXISTS`` then ``CREATE TABLE``. If the table already exists it
  is adopted when it can be brought to the declared shape in place, replaced when ``allow_replace``,
  and otherwise refused.
- **diff/check** -- in-place changes (append a nullable column, widen a VARCHAR) are updates;
  destructive ones are replacements (delete before create) if ``allow_replace``, else an error.
- **delete** -- drops the table only if it is empty or ``drop_on_delete``; otherwise leaves it and logs so.
- **read** -- introspects the live columns, so ``pulumi refresh`` shows drift.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.dynamic as dyn
from pulumi.runtime import rpc

from jaya_pulumi.errors import ConfigurationError, JayaError, TableMigrationError
from jaya_pulumi.redshift.connection import DIALECTS, REDSHIFT_PORT, ConnectionSettings
from jaya_pulumi.redshift.ddl import create_schema_ddl, create_table_ddl, drop_table_ddl
from jaya_pulumi.redshift.migrate import (
    apply_in_place,
    plan_migration,
    read_live_table,
    table_exists,
    table_is_empty,
)
from jaya_pulumi.redshift.spec import TableSpec

__all__ = ["TableProvider", "TableResource"]

logger = logging.getLogger(__name__)

_PROVIDER_KEY = "__provider"
_CONNECTION_REPLACES = ("host", "port", "database", "dialect")
"""Connection properties that point at a different table, so changing them replaces it."""
_CONNECTION_UPDATES = ("user", "password", "sslmode")
"""Connection properties that change how we log in, not which table: an update with no SQL."""
_OUTPUT_NAMES = {
    "tableName": "table_name",
    "allowReplace": "allow_replace",
    "dropOnDelete": "drop_on_delete",
    "qualifiedName": "qualified_name",
}
_INPUT_NAMES = {v: k for k, v in _OUTPUT_NAMES.items()}


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, int | float) and isinstance(new, int | float):
        return float(old) == float(new)
    return bool(old == new)


class TableProvider(dyn.ResourceProvider):
    """CRUD for one table; holds only plain data (a connect timeout), never a connection or secret."""

    serialize_as_secret_always = False
    """Nothing secret is captured, so the serialized provider stays readable (and diffable) in state."""

    def __init__(self, connect_timeout: int = 10) -> None:
        """:param connect_timeout: seconds to wait for the database in each operation."""
        super().__init__()
        self.connect_timeout = connect_timeout

    # -- helpers -------------------------------------------------------------------------------

    def _connect(self, props: Mapping[str, Any]) -> tuple[ConnectionSettings, Any]:
        settings = ConnectionSettings.from_props(props)
        return settings, settings.connect(connect_timeout=self.connect_timeout)

    @staticmethod
    def _outs(props: Mapping[str, Any], spec: TableSpec, schema: str) -> dict[str, Any]:
        outs = {k: v for k, v in props.items() if k != _PROVIDER_KEY}
        outs.update(spec.to_props())
        outs["qualifiedName"] = f"{schema}.{spec.name}"
        return outs

    @staticmethod
    def _current_schema(conn: Any, spec: TableSpec) -> str:
        if spec.schema is not None:
            return spec.schema
        with conn.cursor() as cur:
            cur.execute("SELECT current_schema()")
            return str(cur.fetchone()[0])

    # -- ResourceProvider ----------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        """Validate the table and connection properties, and refuse destructive changes early."""
        failures: list[dyn.CheckFailure] = []
        try:
            new = TableSpec.from_props(news)
        except JayaError as exc:
            return dyn.CheckResult(news, [dyn.CheckFailure("columns", str(exc))])
        known = {k: v for k, v in news.items() if v != rpc.UNKNOWN}
        missing = [k for k in ("host", "database", "user") if k in known and not known[k]]
        if missing:
            failures.extend(
                dyn.CheckFailure(k, f"table {new.qualified_name}: {k} is empty; set it")
                for k in missing
            )
        if _olds.get("columns") is not None:
            try:
                old = TableSpec.from_props(_olds)
            except JayaError:
                old = None  # old inputs from another version of this library: diff decides
            if old is not None:
                plan = plan_migration(old, new)
                try:
                    plan.refuse_destructive(new)
                except TableMigrationError as exc:
                    failures.append(dyn.CheckFailure(plan.replace_fields[0], str(exc)))
        return dyn.CheckResult(news, failures)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> dyn.DiffResult:
        """Name the properties that force a replacement; raise if that would lose data unasked.

        :raises TableMigrationError: for a destructive change while ``allow_replace`` is False.
        """
        old = TableSpec.from_props(_olds)
        new = TableSpec.from_props(_news)
        plan = plan_migration(old, new)
        plan.refuse_destructive(new)
        replaces = list(plan.replace_fields)
        changed = plan.changed
        for key in _CONNECTION_REPLACES + _CONNECTION_UPDATES:
            before, after = _olds.get(key), _news.get(key)
            if key == "port":
                before = REDSHIFT_PORT if before is None else before
                after = REDSHIFT_PORT if after is None else after
            if after == rpc.UNKNOWN or not _same(before, after):
                changed = True
                if key in _CONNECTION_REPLACES and after != rpc.UNKNOWN:
                    replaces.append(key)
        return dyn.DiffResult(
            changes=changed,
            replaces=replaces,
            stables=[],
            delete_before_replace=True,
        )

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        """Create the schema if missing and the table; adopt or replace an existing one if allowed.

        :raises TableMigrationError: if a differing table exists and ``allow_replace`` is False.
        """
        spec = TableSpec.from_props(props)
        settings, conn = self._connect(props)
        dialect = settings.dialect
        try:
            with conn.cursor() as cur:
                if spec.schema is not None:
                    cur.execute(create_schema_ddl(spec.schema, dialect))
                schema = self._current_schema(conn, spec)
                if table_exists(conn, spec.schema, spec.name):
                    live = read_live_table(conn, spec.schema, spec.name, like=spec)
                    plan = plan_migration(live, spec)
                    if not plan.destructive:
                        ran = apply_in_place(conn, plan, spec, dialect)
                        logger.warning(
                            "table %s already exists in %s; adopted it%s",
                            spec.qualified_name,
                            settings.describe(),
                            f" and ran: {'; '.join(ran)}" if ran else "",
                        )
                    elif spec.allow_replace:
                        logger.warning(
                            "table %s already exists in %s and differs (%s); allow_replace=True, "
                            "so it is dropped and recreated",
                            spec.qualified_name,
                            settings.describe(),
                            "; ".join(plan.destructive),
                        )
                        cur.execute(drop_table_ddl(spec, dialect))
                        cur.execute(create_table_ddl(spec, dialect))
                    else:
                        raise TableMigrationError(
                            f"table {spec.qualified_name} already exists in {settings.describe()} "
                            f"and differs from the declared one: {'; '.join(plan.destructive)}. "
                            "Declare it as it is, set allow_replace=True to drop and recreate it "
                            "(its rows are lost), or drop it yourself."
                        )
                else:
                    cur.execute(create_table_ddl(spec, dialect))
        finally:
            conn.close()
        return dyn.CreateResult(f"{schema}.{spec.name}", self._outs(props, spec, schema))

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> dyn.UpdateResult:
        """Apply in-place changes (ADD COLUMN, widen VARCHAR), each on its own outside a transaction."""
        old = TableSpec.from_props(_olds)
        new = TableSpec.from_props(_news)
        plan = plan_migration(old, new)
        settings, conn = self._connect(_news)
        try:
            ran = apply_in_place(conn, plan, new, settings.dialect)
            schema = self._current_schema(conn, new)
        finally:
            conn.close()
        if ran:
            logger.info("table %s: ran %s", new.qualified_name, "; ".join(ran))
        return dyn.UpdateResult(self._outs(_news, new, schema))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Drop the table if it is empty or ``drop_on_delete``; otherwise leave it and log that."""
        spec = TableSpec.from_props(_props)
        settings, conn = self._connect(_props)
        try:
            if not table_exists(conn, spec.schema, spec.name):
                logger.warning(
                    "table %s is already gone from %s", spec.qualified_name, settings.describe()
                )
                return
            if spec.drop_on_delete or table_is_empty(conn, spec, settings.dialect):
                with conn.cursor() as cur:
                    cur.execute(drop_table_ddl(spec, settings.dialect))
                logger.info("dropped table %s", spec.qualified_name)
                return
            logger.warning(
                "left table %s in place in %s: it still holds rows and drop_on_delete is False. "
                "Drop it yourself, or set drop_on_delete=True and run `pulumi up` before destroying.",
                spec.qualified_name,
                settings.describe(),
            )
        finally:
            conn.close()

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        """Read the live columns so ``pulumi refresh`` records drift; empty id if the table is gone."""
        spec = TableSpec.from_props(props)
        settings, conn = self._connect(props)
        try:
            if not table_exists(conn, spec.schema, spec.name):
                logger.warning(
                    "table %s no longer exists in %s", spec.qualified_name, settings.describe()
                )
                return dyn.ReadResult("", {})
            live = read_live_table(conn, spec.schema, spec.name, like=spec)
            schema = self._current_schema(conn, spec)
        finally:
            conn.close()
        return dyn.ReadResult(id_, self._outs(props, live, schema))


class TableResource(dyn.Resource):
    """A table managed by :class:`TableProvider`; its password is always a Pulumi secret."""

    table_name: pulumi.Output[str]
    """The table's name."""
    schema: pulumi.Output[str]
    """The table's schema (absent when the connection's default schema is used)."""
    columns: pulumi.Output[list[dict[str, Any]]]
    """The columns as ``{name, type, nullable, primaryKey, encode}`` dicts (live ones after refresh)."""
    qualified_name: pulumi.Output[str]
    """``schema.table`` as created; also the resource id."""
    password: pulumi.Output[str]
    """The login password, secret."""

    def __init__(
        self,
        resource_name: str,
        spec: TableSpec,
        *,
        host: pulumi.Input[str],
        database: pulumi.Input[str],
        user: pulumi.Input[str],
        password: pulumi.Input[str],
        port: pulumi.Input[int] = REDSHIFT_PORT,
        dialect: str = "redshift",
        sslmode: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare ``spec`` in the database at ``host:port/database``.

        :param resource_name: the Pulumi resource name.
        :param spec: the table, from :func:`~jaya_pulumi.redshift.spec.table_spec`.
        :param password: made a secret here whatever is passed; never stored in plaintext.
        :param dialect: ``"redshift"`` or ``"postgresql"`` (a plain PostgreSQL, e.g. for tests).
        """
        if not isinstance(spec, TableSpec):
            raise ConfigurationError(
                f"TableResource {resource_name!r} needs a TableSpec, got {type(spec).__name__}; "
                "build one with jaya_pulumi.redshift.table_spec(...)"
            )
        if dialect not in DIALECTS:
            raise ConfigurationError(
                f"TableResource {resource_name!r} has dialect={dialect!r}; use one of {DIALECTS}"
            )
        # Python-side names here; translate_input_property turns them into the camelCase state keys.
        props: dict[str, Any] = {
            **{_OUTPUT_NAMES.get(k, k): v for k, v in spec.to_props().items()},
            "host": host,
            "port": port,
            "database": database,
            "user": user,
            "password": pulumi.Output.secret(password),
            "dialect": dialect,
            "qualified_name": None,
        }
        if sslmode is not None:
            props["sslmode"] = sslmode
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=["password"])
        super().__init__(
            TableProvider(),
            resource_name,
            props,
            pulumi.ResourceOptions.merge(opts, secret_opts),
        )

    @classmethod
    def from_connection(
        cls,
        resource_name: str,
        spec: TableSpec,
        connection: ConnectionSettings,
        opts: pulumi.ResourceOptions | None = None,
    ) -> TableResource:
        """Declare ``spec`` using plain :class:`ConnectionSettings` (from ``db_conf`` or a URL)."""
        return cls(
            resource_name,
            spec,
            host=connection.host,
            port=connection.port,
            database=connection.database,
            user=connection.user,
            password=connection.password,
            dialect=connection.dialect,
            sslmode=connection.sslmode,
            opts=opts,
        )

    def translate_output_property(self, prop: str) -> str:
        """Map the camelCase property names in state to this class's snake_case attributes."""
        return _OUTPUT_NAMES.get(prop, prop)

    def translate_input_property(self, prop: str) -> str:
        """Map snake_case attribute names back to the camelCase property names in state."""
        return _INPUT_NAMES.get(prop, prop)
