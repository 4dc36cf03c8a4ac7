"""``Table``, the seed's Redshift table node, and ``ConfigSecret``, a password read from stack config."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from jaya_pulumi.dsl._chain import Node
from jaya_pulumi.dsl._warehouse import checkable
from jaya_pulumi.errors import ConfigurationError, PipelineDefinitionError

if TYPE_CHECKING:
    from jaya_pulumi.redshift.spec import TableSpec

__all__ = ["ConfigSecret", "Table", "check_db_conf", "check_secret"]


@dataclass(frozen=True)
class ConfigSecret:
    """A secret read from the stack's config at deploy time (``pulumi config set --secret KEY``).

    :param key: the config key, ``"name"`` in the project's namespace or ``"namespace:name"``.
    """

    key: str
    """The config key."""

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key or self.key.count(":") > 1:
            raise PipelineDefinitionError(
                f"ConfigSecret({self.key!r}) needs a config key such as 'dbPassword' or "
                "'myproject:dbPassword'."
            )


def check_secret(value: object, what: str) -> object:
    """Accept a string, a ``ConfigSecret`` or a ``pulumi.Output`` (anything with ``apply``)."""
    if isinstance(value, (str, ConfigSecret)) or hasattr(value, "apply"):
        if isinstance(value, str) and not value:
            raise PipelineDefinitionError(f"The {what} is empty.")
        return value
    raise PipelineDefinitionError(
        f"The {what} must be a string, a pulumi.Output or ConfigSecret('key') (read with "
        f"`pulumi config set --secret key ...`), got {type(value).__name__}."
    )


def check_db_conf(db_conf: object, where: str) -> str:
    """Check a ``db_conf`` of any form at graph build and name its form.

    The forms: the seed's ``{'db-name', 'db-user', 'db-passwd', 'db-server'}``, ``{'url'}``, and
    for the Redshift Data API ``{'db-name', 'workgroup', 'secret-arn'}`` (Serverless),
    ``{'db-name', 'cluster', 'secret-arn'}`` and ``{'db-name', 'cluster', 'db-user'}`` (IAM
    temporary credentials). Values known only at deploy time (a ``pulumi.Output``, or a
    ``RedshiftServerless``'s ``db_conf`` values) pass; plain values are checked.

    :param where: the node, as messages name it, e.g. ``"Table('events')"``.
    :returns: the form's name: ``password``, ``url``, ``serverless``, ``cluster-secret`` or
        ``cluster-iam``.
    :raises PipelineDefinitionError: naming the node and the missing, mixed or malformed key.
    """
    from jaya_pulumi.redshift.connection import db_conf_form

    if not isinstance(db_conf, Mapping):
        raise PipelineDefinitionError(
            f"{where} needs db_conf as a dict: {{'db-name', 'db-user', 'db-passwd', 'db-server'}}, "
            "{'url': 'postgresql://...'}, {'db-name', 'workgroup', 'secret-arn'}, "
            "{'db-name', 'cluster', 'secret-arn'} or {'db-name', 'cluster', 'db-user'}."
        )
    try:
        form = db_conf_form(checkable(db_conf), f"db_conf of {where}")
    except ConfigurationError as exc:
        raise PipelineDefinitionError(str(exc)) from None
    if form == "password":
        check_secret(db_conf["db-passwd"], f"db-passwd of {where}")
    return form


class Table(Node):
    """A Redshift table described with SQLAlchemy columns; created and migrated on deploy.

    :param db_conf: connection settings: the seed's ``{'db-name', 'db-user', 'db-passwd',
        'db-server'}`` or ``{'url': 'postgresql://...'}`` (``db-passwd`` may be a string,
        a ``pulumi.Output`` or ``ConfigSecret("key")``), or a Redshift Data API form:
        ``{'db-name', 'workgroup', 'secret-arn'}``, ``{'db-name', 'cluster', 'secret-arn'}``,
        ``{'db-name', 'cluster', 'db-user'}``, such as ``RedshiftServerless(...).db_conf``
        (see :func:`check_db_conf`).
    :param table_name: the table's name.
    :param columns: ``sqlalchemy.Column`` objects.
    :param schema: the schema (created when missing); ``None`` for the default.
    :param redshift_diststyle: ``EVEN``, ``KEY``, ``ALL`` or ``AUTO``.
    :param redshift_distkey: the distribution key column.
    :param redshift_sortkey: sort key column(s).
    :param allow_replace: let a destructive change drop and re-create the table.
    :param drop_on_delete: drop the table on ``pulumi destroy`` even when it holds rows.
    """

    kind: ClassVar[str] = "Table"

    def __init__(
        self,
        db_conf: Mapping[str, Any],
        table_name: str,
        *columns: Any,
        schema: str | None = None,
        redshift_diststyle: str | None = None,
        redshift_distkey: str | None = None,
        redshift_sortkey: str | Sequence[str] | None = None,
        allow_replace: bool = False,
        drop_on_delete: bool = False,
        **options: Any,
    ) -> None:
        from jaya_pulumi.redshift.spec import table_spec

        form = check_db_conf(db_conf, f"Table({table_name!r})")
        if not columns:
            raise PipelineDefinitionError(
                f"Table({table_name!r}) has no columns; pass sqlalchemy.Column('name', sa.String), ..."
            )
        self.db_conf: dict[str, Any] = dict(db_conf)
        """Connection settings."""
        self.form: str = form
        """The ``db_conf`` form: ``password``, ``url``, ``serverless``, ``cluster-secret`` or
        ``cluster-iam`` (see :func:`check_db_conf`)."""
        self.spec: TableSpec = table_spec(
            table_name,
            columns,
            schema=schema,
            redshift_diststyle=redshift_diststyle,
            redshift_distkey=redshift_distkey,
            redshift_sortkey=redshift_sortkey,
            allow_replace=allow_replace,
            drop_on_delete=drop_on_delete,
            **options,
        )
        """The table as plain data (columns, keys, layout)."""

    @property
    def table_name(self) -> str:
        """The table's name."""
        return self.spec.name

    @property
    def schema(self) -> str | None:
        """The table's schema."""
        return self.spec.schema

    @property
    def column_names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(c.name for c in self.spec.columns)

    @property
    def key(self) -> str:
        """``schema.table`` or ``table``."""
        return f"{self.schema}.{self.table_name}" if self.schema else self.table_name

    @property
    def dialect(self) -> str:
        """``redshift``, or ``postgresql`` when ``db_conf`` has a ``postgresql://`` URL."""
        from jaya_pulumi.redshift.connection import dialect_for_url

        url = self.db_conf.get("url")
        return dialect_for_url(str(url)) if url else "redshift"

    def ddl(self, dialect: str | None = None) -> str:
        """The ``CREATE TABLE`` statement, compiled for ``dialect`` (default: the connection's)."""
        from jaya_pulumi.redshift.ddl import create_table_ddl

        return create_table_ddl(self.spec, dialect or self.dialect)
