"""What IAM checks for one AWS call: the ``(action, resource ARN)`` pairs of a botocore operation.

The action is ``<prefix>:<OperationName>``, the prefix being the service model's signing name
(``monitoring`` -> ``cloudwatch``, ``email`` -> ``ses``), except where :data:`ACTIONS` names
another (S3's HeadObject checks ``s3:GetObject``, ListObjectsV2 ``s3:ListBucket``, Lambda's Invoke
``lambda:InvokeFunction``, SQS's batch calls their single action, ...). Some parameters add
actions: a ``VersionId`` turns an object action into its ``...Version`` action, ``Tagging`` on
PutObject adds ``s3:PutObjectTagging``, an ACL ``s3:PutObjectAcl``; the Redshift Data API checks the
credentials it uses (``secretsmanager:GetSecretValue``, ``redshift:GetClusterCredentials``, ...).

Resource ARNs are built for S3, Firehose, SQS, SNS, Lambda, Secrets Manager, the Redshift Data
API (cluster or workgroup), CloudWatch Logs, IAM and STS; any other call is checked against ``*``.
The ARN builders are public so each service's emulator names resources the same way. Not
modelled: condition keys, the KMS calls S3 makes for the caller (SSE-KMS), the tags of a
CopyObject source (``s3:GetObjectTagging``), and calls IAM does not check
(``sts:GetCallerIdentity``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

__all__ = [
    "ACTIONS",
    "Check",
    "Names",
    "NamesAsGiven",
    "firehose_stream_arn",
    "iam_arn",
    "iam_prefix",
    "lambda_arn",
    "log_group_arn",
    "redshift_cluster_arn",
    "redshift_workgroup_arn",
    "request_checks",
    "s3_arn",
    "s3_request",
    "secret_arn",
    "sns_topic_arn",
    "sqs_queue_arn",
    "sqs_queue_arn_from_url",
]

Check = tuple[str, str]
"""One thing IAM checks: ``(action, resource ARN)``."""

_PREFIXES = {"monitoring": "cloudwatch", "email": "ses"}

ACTIONS: dict[str, str] = {
    # S3: object operations need the key (see s3_request)
    "s3:HeadObject": "s3:GetObject",
    "s3:CopyObject": "s3:PutObject",
    "s3:CreateMultipartUpload": "s3:PutObject",
    "s3:UploadPart": "s3:PutObject",
    "s3:UploadPartCopy": "s3:PutObject",
    "s3:CompleteMultipartUpload": "s3:PutObject",
    "s3:ListParts": "s3:ListMultipartUploadParts",
    "s3:DeleteObjects": "s3:DeleteObject",
    "s3:ListObjects": "s3:ListBucket",
    "s3:ListObjectsV2": "s3:ListBucket",
    "s3:HeadBucket": "s3:ListBucket",
    "s3:ListObjectVersions": "s3:ListBucketVersions",
    "s3:ListMultipartUploads": "s3:ListBucketMultipartUploads",
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3:SelectObjectContent": "s3:GetObject",
    "s3:PutBucketNotificationConfiguration": "s3:PutBucketNotification",
    "s3:GetBucketNotificationConfiguration": "s3:GetBucketNotification",
    "s3:PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
    "s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "s3:DeleteBucketLifecycle": "s3:PutLifecycleConfiguration",
    "s3:PutBucketEncryption": "s3:PutEncryptionConfiguration",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:DeleteBucketEncryption": "s3:PutEncryptionConfiguration",
    "s3:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketReplication": "s3:PutReplicationConfiguration",
    "s3:GetBucketReplication": "s3:GetReplicationConfiguration",
    "s3:PutBucketCors": "s3:PutBucketCORS",
    "s3:GetBucketCors": "s3:GetBucketCORS",
    "s3:DeleteBucketCors": "s3:PutBucketCORS",
    "s3:DeleteBucketOwnershipControls": "s3:PutBucketOwnershipControls",
    "s3:DeleteBucketTagging": "s3:PutBucketTagging",
    "s3:DeleteBucketWebsite": "s3:DeleteBucketWebsite",
    # Lambda
    "lambda:Invoke": "lambda:InvokeFunction",
    "lambda:InvokeWithResponseStream": "lambda:InvokeFunction",
    # SQS: a batch checks the single action
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    # SNS
    "sns:PublishBatch": "sns:Publish",
}
"""Operations whose IAM action is not ``<prefix>:<OperationName>``, by ``<prefix>:<Operation>``."""

_UNCHECKED = frozenset({"sts:GetCallerIdentity"})
"""Calls IAM does not authorize: every principal may make them."""

# With a ``VersionId`` an object operation acts on that version; IAM checks the version's action.
_VERSION_ACTIONS: dict[str, str] = {
    "s3:GetObject": "s3:GetObjectVersion",
    "s3:DeleteObject": "s3:DeleteObjectVersion",
    "s3:GetObjectAcl": "s3:GetObjectVersionAcl",
    "s3:PutObjectAcl": "s3:PutObjectVersionAcl",
    "s3:GetObjectTagging": "s3:GetObjectVersionTagging",
    "s3:PutObjectTagging": "s3:PutObjectVersionTagging",
    "s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging",
    "s3:GetObjectAttributes": "s3:GetObjectVersionAttributes",
}
_ACL_PARAMS = ("ACL", "GrantFullControl", "GrantRead", "GrantReadACP", "GrantWriteACP")
_WRITES_WITH_TAGS = ("PutObject", "CreateMultipartUpload", "CopyObject")


class Names(Protocol):
    """Turns the names a call gives into the ARNs IAM sees (where the ARN holds more than the name)."""

    def secret_arn(self, secret_id: str, region: str) -> str:
        """The ARN of a secret named ``secret_id`` (a name or an ARN), with AWS's random suffix."""
        ...

    def workgroup_arn(self, workgroup: str, region: str) -> str:
        """The ARN of the Redshift Serverless workgroup named ``workgroup`` (its id is in the ARN)."""
        ...


