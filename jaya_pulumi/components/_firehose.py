"""``jaya:aws:Firehose``: a delivery stream that loads a Redshift table (``jaya:redshift:Table``: ``_table.py``).

The stream stages records in its own holding bucket (the same secure defaults as every bucket),
logs delivery errors to its own log group, and runs ``COPY`` with a role that may touch only that
bucket (and prefix) and that log group. The stream encrypts what it buffers with an AWS-owned key.
The stream is created after its table.

Firehose reaches a provisioned cluster over the internet from a fixed address block per region, so
the cluster must be publicly accessible and allow that block on its port. jaya_pulumi does not own
the cluster; each stream exports what the cluster needs (:func:`cluster_access`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from jaya_pulumi.components._aws import aws
from jaya_pulumi.components._bucket import Bucket
from jaya_pulumi.components._table import RedshiftTable, secret_input
from jaya_pulumi.dsl import Firehose, WarehouseRef

__all__ = [
    "FIREHOSE_CIDRS",
    "FIREHOSE_CIDRS_SOURCE",
    "FirehoseStream",
    "cluster_access",
    "error_prefix",
]

FIREHOSE_CIDRS_SOURCE = (
    "https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-rs-vpc"
)
"""Where :data:`FIREHOSE_CIDRS` comes from: the Firehose Developer Guide, "Controlling access",
section "VPC access to an Amazon Redshift cluster"."""

FIREHOSE_CIDRS: Mapping[str, str] = {
    "us-east-1": "52.70.63.192/27",
    "us-east-2": "13.58.135.96/27",
    "us-west-1": "13.57.135.192/27",
    "us-west-2": "52.89.255.224/27",
    "us-gov-east-1": "18.253.138.96/27",
    "us-gov-west-1": "52.61.204.160/27",
    "ca-central-1": "35.183.92.128/27",
    "ap-east-1": "18.162.221.32/27",
    "ap-south-1": "13.232.67.32/27",
    "ap-northeast-1": "13.113.196.224/27",
    "ap-northeast-2": "13.209.1.64/27",
    "ap-northeast-3": "13.208.177.192/27",
    "ap-southeast-1": "13.228.64.192/27",
    "ap-southeast-2": "13.210.67.224/27",
    "cn-north-1": "52.81.151.32/27",
    "cn-northwest-1": "161.189.23.64/27",
    "eu-central-1": "35.158.127.160/27",
    "eu-west-1": "52.19.239.192/27",
    "eu-west-2": "18.130.1.96/27",
    "eu-west-3": "35.180.1.96/27",
    "eu-north-1": "13.53.63.224/27",
    "eu-south-1": "15.161.135.128/27",
    "me-south-1": "15.185.91.0/27",
    "sa-east-1": "18.228.1.128/27",
    "af-south-1": "13.244.121.224/27",
}
"""The address block Firehose delivers to Redshift from, per region (one /27 each); source:
:data:`FIREHOSE_CIDRS_SOURCE`."""


def cluster_access(node: Firehose, region: str | None) -> dict[str, Any]:
    """What the Redshift cluster ``node`` loads must allow so that Firehose can reach it.

    :param node: the Firehose node (its host and port).
    :param region: the stream's region, or ``None`` when the stack sets no ``aws:region``.
    :returns: plain data for the stack's outputs: ``host``, ``port``, ``publicly_accessible``
        (always ``True``), ``region``, ``ingress_cidr`` (``None`` when the region is unknown or not
        in :data:`FIREHOSE_CIDRS`), ``source`` and a one-line ``rule``.
    """
    cidr = FIREHOSE_CIDRS.get(region) if region else None
    where = (
        cidr or f"Firehose's CIDR for {region or 'the stream region'} (see {FIREHOSE_CIDRS_SOURCE})"
    )
    conf = node.db_conf or {}
    if node.host is not None:
        target = f"the cluster at {node.host}"
    elif isinstance(conf.get("workgroup"), WarehouseRef):
        target = f"the workgroup of {conf['workgroup'].warehouse.label} (jaya_pulumi adds the rule)"
    elif "workgroup" in conf:
        target = f"workgroup {conf['workgroup']!r}"
    else:
        target = f"cluster {conf.get('cluster')!r}"
    return {
        "host": node.host,
        "port": node.port or 5439,
        "publicly_accessible": True,
        "region": region,
        "ingress_cidr": cidr,
        "source": FIREHOSE_CIDRS_SOURCE,
        "rule": (
            f"make {target} publicly accessible and let its security group "
            f"allow TCP {node.port or 5439} from {where}"
        ),
    }


def error_prefix(prefix: str) -> str:
    """Where Firehose puts records COPY rejected: ``<prefix>/errors/`` in the holding bucket."""
    return f"{prefix.rstrip('/')}/errors/" if prefix else "errors/"


@dataclass(frozen=True)
class _Login:
    """How a stream reaches and logs in to Redshift."""

    jdbc_url: pulumi.Input[str]
    username: str | None = None
    password: pulumi.Output[str] | None = None
    secret_arn: pulumi.Input[str] | None = None


class FirehoseStream(pulumi.ComponentResource):
    """A Firehose delivery stream with a Redshift destination, its holding bucket, role and logs."""

    stream: aws.kinesis.FirehoseDeliveryStream
    """The delivery stream."""
    holding: Bucket
    """The intermediate bucket Firehose stages records in."""
    role: aws.iam.Role
    """The delivery role (the holding bucket and the log group only)."""
    log_group: aws.cloudwatch.LogGroup
    """``/aws/kinesisfirehose/<stream>``: delivery errors."""
    arn: pulumi.Output[str]
    """The stream's ARN."""
    name: pulumi.Output[str]
    """The stream's physical name."""
    access: dict[str, Any]
    """What the cluster must allow for Firehose to reach it (see :func:`cluster_access`)."""

    def __init__(
        self,
        name: str,
        *,
        node: Firehose,
        stream_name: str,
        role_name: str,
        holding_bucket: str,
        account_id: pulumi.Input[str],
        table: RedshiftTable,
        data_table_name: str,
        columns: Sequence[str],
        resolve: Callable[[WarehouseRef], Any] | None = None,
        endpoint: tuple[pulumi.Input[str], pulumi.Input[int]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Create the stream ``stream_name`` loading ``data_table_name`` through ``table``.

        :param name: the component's logical name.
        :param node: the Firehose node (buffering, prefix, copy options, database).
        :param stream_name: the stream's physical name.
        :param role_name: the delivery role's physical name.
        :param holding_bucket: the holding bucket's physical name.
        :param account_id: the account (the role trusts Firehose for this account only).
        :param table: the table component; the stream is created after it.
        :param data_table_name: ``schema.table`` COPY loads.
        :param columns: the column list COPY loads.
        :param resolve: gives the deploy-time value of a ``RedshiftServerless``'s ``db_conf``
            entry (the secret's ARN, the workgroup's name).
        :param endpoint: the warehouse's ``(host, port)`` when jaya_pulumi creates it; otherwise
            a workgroup's or cluster's endpoint is looked up at deploy time.
        :param opts: resource options.
        """
        super().__init__("jaya:aws:Firehose", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.holding = Bucket(f"{name}-holding", holding_bucket, opts=child)
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/kinesisfirehose/{stream_name}",
            retention_in_days=14,
            opts=child,
        )
        log_stream = aws.cloudwatch.LogStream(
            f"{name}-redshift-delivery",
            log_group_name=self.log_group.name,
            name="RedshiftDelivery",
            opts=child,
        )
        s3_log_stream = aws.cloudwatch.LogStream(
            f"{name}-s3-delivery", log_group_name=self.log_group.name, name="S3Delivery", opts=child
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            name=role_name,
            assume_role_policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "firehose.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"sts:ExternalId": account_id}},
                        }
                    ],
                }
            ),
            description=f"Delivery role of Firehose stream {stream_name} (jaya_pulumi)",
            opts=child,
        )
        bucket_arn = self.holding.arn
        objects = pulumi.Output.concat(bucket_arn, "/", node.prefix, "*")
        login = self._login(node, resolve, endpoint)
        secret_grants: list[dict[str, Any]] = []
        if login.secret_arn is not None:
            secret_grants.append(
                {
                    "Sid": "LoginSecret",
                    "Effect": "Allow",
                    "Action": ["secretsmanager:GetSecretValue"],
                    "Resource": [login.secret_arn],
                }
            )
        policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=self.role.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "HoldingBucket",
                            "Effect": "Allow",
                            "Action": [
                                "s3:GetBucketLocation",
                                "s3:ListBucket",
                                "s3:ListBucketMultipartUploads",
                            ],
                            "Resource": [bucket_arn],
                        },
                        {
                            "Sid": "HoldingObjects",
                            "Effect": "Allow",
                            "Action": ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
                            "Resource": [objects],
                        },
                        {
                            "Sid": "DeliveryLogs",
                            "Effect": "Allow",
                            "Action": ["logs:PutLogEvents"],
                            "Resource": [pulumi.Output.concat(self.log_group.arn, ":*")],
                        },
                        *secret_grants,
                    ],
                }
            ),
            opts=child,
        )
        k = aws.kinesis
        self.stream = k.FirehoseDeliveryStream(
            name,
            name=stream_name,
            destination="redshift",
            server_side_encryption=k.FirehoseDeliveryStreamServerSideEncryptionArgs(
                enabled=True, key_type="AWS_OWNED_CMK"
            ),
            redshift_configuration=k.FirehoseDeliveryStreamRedshiftConfigurationArgs(
                role_arn=self.role.arn,
                cluster_jdbcurl=login.jdbc_url,
                username=login.username,
                password=login.password,
                secrets_manager_configuration=(
                    None
                    if login.secret_arn is None
                    else k.FirehoseDeliveryStreamRedshiftConfigurationSecretsManagerConfigurationArgs(
                        enabled=True, secret_arn=login.secret_arn, role_arn=self.role.arn
                    )
                ),
                data_table_name=data_table_name,
                data_table_columns=",".join(columns),
                copy_options=node.copy_options_for(table.node),
                cloudwatch_logging_options=k.FirehoseDeliveryStreamRedshiftConfigurationCloudwatchLoggingOptionsArgs(
                    enabled=True,
                    log_group_name=self.log_group.name,
                    log_stream_name=log_stream.name,
                ),
                s3_configuration=k.FirehoseDeliveryStreamRedshiftConfigurationS3ConfigurationArgs(
                    role_arn=self.role.arn,
                    bucket_arn=bucket_arn,
                    prefix=node.prefix or None,
                    error_output_prefix=error_prefix(node.prefix),
                    buffering_interval=node.buffering_interval_seconds,
                    buffering_size=node.buffering_size_mb,
                    compression_format="GZIP" if node.gzip else "UNCOMPRESSED",
                    cloudwatch_logging_options=k.FirehoseDeliveryStreamRedshiftConfigurationS3ConfigurationCloudwatchLoggingOptionsArgs(
                        enabled=True,
                        log_group_name=self.log_group.name,
                        log_stream_name=s3_log_stream.name,
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[table.resource, policy]),
        )
        self.secret_arn: pulumi.Input[str] | None = login.secret_arn
        """The secret the stream logs in with, or ``None`` (a user and password)."""
        self.arn = self.stream.arn
        self.name = self.stream.name
        self.access = cluster_access(node, node.region_name or pulumi.Config("aws").get("region"))
        self.register_outputs(
            {
                "name": self.name,
                "arn": self.arn,
                "role_arn": self.role.arn,
                "cluster_access": self.access,
            }
        )

    def _login(
        self,
        node: Firehose,
        resolve: Callable[[WarehouseRef], Any] | None,
        endpoint: tuple[pulumi.Input[str], pulumi.Input[int]] | None,
    ) -> _Login:
        """The JDBC URL and credentials: a user and password, or a Secrets Manager secret."""
        secret = node.secret_arn
        if secret is None:
            return _Login(
                jdbc_url=f"jdbc:redshift://{node.host}:{node.port}/{node.database_name}",
                username=node.user_name,
                password=secret_input(node.user_password),
            )

        def value(raw: Any) -> Any:
            if isinstance(raw, WarehouseRef):
                if resolve is None:
                    raise ValueError(f"{raw!r} needs its warehouse's component to resolve it")
                return resolve(raw)
            return raw

        conf = node.db_conf or {}
        if endpoint is None:
            invoke = pulumi.InvokeOutputOptions(parent=self)
            if "workgroup" in conf:
                found = aws.redshiftserverless.get_workgroup_output(
                    workgroup_name=value(conf["workgroup"]), opts=invoke
                )
                first = found.endpoints.apply(lambda endpoints: endpoints[0])
                endpoint = (first.address, first.port)
            else:
                cluster = aws.redshift.get_cluster_output(
                    cluster_identifier=value(conf["cluster"]), opts=invoke
                )
                endpoint = (cluster.endpoint, cluster.port)
        host, port = endpoint
        jdbc = pulumi.Output.concat(
            "jdbc:redshift://",
            host,
            ":",
            pulumi.Output.from_input(port).apply(str),
            "/",
            node.database_name,
        )
        return _Login(jdbc_url=jdbc, secret_arn=value(secret))
