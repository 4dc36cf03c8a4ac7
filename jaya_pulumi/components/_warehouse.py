"""``jaya:redshift:Serverless``: a Redshift Serverless namespace and workgroup Firehose can reach.

The namespace keeps its admin password in Secrets Manager (``manage_admin_password``: no password
is an input anywhere). The workgroup runs in the default VPC with a security group of its own that
allows TCP on its port from the region's Firehose address block only (:data:`FIREHOSE_CIDRS`),
because Firehose reaches Redshift over a public endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from jaya_pulumi.components._aws import aws
from jaya_pulumi.components._firehose import FIREHOSE_CIDRS, FIREHOSE_CIDRS_SOURCE
from jaya_pulumi.dsl import RedshiftServerless, WarehouseRef
from jaya_pulumi.errors import ConfigurationError

__all__ = ["ADMIN_USERNAME", "ServerlessWarehouse"]

ADMIN_USERNAME = "admin"
"""The namespace's admin user; its password lives in the secret Redshift manages."""


class ServerlessWarehouse(pulumi.ComponentResource):
    """The namespace, workgroup, security group and Firehose ingress rule of one warehouse."""

    namespace: aws.redshiftserverless.Namespace
    """The namespace (database, admin user, managed admin secret)."""
    workgroup: aws.redshiftserverless.Workgroup
    """The workgroup (compute and endpoint)."""
    security_group: aws.ec2.SecurityGroup
    """The workgroup's security group."""
    ingress: aws.vpc.SecurityGroupIngressRule
    """TCP on the workgroup's port from the region's Firehose CIDR."""
    secret_arn: pulumi.Output[str]
    """The ARN of the admin secret Redshift manages in Secrets Manager."""
    workgroup_name: pulumi.Output[str]
    """The workgroup's name, as created (depending on it orders a Table after the workgroup)."""
    address: pulumi.Output[str]
    """The workgroup endpoint's host name."""
    port: pulumi.Output[int]
    """The workgroup endpoint's port."""

    def __init__(
        self,
        name: str,
        node: RedshiftServerless,
        *,
        namespace_name: str,
        workgroup_name: str,
        region: str | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Create ``node``'s warehouse.

        :param name: the component's logical name.
        :param node: the declaration (database, capacity, public access).
        :param namespace_name: the namespace's physical name (``{stack}`` expanded).
        :param workgroup_name: the workgroup's physical name.
        :param region: the warehouse's region (picks the Firehose CIDR).
        :param opts: resource options.
        :raises ConfigurationError: the region has no known Firehose CIDR.
        """
        super().__init__("jaya:redshift:Serverless", name, None, opts)
        self.node = node
        """The declaration."""
        cidr = FIREHOSE_CIDRS.get(region or "")
        if cidr is None:
            raise ConfigurationError(
                f"{node.label} is in region {region!r}, which has no known Firehose address block "
                f"(see {FIREHOSE_CIDRS_SOURCE}); set aws:region or region_name to one of "
                f"{', '.join(sorted(FIREHOSE_CIDRS))}."
            )
        child = pulumi.ResourceOptions(parent=self)
        self.namespace = aws.redshiftserverless.Namespace(
            f"{name}-namespace",
            namespace_name=namespace_name,
            db_name=node.database,
            admin_username=ADMIN_USERNAME,
            manage_admin_password=True,
            opts=child,
        )
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            name=f"{workgroup_name}-firehose",
            description=f"Redshift Serverless workgroup {workgroup_name}: Firehose (jaya_pulumi)",
            opts=child,
        )
        self.workgroup = aws.redshiftserverless.Workgroup(
            f"{name}-workgroup",
            namespace_name=self.namespace.namespace_name,
            workgroup_name=workgroup_name,
            base_capacity=node.base_capacity,
            publicly_accessible=node.publicly_accessible,
            port=node.port,
            security_group_ids=[self.security_group.id],
            opts=child,
        )
        self.ingress = aws.vpc.SecurityGroupIngressRule(
            f"{name}-firehose-ingress",
            security_group_id=self.security_group.id,
            cidr_ipv4=cidr,
            ip_protocol="tcp",
            from_port=node.port,
            to_port=node.port,
            description=f"Kinesis Data Firehose in {region} ({FIREHOSE_CIDRS_SOURCE})",
            opts=child,
        )
        self.secret_arn = self.namespace.admin_password_secret_arn
        self.workgroup_name = self.workgroup.workgroup_name
        endpoint = self.workgroup.endpoints.apply(lambda found: _first_endpoint(found, node.port))
        self.address = endpoint.apply(lambda e: e[0])
        self.port = endpoint.apply(lambda e: e[1])
        self.register_outputs(
            {
                "namespace": self.namespace.namespace_name,
                "workgroup": self.workgroup_name,
                "secret_arn": self.secret_arn,
                "address": self.address,
                "port": self.port,
                "ingress_cidr": cidr,
            }
        )

    def resolve(self, ref: WarehouseRef) -> pulumi.Output[str]:
        """The deploy-time value ``ref`` stands for: the workgroup's name or the secret's ARN."""
        if ref.attribute == "workgroup":
            return self.workgroup_name
        if ref.attribute == "secret-arn":
            return self.secret_arn
        raise ValueError(f"{ref!r} names no value of {self.node.label}")

    @property
    def summary(self) -> dict[str, Any]:
        """Plain and Output values for the stack's outputs."""
        return {
            "namespace": self.namespace.namespace_name,
            "workgroup": self.workgroup_name,
            "secret_arn": self.secret_arn,
            "endpoint": pulumi.Output.concat(self.address, ":", self.port.apply(str)),
        }


def _first_endpoint(endpoints: Sequence[Any] | None, default_port: int) -> tuple[str, int]:
    """``(address, port)`` of a workgroup's first endpoint (objects or dicts, as outputs come)."""
    if not endpoints:
        return "", default_port
    first = endpoints[0]
    if isinstance(first, Mapping):
        address, port = first.get("address"), first.get("port")
    else:
        address, port = getattr(first, "address", None), getattr(first, "port", None)
    return str(address or ""), int(port) if port else default_port