class NamesAsGiven:
    """:class:`Names` from the name alone: secrets without suffix, workgroups by name."""

    def __init__(self, account: str) -> None:
        self.account = account

    def secret_arn(self, secret_id: str, region: str) -> str:
        """``secret_id`` if it is an ARN, else the ARN of that name without a suffix."""
        return secret_arn(region, self.account, secret_id)

    def workgroup_arn(self, workgroup: str, region: str) -> str:
        """The workgroup's ARN with its name where AWS puts its id."""
        return redshift_workgroup_arn(region, self.account, workgroup)


# -- ARN builders ------------------------------------------------------------------------------


def s3_arn(bucket: str, key: str | None = None) -> str:
    """``arn:aws:s3:::bucket`` or, with a key, ``arn:aws:s3:::bucket/key``."""
    return f"arn:aws:s3:::{bucket}" if key is None else f"arn:aws:s3:::{bucket}/{key}"


def firehose_stream_arn(region: str, account: str, stream: str) -> str:
    """A Firehose delivery stream's ARN."""
    return f"arn:aws:firehose:{region}:{account}:deliverystream/{stream}"


def sqs_queue_arn(region: str, account: str, queue: str) -> str:
    """An SQS queue's ARN from its name."""
    return f"arn:aws:sqs:{region}:{account}:{queue}"


def sqs_queue_arn_from_url(url: str, region: str, account: str) -> str:
    """An SQS queue's ARN from its URL (``https://sqs.<region>.amazonaws.com/<account>/<name>``)."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    if len(parts) >= 2:
        return sqs_queue_arn(region, parts[-2], parts[-1])
    return sqs_queue_arn(region, account, parts[-1] if parts else "*")


def sns_topic_arn(region: str, account: str, topic: str) -> str:
    """An SNS topic's ARN from its name."""
    return f"arn:aws:sns:{region}:{account}:{topic}"


def lambda_arn(region: str, account: str, function: str, qualifier: str | None = None) -> str:
    """A function's ARN from a name, partial ARN or ARN, qualified when a qualifier is given."""
    if function.startswith("arn:"):
        parts = function.split(":")
        region, account, name = parts[3], parts[4], parts[6]
        qualifier = qualifier or (parts[7] if len(parts) > 7 else None)
    elif ":function:" in function:  # 123456789012:function:name[:qualifier]
        account, _, rest = function.partition(":function:")
        name, _, given = rest.partition(":")
        qualifier = qualifier or given or None
    else:
        name, _, given = function.partition(":")
        qualifier = qualifier or given or None
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def secret_arn(region: str, account: str, secret: str) -> str:
    """``secret`` if it is an ARN, else the ARN of the secret so named (as given: no suffix)."""
    if secret.startswith("arn:"):
        return secret
    return f"arn:aws:secretsmanager:{region}:{account}:secret:{secret}"


def redshift_cluster_arn(region: str, account: str, cluster: str) -> str:
    """A provisioned Redshift cluster's ARN."""
    return f"arn:aws:redshift:{region}:{account}:cluster:{cluster}"


def redshift_workgroup_arn(region: str, account: str, workgroup_id: str) -> str:
    """A Redshift Serverless workgroup's ARN (AWS names it by the workgroup's id)."""
    return f"arn:aws:redshift-serverless:{region}:{account}:workgroup/{workgroup_id}"


def log_group_arn(region: str, account: str, group: str, stream: str | None = None) -> str:
    """A CloudWatch Logs group's ARN or, with a stream, the stream's."""
    arn = f"arn:aws:logs:{region}:{account}:log-group:{group}"
    return arn if stream is None else f"{arn}:log-stream:{stream}"


