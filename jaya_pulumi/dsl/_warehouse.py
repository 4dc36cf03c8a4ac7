"""``RedshiftServerless``: a Serverless namespace and workgroup declared beside the pipeline.

It is not a node of the ``>>`` graph. Its :attr:`RedshiftServerless.db_conf` feeds ``Table`` and
``Firehose.for_table``; values only known once the warehouse exists (the admin secret's ARN, the
workgroup as created) are :class:`WarehouseRef` objects that the builder resolves at deploy time,
and a pipeline finds its warehouses through them (:func:`warehouses_in`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jaya_pulumi.dsl._s3 import STACK_PLACEHOLDER, check_region
from jaya_pulumi.errors import PipelineDefinitionError

__all__ = [
    "REDSHIFT_SERVERLESS_PORT",
    "RedshiftServerless",
    "WarehouseRef",
    "checkable",
    "resolve_refs",
    "warehouses_in",
]

REDSHIFT_SERVERLESS_PORT = 5439
"""The port a workgroup listens on (Redshift's default)."""

_NAME = re.compile(r"^[a-z0-9-]{3,64}$")
_DATABASE = re.compile(r"^[a-z_][a-z0-9_$]{0,126}$")


@dataclass(frozen=True, eq=False)
class WarehouseRef:
    """A value of a :class:`RedshiftServerless` known once it is deployed.

    ``attribute`` is ``"workgroup"`` (the workgroup's name, as created) or ``"secret-arn"`` (the
    ARN of the admin secret Redshift keeps in Secrets Manager).
    """

    warehouse: RedshiftServerless
    """The warehouse the value belongs to."""
    attribute: str
    """Which value: ``"workgroup"`` or ``"secret-arn"``."""

    def __repr__(self) -> str:
        return f"{self.warehouse.label}.db_conf[{self.attribute!r}]"


class RedshiftServerless:
    """A Redshift Serverless namespace and workgroup that Firehose can reach.

    The namespace keeps its admin password in Secrets Manager (``manage_admin_password``); the
    workgroup gets a security group that allows the region's Firehose address block on its port.

    :param namespace: the namespace's name (3 to 64 lowercase letters, digits, hyphens; ``{stack}``
        expands).
    :param workgroup: the workgroup's name (same rules).
    :param database: the database created in the namespace.
    :param base_capacity: Redshift Processing Units, 8 to 1024 in steps of 8.
    :param publicly_accessible: Firehose reaches Redshift over a public endpoint, so ``True``
        unless the stream does not load it.
    :param region_name: the region; ``None`` means the stack's.
    """

    kind = "RedshiftServerless"
    """The family of the declaration (drawn beside the tables)."""

    def __init__(
        self,
        namespace: str,
        workgroup: str,
        database: str = "dev",
        base_capacity: int = 8,
        publicly_accessible: bool = True,
        *,
        region_name: str | None = None,
    ) -> None:
        for what, value in (("namespace", namespace), ("workgroup", workgroup)):
            probe = value.replace(STACK_PLACEHOLDER, "stack") if isinstance(value, str) else value
            if not isinstance(probe, str) or not _NAME.match(probe):
                raise PipelineDefinitionError(
                    f"RedshiftServerless {what} {value!r} must be 3 to 64 lowercase letters, "
                    "digits or hyphens (Redshift Serverless names)."
                )
        self.namespace: str = namespace
        """The namespace's name as written."""
        self.workgroup: str = workgroup
        """The workgroup's name as written."""
        if not isinstance(database, str) or not _DATABASE.match(database):
            raise PipelineDefinitionError(
                f"database {database!r} of {self.label} must be a lowercase Redshift database "
                "name: a letter or '_' first, then letters, digits, '_' or '$'."
            )
        self.database: str = database
        """The database created in the namespace."""
        if (
            isinstance(base_capacity, bool)
            or not isinstance(base_capacity, int)
            or not 8 <= base_capacity <= 1024
            or base_capacity % 8
        ):
            raise PipelineDefinitionError(
                f"base_capacity={base_capacity!r} of {self.label} must be 8 to 1024 RPUs in steps "
                "of 8 (Redshift Serverless base capacity)."
            )
        self.base_capacity: int = base_capacity
        """Redshift Processing Units."""
        if not isinstance(publicly_accessible, bool):
            raise PipelineDefinitionError(
                f"publicly_accessible of {self.label} must be True or False."
            )
        self.publicly_accessible: bool = publicly_accessible
        """Whether the workgroup has a public endpoint (Firehose needs one)."""
        self.region_name: str | None = check_region(region_name)
        """The region, or ``None`` for the stack's."""
        self.port: int = REDSHIFT_SERVERLESS_PORT
        """The workgroup's port."""

    @property
    def key(self) -> str:
        """The workgroup's name as written."""
        return self.workgroup

    @property
    def label(self) -> str:
        """How the warehouse is named in messages and pictures."""
        return f"RedshiftServerless({self.workgroup!r})"

    @property
    def db_conf(self) -> dict[str, Any]:
        """The Serverless ``db_conf`` for ``Table`` and ``Firehose.for_table``.

        ``{"db-name": database, "workgroup": ..., "secret-arn": ...}``, the last two resolved when
        the warehouse is deployed (the Table is then created after the workgroup).
        """
        conf: dict[str, Any] = {
            "db-name": self.database,
            "workgroup": WarehouseRef(self, "workgroup"),
            "secret-arn": WarehouseRef(self, "secret-arn"),
        }
        if self.region_name is not None:
            conf["region"] = self.region_name
        return conf

    def __repr__(self) -> str:
        return f"RedshiftServerless({self.namespace!r}, {self.workgroup!r})"


def warehouses_in(confs: Iterable[Mapping[str, Any]]) -> tuple[RedshiftServerless, ...]:
    """The warehouses whose values appear in ``confs``, each once, in order of appearance."""
    found: dict[int, RedshiftServerless] = {}
    for conf in confs:
        for value in conf.values():
            if isinstance(value, WarehouseRef):
                found.setdefault(id(value.warehouse), value.warehouse)
    return tuple(found.values())


def resolve_refs(conf: Mapping[str, Any], resolve: Any) -> dict[str, Any]:
    """``conf`` with each :class:`WarehouseRef` replaced by ``resolve(ref)``."""
    return {k: resolve(v) if isinstance(v, WarehouseRef) else v for k, v in conf.items()}


def checkable(conf: Mapping[str, Any]) -> dict[str, Any]:
    """``conf`` with each :class:`WarehouseRef` standing as a deferred value for the form check."""
    for key, value in conf.items():
        if isinstance(value, WarehouseRef) and key != value.attribute:
            raise PipelineDefinitionError(
                f"db_conf[{key!r}] is {value!r}, which is the warehouse's {value.attribute!r}; "
                f"use {value.warehouse.label}.db_conf as it is."
            )
    from jaya_pulumi.redshift.connection import DEFERRED

    return resolve_refs(conf, lambda _ref: DEFERRED)
