"""``jaya:redshift:Table``: a table created, migrated and dropped by jaya's dynamic table provider."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import pulumi

from jaya_pulumi.dsl import ConfigSecret, Table
from jaya_pulumi.redshift.connection import ConnectionSettings, db_conf_form
from jaya_pulumi.redshift.provider import TableResource

__all__ = ["RedshiftTable", "secret_input"]


def secret_input(value: object) -> pulumi.Output[str]:
    """A password given as a string, a ``pulumi.Output`` or a :class:`ConfigSecret`, as a secret."""
    if isinstance(value, ConfigSecret):
        namespace, _, key = value.key.rpartition(":")
        return pulumi.Config(namespace or None).require_secret(key)
    return pulumi.Output.secret(cast("pulumi.Input[str]", value))


class RedshiftTable(pulumi.ComponentResource):
    """A table created, migrated and (when empty or allowed) dropped by jaya's table provider."""

    resource: TableResource
    """The dynamic resource that owns the table."""
    qualified_name: pulumi.Output[str]
    """``schema.table`` as created."""

    def __init__(
        self,
        name: str,
        node: Table,
        opts: pulumi.ResourceOptions | None = None,
        *,
        db_conf: Mapping[str, Any] | None = None,
    ) -> None:
        """Declare ``node``'s table in the database its ``db_conf`` names.

        A Data API ``db_conf`` (``workgroup`` or ``cluster``) registers no password input at all.

        :param name: the component's logical name.
        :param node: the table node.
        :param opts: resource options.
        :param db_conf: ``node.db_conf`` with deploy-time values resolved (a
            ``RedshiftServerless``'s workgroup and secret as Outputs); default ``node.db_conf``.
        """
        super().__init__("jaya:redshift:Table", name, None, opts)
        self.node: Table = node
        """The table node (its spec decides the default COPY options of streams loading it)."""
        conf = node.db_conf if db_conf is None else db_conf
        form = db_conf_form(conf, f"db_conf of Table({node.table_name!r})")
        if form not in ("url", "password"):
            # the Data API: no password exists, so none is registered (secret-arn may be an Output)
            timeout = conf.get("statement-timeout")
            self.resource = TableResource(
                name,
                node.spec,
                database=conf["db-name"],
                workgroup=conf.get("workgroup"),
                cluster=conf.get("cluster"),
                secret_arn=conf.get("secret-arn"),
                user=conf.get("db-user"),
                region=conf.get("region"),
                statement_timeout=None if timeout is None else float(timeout),
                opts=pulumi.ResourceOptions(parent=self),
            )
        else:
            if form == "url":
                settings = ConnectionSettings.from_url(str(conf["url"]))
                password: object = conf.get("db-passwd", settings.password)
            else:
                settings = ConnectionSettings.from_db_conf({**conf, "db-passwd": ""})
                password = conf["db-passwd"]
            self.resource = TableResource(
                name,
                node.spec,
                host=settings.host,
                port=settings.port,
                database=settings.database,
                user=settings.user,
                password=secret_input(password),
                dialect=settings.dialect,
                sslmode=settings.sslmode,
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.qualified_name = self.resource.qualified_name
        self.register_outputs({"qualified_name": self.qualified_name})