def iam_arn(account: str, kind: str, name: str) -> str:
    """An IAM entity's ARN: ``kind`` is ``user``, ``role``, ``group`` or ``instance-profile``."""
    return f"arn:aws:iam::{account}:{kind}/{name}"


def iam_prefix(signing_name: str) -> str:
    """The IAM service prefix of a service whose model's signing name is ``signing_name``."""
    return _PREFIXES.get(signing_name, signing_name)


# -- S3 ----------------------------------------------------------------------------------------


def _copy_source(value: Any) -> tuple[str, str, str | None] | None:
    if isinstance(value, Mapping):
        version = value.get("VersionId")
        return str(value.get("Bucket", "")), str(value.get("Key", "")), version and str(version)
    if isinstance(value, str):
        path, _, version = value.partition("?versionId=")
        bucket, _, key = unquote(path).lstrip("/").partition("/")
        return bucket, key, unquote(version) or None
    return None


def _on_version(action: str, version_id: Any) -> str:
    """The action IAM checks when a call names a ``VersionId``."""
    return _VERSION_ACTIONS.get(action, action) if version_id else action


def _write_extras(operation: str, params: Mapping[str, Any]) -> list[str]:
    """The actions a write's tags, ACL and object lock add to ``s3:PutObject``."""
    extra = []
    copied_tags = operation == "CopyObject" and params.get("TaggingDirective") != "REPLACE"
    if params.get("Tagging") and not copied_tags:
        extra.append("s3:PutObjectTagging")
    if any(params.get(p) for p in _ACL_PARAMS):
        extra.append("s3:PutObjectAcl")
    if params.get("ObjectLockLegalHoldStatus"):
        extra.append("s3:PutObjectLegalHold")
    if params.get("ObjectLockMode"):
        extra.append("s3:PutObjectRetention")
    return extra


def s3_request(operation: str, params: Mapping[str, Any]) -> list[Check]:
    """The ``(action, resource ARN)`` pairs IAM checks for one S3 API call."""
    bucket = str(params.get("Bucket", ""))
    action = ACTIONS.get(f"s3:{operation}", f"s3:{operation}")
    checks: list[Check] = []
    if operation == "DeleteObjects":
        objects = (params.get("Delete") or {}).get("Objects", [])
        checks = [
            (_on_version(action, o.get("VersionId")), s3_arn(bucket, str(o.get("Key", ""))))
            for o in objects
        ]
    elif "Key" in params:
        version = params.get("VersionId")
        checks.append((_on_version(action, version), s3_arn(bucket, str(params["Key"]))))
        if operation in _WRITES_WITH_TAGS:
            checks += [(a, checks[0][1]) for a in _write_extras(operation, params)]
    else:  # a bucket, or for ListBuckets every bucket
        checks.append((action, s3_arn(bucket or "*")))
    if operation == "GetObjectAttributes":  # needs read access to the object as well
        checks += [(_on_version("s3:GetObject", params.get("VersionId")), r) for _, r in checks]
    if operation in ("CopyObject", "UploadPartCopy"):
        source = _copy_source(params.get("CopySource"))
        if source is not None:
            bucket, key, version = source
            checks.insert(0, (_on_version("s3:GetObject", version), s3_arn(bucket, key)))
    return checks


# -- the other services ------------------------------------------------------------------------

_Builder = Callable[[str, Mapping[str, Any], str, str, Names], list[str]]
"""(operation, params, region, account, names) -> the resource ARNs the action applies to."""


def _firehose(op: str, p: Mapping[str, Any], region: str, account: str, n: Names) -> list[str]:
    name = p.get("DeliveryStreamName")
    return [firehose_stream_arn(region, account, str(name))] if name else ["*"]


def _sqs(op: str, p: Mapping[str, Any], region: str, account: str, n: Names) -> list[str]:
    if p.get("QueueUrl"):
        return [sqs_queue_arn_from_url(str(p["QueueUrl"]), region, account)]
    if p.get("QueueName"):
        owner = str(p.get("QueueOwnerAWSAccountId") or account)
        return [sqs_queue_arn(region, owner, str(p["QueueName"]))]
    return ["*"]


def _sns(op: str, p: Mapping[str, Any], region: str, account: str, n: Names) -> list[str]:
    for key in ("TopicArn", "TargetArn", "ResourceArn"):
        if p.get(key):
            return [str(p[key])]
    if p.get("SubscriptionArn"):  # the topic's ARN and the subscription's id
        return [str(p["SubscriptionArn"]).rsplit(":", 1)[0]]
    if op == "CreateTopic" and p.get("Name"):
        return [sns_topic_arn(region, account, str(p["Name"]))]
    return ["*"]


