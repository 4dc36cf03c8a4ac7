"""Deployment on the local account: mocks whose ``new_resource`` creates each resource in moto.

:data:`CREATORS` holds one creator per resource type token; each writes moto and the harness's
account state (functions, targets, permissions, policies, role ids) and nothing else.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pulumi
from botocore.exceptions import ClientError

from jaya_pulumi.local import _sqs_deploy as sqs
from jaya_pulumi.local import events, sns
from jaya_pulumi.local._resource_policy import resource_policy_allows
from jaya_pulumi.local.awslambda import LocalFunction
from jaya_pulumi.local.errors import HarnessError
from jaya_pulumi.mocks import DEFAULT_ACCOUNT, JayaMocks
from jaya_pulumi.packaging import LambdaArchive

if TYPE_CHECKING:
    from pulumi.runtime import MockResourceArgs

    from jaya_pulumi.local.harness import Harness

__all__ = ["CREATORS", "HarnessMocks"]


_Creator = Callable[["Harness", "MockResourceArgs", str, dict[str, Any], str], None]


class HarnessMocks(JayaMocks):
    """``JayaMocks`` whose ``new_resource`` also creates the resource in moto."""

    def __init__(self, harness: Harness, region: str) -> None:
        super().__init__(account_id=DEFAULT_ACCOUNT, region=region)
        self._harness = harness
        self._lock = threading.Lock()

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """Compute the outputs as ``JayaMocks`` does, then create the resource in moto."""
        with self._lock:
            id_, state = super().new_resource(args)
            creator = CREATORS.get(args.typ)
            if creator is not None and not self._harness.account.rejected:
                try:
                    creator(self._harness, args, id_, state, self.region_of(args))
                except Exception as exc:  # any refusal names the resource; see _rejection
                    self._harness.account.rejected.append(_rejection(args, exc))
            return id_, state


def _rejection(args: MockResourceArgs, exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        reason = f"{error.get('Code', 'Error')}: {error.get('Message', exc)}"
    elif isinstance(exc, HarnessError):
        reason = str(exc)
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return f"{args.typ} {args.name!r} was rejected: {reason}"


def _register_function(
    h: Harness, args: MockResourceArgs, state: dict[str, Any], region: str
) -> None:
    inputs = args.inputs
    code = inputs.get("code")
    if not isinstance(code, pulumi.AssetArchive):
        raise HarnessError("its code is not an AssetArchive of file texts")
    files: dict[str, str] = {}
    for path, asset in code.assets.items():
        if not isinstance(asset, pulumi.StringAsset):
            raise HarnessError(f"archive entry {path!r} is not a StringAsset")
        files[path] = asset.text
    archive = LambdaArchive(dict(sorted(files.items())), str(inputs.get("runtime")), False)
    zip_bytes = archive.to_zip()
    variables = dict((inputs.get("environment") or {}).get("variables") or {})
    memory = int(inputs.get("memorySize", 128))
    timeout = int(inputs.get("timeout", 3))
    _check_function(memory, timeout, variables, len(zip_bytes))
    name = str(state["name"])
    response = h.client("lambda", region).create_function(
        FunctionName=name,
        Runtime=str(inputs.get("runtime")),
        Role=str(inputs.get("role")),
        Handler=str(inputs.get("handler")),
        Code={"ZipFile": zip_bytes},
        MemorySize=memory,
        Timeout=timeout,
        Publish=bool(inputs.get("publish")),
        Description=str(inputs.get("description") or ""),
        Environment={"Variables": variables},
    )
    fn = LocalFunction(
        name=name,
        node=variables.get("JAYA_FUNCTION", name),
        arn=response["FunctionArn"].removesuffix(f":{response['Version']}"),
        region=region,
        handler=str(inputs.get("handler")),
        zip_bytes=zip_bytes,
        memory=memory,
        timeout=timeout,
        variables=variables,
        role_arn=str(inputs.get("role")),
        version=response["Version"],
        log_group=str((inputs.get("loggingConfig") or {}).get("logGroup") or f"/aws/lambda/{name}"),
    )
    h.account.functions[fn.arn] = fn
    h.account.targets[fn.arn] = (fn, "$LATEST")
    h.account.targets[f"{fn.arn}:{fn.version}"] = (fn, fn.version)


def _check_function(memory: int, timeout: int, variables: Mapping[str, str], size: int) -> None:
    """Limits Lambda enforces that moto does not."""
    if not 128 <= memory <= 10240:
        raise HarnessError(f"MemorySize {memory} is outside Lambda's 128 to 10240 MB")
    if not 1 <= timeout <= 900:
        raise HarnessError(f"Timeout {timeout} is outside Lambda's 1 to 900 seconds")
    env_size = len(json.dumps(variables).encode())
    if env_size > 4096:
        raise HarnessError(f"its environment variables total {env_size} bytes; Lambda allows 4 KB")
    if size > 50 * 1024 * 1024:
        raise HarnessError(f"its zip is {size} bytes; Lambda allows 50 MB for a direct upload")


# -- creators -----------------------------------------------------------------------------


def _bucket(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    kwargs: dict[str, Any] = {"Bucket": id_}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    h._s3_client(region).create_bucket(**kwargs)


def _ownership(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    rule = args.inputs.get("rule") or {}
    h._s3_client(region).put_bucket_ownership_controls(
        Bucket=str(args.inputs["bucket"]),
        OwnershipControls={"Rules": [{"ObjectOwnership": rule.get("objectOwnership")}]},
    )


def _public_access_block(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    i = args.inputs
    h._s3_client(region).put_public_access_block(
        Bucket=str(i["bucket"]),
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": bool(i.get("blockPublicAcls")),
            "IgnorePublicAcls": bool(i.get("ignorePublicAcls")),
            "BlockPublicPolicy": bool(i.get("blockPublicPolicy")),
            "RestrictPublicBuckets": bool(i.get("restrictPublicBuckets")),
        },
    )


def _encryption(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    rules = []
    for rule in args.inputs.get("rules") or []:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        by_default = {"SSEAlgorithm": default.get("sseAlgorithm")}
        if default.get("kmsMasterKeyId"):
            by_default["KMSMasterKeyID"] = default["kmsMasterKeyId"]
        rules.append(
            {
                "ApplyServerSideEncryptionByDefault": by_default,
                "BucketKeyEnabled": bool(rule.get("bucketKeyEnabled")),
            }
        )
    h._s3_client(region).put_bucket_encryption(
        Bucket=str(args.inputs["bucket"]), ServerSideEncryptionConfiguration={"Rules": rules}
    )


def _over_https(statement: Mapping[str, Any]) -> bool:
    """False for a statement that applies only to plain-HTTP requests (SDK calls use HTTPS)."""
    condition = statement.get("Condition") or {}
    secure = (condition.get("Bool") or {}).get("aws:SecureTransport")
    return str(secure).lower() != "false"


def _bucket_policy(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    # moto ignores a statement's Condition, so the usual TLS-only Deny would refuse every call;
    # statements that cannot apply to an HTTPS request are left out of what moto stores.
    document = json.loads(str(args.inputs["policy"]))
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    kept = [s for s in statements if _over_https(s)]
    if kept:
        h._s3_client(region).put_bucket_policy(
            Bucket=str(args.inputs["bucket"]), Policy=json.dumps({**document, "Statement": kept})
        )


def _notification(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    bucket = str(args.inputs["bucket"])
    bucket_arn = f"arn:aws:s3:::{bucket}"
    configs = []
    for index, entry in enumerate(args.inputs.get("lambdaFunctions") or []):
        arn = str(entry.get("lambdaFunctionArn"))
        if arn not in h.account.targets:
            raise HarnessError(
                f"Unable to validate the following destination configurations: {arn} does not exist"
            )
        if not any(
            target == arn and principal == "s3.amazonaws.com" and source in (bucket_arn, "")
            for target, principal, source in h.account.permissions
        ):
            raise HarnessError(
                f"Unable to validate the following destination configurations: S3 may not invoke "
                f"{arn}; add a lambda.Permission for principal s3.amazonaws.com with source ARN "
                f"{bucket_arn} and make the notification depend on it"
            )
        rules = [
            {"Name": name, "Value": entry[field]}
            for name, field in (("prefix", "filterPrefix"), ("suffix", "filterSuffix"))
            if entry.get(field)
        ]
        config: dict[str, Any] = {
            "Id": entry.get("id") or f"jaya-{bucket}-{index}",
            "LambdaFunctionArn": arn,
            "Events": list(entry.get("events") or []),
        }
        if rules:
            config["Filter"] = {"Key": {"FilterRules": rules}}
        configs.append(config)
    configuration: dict[str, Any] = {"LambdaFunctionConfigurations": configs}
    for key, field, service, action in (
        ("QueueConfigurations", "queues", "sqs", "sqs:SendMessage"),
        ("TopicConfigurations", "topics", "sns", "sns:Publish"),
    ):
        entries = []
        for index, entry in enumerate(args.inputs.get(field) or []):
            arn = str(entry.get("queueArn" if service == "sqs" else "topicArn"))
            policy = h.account.resource_policies.get(arn)
            if not resource_policy_allows(policy, "s3.amazonaws.com", action, arn, bucket_arn):
                raise HarnessError(
                    f"Unable to validate the following destination configurations: the policy "
                    f"of {arn} does not let s3.amazonaws.com {action} with aws:SourceArn "
                    f"{bucket_arn}; add the policy and make the notification depend on it"
                )
            entries.append(_destination(bucket, index, entry, service, arn))
        if entries:
            configuration[key] = entries
    if args.inputs.get("eventbridge"):
        configuration["EventBridgeConfiguration"] = {}
    h._s3_client(region).put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=configuration
    )


def _destination(
    bucket: str, index: int, entry: Mapping[str, Any], service: str, arn: str
) -> dict[str, Any]:
    """A queue or topic notification configuration, as PutBucketNotificationConfiguration takes."""
    rules = [
        {"Name": name, "Value": entry[field]}
        for name, field in (("prefix", "filterPrefix"), ("suffix", "filterSuffix"))
        if entry.get(field)
    ]
    config: dict[str, Any] = {
        "Id": entry.get("id") or f"jaya-{bucket}-{service}-{index}",
        "QueueArn" if service == "sqs" else "TopicArn": arn,
        "Events": list(entry.get("events") or []),
    }
    if rules:
        config["Filter"] = {"Key": {"FilterRules": rules}}
    return config


def _role(h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str) -> None:
    response = h.client("iam", region).create_role(
        RoleName=id_,
        AssumeRolePolicyDocument=str(args.inputs.get("assumeRolePolicy")),
        Description=str(args.inputs.get("description") or ""),
    )
    h.account.role_ids[id_] = response["Role"]["RoleId"]


def _role_policy(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    # the IAM hook compiles it for the role on the way back (local/iam.py), as any policy write
    h.client("iam", region).put_role_policy(
        RoleName=str(args.inputs["role"]),
        PolicyName=str(state["name"]),
        PolicyDocument=str(args.inputs["policy"]),
    )


def _log_group(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    logs = h.client("logs", region)
    logs.create_log_group(logGroupName=id_)
    if args.inputs.get("retentionInDays"):
        logs.put_retention_policy(
            logGroupName=id_, retentionInDays=int(args.inputs["retentionInDays"])
        )


def _function(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    _register_function(h, args, state, region)


def _alias(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    function = str(args.inputs["functionName"])
    response = h.client("lambda", region).create_alias(
        FunctionName=function,
        Name=str(args.inputs["name"]),
        FunctionVersion=str(args.inputs.get("functionVersion") or "$LATEST"),
        Description=str(args.inputs.get("description") or ""),
    )
    fn = next(f for f in h.account.functions.values() if function in (f.name, f.arn))
    h.account.targets[response["AliasArn"]] = (fn, str(args.inputs["name"]))


def _delivery_stream(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    h._firehose.create_stream(args, state, h._s3_client(region), h.client("firehose", region))


def _dynamic(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    h._redshift.create_table(args)


def _workgroup(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    """A Serverless workgroup: its ARN (with the id, as AWS's) for IAM checks of Data API calls."""
    h.account.workgroups[str(args.inputs["workgroupName"])] = str(state["arn"])


def _permission(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    i = args.inputs
    kwargs: dict[str, Any] = {
        "FunctionName": str(i["function"]),
        "StatementId": str(state["statementId"]),
        "Action": str(i["action"]),
        "Principal": str(i["principal"]),
    }
    if i.get("sourceArn"):
        kwargs["SourceArn"] = str(i["sourceArn"])
    if i.get("sourceAccount"):
        kwargs["SourceAccount"] = str(i["sourceAccount"])
    if kwargs["Action"] != "lambda:InvokeFunction":
        raise HarnessError(f"action {kwargs['Action']!r} does not let S3 invoke the function")
    h.client("lambda", region).add_permission(**kwargs)
    h.account.permissions.append(
        (kwargs["FunctionName"], kwargs["Principal"], kwargs.get("SourceArn", ""))
    )


def _versioning(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    status = str((args.inputs.get("versioningConfiguration") or {}).get("status") or "Enabled")
    h._s3_client(region).put_bucket_versioning(
        Bucket=str(args.inputs["bucket"]), VersioningConfiguration={"Status": status}
    )


def _invoke_config(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    destination = (args.inputs.get("destinationConfig") or {}).get("onFailure") or {}
    if destination.get("destination"):
        function = str(args.inputs["functionName"]).rsplit(":", 1)[-1]
        h.account.on_failure[function] = str(destination["destination"])


CREATORS: dict[str, _Creator] = {
    "aws:sqs/queue:Queue": sqs.create_queue,
    "aws:sqs/queuePolicy:QueuePolicy": sqs.create_queue_policy,
    "aws:sqs/redrivePolicy:RedrivePolicy": sqs.create_redrive_policy,
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": sqs.create_redrive_allow_policy,
    "aws:lambda/eventSourceMapping:EventSourceMapping": sqs.create_event_source_mapping,
    "aws:sns/topic:Topic": sns.create_topic,
    "aws:sns/topicPolicy:TopicPolicy": sns.create_topic_policy,
    "aws:sns/topicSubscription:TopicSubscription": sns.create_subscription,
    "aws:cloudwatch/eventRule:EventRule": events.create_rule,
    "aws:cloudwatch/eventTarget:EventTarget": events.create_target,
    "aws:s3/bucketVersioning:BucketVersioning": _versioning,
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": _invoke_config,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _ownership,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _public_access_block,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        _encryption
    ),
    "aws:s3/bucketPolicy:BucketPolicy": _bucket_policy,
    "aws:s3/bucketNotification:BucketNotification": _notification,
    "aws:iam/role:Role": _role,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:lambda/function:Function": _function,
    "aws:lambda/alias:Alias": _alias,
    "aws:lambda/permission:Permission": _permission,
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": _delivery_stream,
    "aws:redshiftserverless/workgroup:Workgroup": _workgroup,
    "pulumi-python:dynamic:Resource": _dynamic,
}
"""How the harness creates each resource type in moto, by type token: ``(harness, args, id,
state, region) -> None``; raise ``ClientError``/``HarnessError`` to reject the inputs."""
