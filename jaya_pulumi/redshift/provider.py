"""A Pulumi dynamic provider that creates, migrates, reads and drops one Redshift (or PostgreSQL) table.

:class:`TableProvider` holds nothing but a connect timeout: the table and connection come in as resource
properties, the password (SQL only) as a secret property, and each method opens and closes its own
executor (:mod:`~jaya_pulumi.redshift.executor`: a psycopg2 connection, or the Data API). The plan
(:func:`~jaya_pulumi.redshift.migrate.plan_migration`) is the same for both. So its pickle is small, has no secret in it, is the same byte for byte in every process
(no spurious diffs), and unpickles wherever ``jaya_pulumi`` is importable: the class is pickled by
reference to this module, not by value. That reference is stored in every stack's state, so
``jaya_pulumi.redshift.provider.TableProvider`` must keep its import path and accept the properties
older versions wrote; ``pulumi destroy`` runs whatever version is installed.

:class:`TableResource` is the resource a program declares. Over SQL its ``password`` input is always
made a Pulumi secret and listed in ``additional_secret_outputs``, so it is encrypted in state and
exports. Over the Redshift Data API (a ``workgroup`` or ``cluster`` with ``secret_arn`` or a ``user``
for IAM temporary credentials) there is no password in any input, output or state: the provider
calls AWS with the deployer's credentials (boto3's default chain), as the AWS provider does; see
:mod:`~jaya_pulumi.redshift.data_api`.

What happens on each operation:

- **create** -- ``CREATE SCHEMA IF NOT EXISTS`` and ``CREATE TABLE`` in one transaction (one
  ``BatchExecuteStatement`` over the Data API). If the table already exists it is adopted when it can be brought to the declared shape in place, replaced when ``allow_replace``,
  and otherwise refused.
- **diff/check** -- in-place changes (append a nullable column, widen a VARCHAR) are updates;
  destructive ones are replacements (delete before create) if ``allow_replace``, else an error.
- **delete** -- drops the table only if it is empty or ``drop_on_delete``; otherwise leaves it and logs so.
- **update** -- each in-place statement alone, outside a transaction block (Redshift refuses
  ``ALTER COLUMN ... TYPE`` inside one).
- **read** -- introspects the live columns (``information_schema``, or ``SVV_COLUMNS`` over the
  Data API), so ``pulumi refresh`` shows drift.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, cast

import pulumi
import pulumi.dynamic as dyn
from pulumi.runtime import rpc

from jaya_pulumi.errors import ConfigurationError, JayaError, TableMigrationError
from jaya_pulumi.redshift.connection import (
    DATA_API,
    DEFAULT_STATEMENT_TIMEOUT,
    DIALECTS,
    REDSHIFT_PORT,
    ConnectionSettings,
    check_secret_arn,
)
from jaya_pulumi.redshift.ddl import create_schema_ddl, create_table_ddl, drop_table_ddl
from jaya_pulumi.redshift.executor import Executor, open_executor
from jaya_pulumi.redshift.migrate import in_place_statements, plan_migration
from jaya_pulumi.redshift.spec import TableSpec

__all__ = ["TableProvider", "TableResource"]

logger = logging.getLogger(__name__)

_PROVIDER_KEY = "__provider"
_CONNECTION_REPLACES = ("host", "port", "database", "dialect", "workgroup", "cluster")
"""Connection properties that point at a different table, so changing them replaces it."""
_CONNECTION_UPDATES = ("user", "password", "sslmode", "secretArn", "region", "statementTimeout")
"""Connection properties that change how we log in, not which table: an update with no SQL."""
_OUTPUT_NAMES = {
    "tableName": "table_name",
    "allowReplace": "allow_replace",
    "dropOnDelete": "drop_on_delete",
    "qualifiedName": "qualified_name",
    "secretArn": "secret_arn",
    "statementTimeout": "statement_timeout",
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

    def _open(self, props: Mapping[str, Any]) -> Executor:
        return open_executor(props, self.connect_timeout)

    @staticmethod
    def _outs(props: Mapping[str, Any], spec: TableSpec, schema: str) -> dict[str, Any]:
        outs = {k: v for k, v in props.items() if k != _PROVIDER_KEY}
        outs.update(spec.to_props())
        outs["qualifiedName"] = f"{schema}.{spec.name}"
        return outs

    @staticmethod
    def _current_schema(executor: Executor, spec: TableSpec) -> str:
        return spec.schema if spec.schema is not None else executor.current_schema()

    # -- ResourceProvider ----------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        """Validate the table and connection properties, and refuse destructive changes early."""
        failures: list[dyn.CheckFailure] = []
        try:
            new = TableSpec.from_props(news)
        except JayaError as exc:
            return dyn.CheckResult(news, [dyn.CheckFailure("columns", str(exc))])
        known = {k: v for k, v in news.items() if v != rpc.UNKNOWN}
        data_api = any(k in news for k in ("workgroup", "cluster"))
        required = ("database",) if data_api else ("host", "database", "user")
        missing = [k for k in required if k in known and not known[k]]
        if missing:
            failures.extend(
                dyn.CheckFailure(k, f"table {new.qualified_name}: {k} is empty; set it")
                for k in missing
            )
        if data_api and known.get("password"):
            failures.append(
                dyn.CheckFailure(
                    "password",
                    f"table {new.qualified_name}: the Data API takes no password; remove it",
                )
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
            if key == "port" and not any(k in _news for k in ("workgroup", "cluster")):
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

        ``CREATE SCHEMA`` and ``CREATE TABLE`` run together, as do ``DROP`` and ``CREATE`` on a
        replace, so a failure leaves the database as it was.

        :raises TableMigrationError: if a differing table exists and ``allow_replace`` is False.
        """
        spec = TableSpec.from_props(props)
        executor = self._open(props)
        settings = executor.settings
        dialect = settings.dialect
        create = [create_table_ddl(spec, dialect)]
        if spec.schema is not None:
            create.insert(0, create_schema_ddl(spec.schema, dialect))
        try:
            if executor.table_exists(spec.schema, spec.name):
                live = executor.read_live_table(spec.schema, spec.name, like=spec)
                plan = plan_migration(live, spec)
                if not plan.destructive:
                    ran = in_place_statements(plan, spec, dialect)
                    for statement in ran:
                        executor.run_alone(statement)
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
                    executor.run_together([drop_table_ddl(spec, dialect), *create[-1:]])
                else:
                    raise TableMigrationError(
                        f"table {spec.qualified_name} already exists in {settings.describe()} "
                        f"and differs from the declared one: {'; '.join(plan.destructive)}. "
                        "Declare it as it is, set allow_replace=True to drop and recreate it "
                        "(its rows are lost), or drop it yourself."
                    )
            else:
                executor.run_together(create)
            schema = self._current_schema(executor, spec)
        finally:
            executor.close()
        return dyn.CreateResult(f"{schema}.{spec.name}", self._outs(props, spec, schema))

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> dyn.UpdateResult:
        """Apply in-place changes (ADD COLUMN, widen VARCHAR), each on its own outside a transaction."""
        old = TableSpec.from_props(_olds)
        new = TableSpec.from_props(_news)
        plan = plan_migration(old, new)
        executor = self._open(_news)
        try:
            ran = in_place_statements(plan, new, executor.settings.dialect)
            for statement in ran:
                executor.run_alone(statement)
            schema = self._current_schema(executor, new)
        finally:
            executor.close()
        if ran:
            logger.info("table %s: ran %s", new.qualified_name, "; ".join(ran))
        return dyn.UpdateResult(self._outs(_news, new, schema))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Drop the table if it is empty or ``drop_on_delete``; otherwise leave it and log that."""
        spec = TableSpec.from_props(_props)
        executor = self._open(_props)
        settings = executor.settings
        try:
            if not executor.table_exists(spec.schema, spec.name):
                logger.warning(
                    "table %s is already gone from %s", spec.qualified_name, settings.describe()
                )
                return
            if spec.drop_on_delete or executor.table_is_empty(spec):
                executor.run_alone(drop_table_ddl(spec, settings.dialect))
                logger.info("dropped table %s", spec.qualified_name)
                return
            logger.warning(
                "left table %s in place in %s: it still holds rows and drop_on_delete is False. "
                "Drop it yourself, or set drop_on_delete=True and run `pulumi up` before destroying.",
                spec.qualified_name,
                settings.describe(),
            )
        finally:
            executor.close()

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        """Read the live columns so ``pulumi refresh`` records drift; empty id if the table is gone."""
        spec = TableSpec.from_props(props)
        executor = self._open(props)
        try:
            if not executor.table_exists(spec.schema, spec.name):
                logger.warning(
                    "table %s no longer exists in %s",
                    spec.qualified_name,
                    executor.settings.describe(),
                )
                return dyn.ReadResult("", {})
            live = executor.read_live_table(spec.schema, spec.name, like=spec)
            schema = self._current_schema(executor, spec)
        finally:
            executor.close()
        return dyn.ReadResult(id_, self._outs(props, live, schema))


class TableResource(dyn.Resource):
    """A table managed by :class:`TableProvider`.

    Over SQL (``host``...) its password is always a Pulumi secret. Over the Data API
    (``workgroup`` or ``cluster``, with ``secret_arn`` or ``user``) it has no password at all.
    """

    table_name: pulumi.Output[str]
    """The table's name."""
    schema: pulumi.Output[str]
    """The table's schema (absent when the connection's default schema is used)."""
    columns: pulumi.Output[list[dict[str, Any]]]
    """The columns as ``{name, type, nullable, primaryKey, encode}`` dicts (live ones after refresh)."""
    qualified_name: pulumi.Output[str]
    """``schema.table`` as created; also the resource id."""
    password: pulumi.Output[str]
    """The login password, secret (SQL only)."""
    secret_arn: pulumi.Output[str]
    """The Secrets Manager secret the Data API logs in with (Data API only)."""

    def __init__(
        self,
        resource_name: str,
        spec: TableSpec,
        *,
        database: pulumi.Input[str],
        host: pulumi.Input[str] | None = None,
        user: pulumi.Input[str] | None = None,
        password: pulumi.Input[str] | None = None,
        port: pulumi.Input[int] = REDSHIFT_PORT,
        dialect: str = "redshift",
        sslmode: str | None = None,
        workgroup: pulumi.Input[str] | None = None,
        cluster: pulumi.Input[str] | None = None,
        secret_arn: pulumi.Input[str] | None = None,
        region: pulumi.Input[str] | None = None,
        statement_timeout: float | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare ``spec`` in the database at ``host:port/database``, or in a workgroup/cluster.

        :param resource_name: the Pulumi resource name.
        :param spec: the table, from :func:`~jaya_pulumi.redshift.spec.table_spec`.
        :param database: the database name.
        :param host: SQL: the server; with ``user`` and ``password``.
        :param password: SQL: made a secret here whatever is passed; never stored in plaintext.
        :param dialect: ``"redshift"`` or ``"postgresql"`` (a plain PostgreSQL, e.g. for tests).
        :param workgroup: Data API: the Redshift Serverless workgroup (needs ``secret_arn``).
        :param cluster: Data API: the provisioned cluster (``secret_arn``, or ``user`` for IAM
            temporary credentials).
        :param secret_arn: Data API: the Secrets Manager secret holding the login.
        :param region: Data API: the warehouse's region (default: the secret's, else boto3's).
        :param statement_timeout: Data API: seconds a statement may run (default
            :data:`~jaya_pulumi.redshift.connection.DEFAULT_STATEMENT_TIMEOUT`).
        :raises ConfigurationError: for a spec that is not a TableSpec, an unknown dialect, or a
            connection that mixes or lacks the SQL and Data API settings.
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
            "database": database,
            "dialect": dialect,
            "qualified_name": None,
        }
        secret_outputs: list[str] = []
        if workgroup is not None or cluster is not None:
            _check_data_api(resource_name, workgroup, cluster, secret_arn, user, host, password)
            for key, value in (
                ("workgroup", workgroup),
                ("cluster", cluster),
                ("secret_arn", secret_arn),
                ("user", user),
                ("region", region),
            ):
                if value is not None:
                    props[key] = value
            props["statement_timeout"] = (
                DEFAULT_STATEMENT_TIMEOUT if statement_timeout is None else float(statement_timeout)
            )
        else:
            missing = [
                k for k, v in (("host", host), ("user", user), ("password", password)) if v is None
            ]
            if missing or secret_arn is not None:
                raise ConfigurationError(
                    f"TableResource {resource_name!r} "
                    + (
                        f"lacks {', '.join(missing)}; give host, user and password (SQL), or "
                        if missing
                        else "has secret_arn but no workgroup or cluster; give "
                    )
                    + "workgroup or cluster with secret_arn (the Redshift Data API)"
                )
            props.update(
                host=host,
                port=port,
                user=user,
                password=pulumi.Output.secret(cast("pulumi.Input[str]", password)),
            )
            if sslmode is not None:
                props["sslmode"] = sslmode
            secret_outputs.append("password")
        super().__init__(
            TableProvider(),
            resource_name,
            props,
            pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=secret_outputs)
            ),
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
        if connection.executor == DATA_API:
            return cls(
                resource_name,
                spec,
                database=connection.database,
                workgroup=connection.workgroup,
                cluster=connection.cluster,
                secret_arn=connection.secret_arn,
                user=connection.user or None,
                region=connection.region,
                statement_timeout=connection.statement_timeout,
                dialect=connection.dialect,
                opts=opts,
            )
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


def _check_data_api(
    resource_name: str,
    workgroup: object,
    cluster: object,
    secret_arn: object,
    user: object,
    host: object,
    password: object,
) -> None:
    """Refuse a Data API table whose settings are mixed or incomplete, naming the argument."""
    where = f"TableResource {resource_name!r}"
    if workgroup is not None and cluster is not None:
        raise ConfigurationError(f"{where} has workgroup and cluster; give one")
    if host is not None or password is not None:
        raise ConfigurationError(
            f"{where} targets a {'workgroup' if workgroup is not None else 'cluster'} through the "
            f"Data API and has {'host' if host is not None else 'password'}; remove it (the Data "
            "API logs in with secret_arn or IAM temporary credentials)"
        )
    if secret_arn is not None and user is not None:
        raise ConfigurationError(f"{where} has secret_arn and user; give one")
    if workgroup is not None and secret_arn is None:
        raise ConfigurationError(f"{where} has a workgroup but no secret_arn; give secret_arn")
    if cluster is not None and secret_arn is None and user is None:
        raise ConfigurationError(f"{where} has a cluster but neither secret_arn nor user; give one")
    if isinstance(secret_arn, str):
        check_secret_arn(secret_arn, where)