def _lambda(op: str, p: Mapping[str, Any], region: str, account: str, n: Names) -> list[str]:
    if p.get("FunctionName"):
        qualifier = p.get("Qualifier")
        return [lambda_arn(region, account, str(p["FunctionName"]), qualifier and str(qualifier))]
    return ["*"]


def _secrets(op: str, p: Mapping[str, Any], region: str, account: str, n: Names) -> list[str]:
    name = p.get("SecretId") or (p.get("Name") if op == "CreateSecret" else None)
    return [n.secret_arn(str(name), region)] if name else ["*"]


def _logs(op: str, p: Mapping[str, Any], region: str, account: str, n: Names) -> list[str]:
    group = p.get("logGroupName") or p.get("logGroupIdentifier")
    if not group:
        return ["*"]
    if str(group).startswith("arn:"):
        return [str(group).removesuffix(":*")]
    stream = p.get("logStreamName")
    return [log_group_arn(region, account, str(group), stream and str(stream))]


def _iam(op: str, p: Mapping[str, Any], region: str, account: str, n: Names) -> list[str]:
    for key, kind in (
        ("RoleName", "role"),
        ("UserName", "user"),
        ("GroupName", "group"),
        ("InstanceProfileName", "instance-profile"),
    ):
        if p.get(key):
            return [iam_arn(account, kind, str(p[key]))]
    return [str(p["PolicyArn"])] if p.get("PolicyArn") else ["*"]


def _sts(op: str, p: Mapping[str, Any], region: str, account: str, n: Names) -> list[str]:
    return [str(p["RoleArn"])] if p.get("RoleArn") else ["*"]


_RESOURCES: dict[str, _Builder] = {
    "firehose": _firehose,
    "sqs": _sqs,
    "sns": _sns,
    "lambda": _lambda,
    "secretsmanager": _secrets,
    "logs": _logs,
    "iam": _iam,
    "sts": _sts,
}


def _redshift_data(
    op: str, p: Mapping[str, Any], region: str, account: str, names: Names
) -> list[Check]:
    """ExecuteStatement and the metadata calls check the cluster or workgroup and credentials."""
    action = f"redshift-data:{op}"
    cluster, workgroup = p.get("ClusterIdentifier"), p.get("WorkgroupName")
    if cluster:
        target = redshift_cluster_arn(region, account, str(cluster))
    elif workgroup:
        target = names.workgroup_arn(str(workgroup), region)
    else:  # DescribeStatement, GetStatementResult, ...: the caller's own statements
        return [(action, "*")]
    checks = [(action, target)]
    database = str(p.get("Database") or "dev")
    if p.get("SecretArn"):
        checks.append(
            ("secretsmanager:GetSecretValue", names.secret_arn(str(p["SecretArn"]), region))
        )
    elif cluster and p.get("DbUser"):
        user = str(p["DbUser"])
        checks.append(
            (
                "redshift:GetClusterCredentials",
                f"arn:aws:redshift:{region}:{account}:dbuser:{cluster}/{user}",
            )
        )
        checks.append(
            (
                "redshift:GetClusterCredentials",
                f"arn:aws:redshift:{region}:{account}:dbname:{cluster}/{database}",
            )
        )
    elif cluster:
        checks.append(
            (
                "redshift:GetClusterCredentialsWithIAM",
                f"arn:aws:redshift:{region}:{account}:dbname:{cluster}/{database}",
            )
        )
    else:
        checks.append(("redshift-serverless:GetCredentials", target))
    return checks


def request_checks(
    prefix: str,
    operation: str,
    params: Mapping[str, Any],
    region: str,
    account: str,
    names: Names | None = None,
) -> list[Check]:
    """The ``(action, resource ARN)`` pairs IAM checks for one call; empty if IAM checks none.

    :param prefix: the service's IAM prefix (see :func:`iam_prefix`).
    :param operation: the botocore operation name (``PutObject``).
    :param params: the call's parameters as the caller passed them.
    :param region: the client's region.
    :param account: the caller's account id.
    :param names: resolves secret and workgroup names; default: :class:`NamesAsGiven`.
    """
    key = f"{prefix}:{operation}"
    if key in _UNCHECKED:
        return []
    if prefix == "s3":
        return s3_request(operation, params)
    names = names or NamesAsGiven(account)
    if prefix == "redshift-data":
        return _redshift_data(operation, params, region, account, names)
    action = ACTIONS.get(key, key)
    if prefix == "secretsmanager" and operation == "BatchGetSecretValue":
        ids = [str(i) for i in params.get("SecretIdList") or []]
        return [(action, "*")] + [
            ("secretsmanager:GetSecretValue", names.secret_arn(i, region)) for i in ids
        ]
    builder = _RESOURCES.get(prefix)
    resources = builder(operation, params, region, account, names) if builder else ["*"]
    return [(action, resource) for resource in resources]
