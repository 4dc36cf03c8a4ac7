"""``JayaMocks``: realistic ids, physical names and ARNs for every AWS type jaya_pulumi creates.

A mock that returns no ``arn`` or ``name`` makes every input that depends on it vanish as unknown
(a Permission's ``function``, a notification's ``lambdaFunctionArn``), so tests would pass while
asserting nothing. These mocks return the inputs as state plus what AWS computes, with the account
and region in every ARN.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pulumi

__all__ = ["DEFAULT_ACCOUNT", "DEFAULT_REGION", "JayaMocks"]

DEFAULT_ACCOUNT = "123456789012"
"""The account id mocks report (``aws sts get-caller-identity``)."""
DEFAULT_REGION = "us-east-1"
"""The region used when neither a provider nor ``aws:region`` names one."""

_State = dict[str, Any]


def _suffix(name: str) -> str:
    """Pulumi-style auto-name suffix, deterministic so tests can assert names."""
    return hashlib.sha256(name.encode()).hexdigest()[:7]


def _uuid(name: str) -> str:
    """A deterministic UUID-shaped id (KMS key ids, event source mappings, subscriptions)."""
    h = hashlib.sha256(name.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


class JayaMocks(pulumi.runtime.Mocks):
    """Mocks that compute AWS's outputs (ids, names, ARNs, versions) from the registered inputs.

    :param account_id: the account in every ARN.
    :param region: the region when neither a provider nor the ``aws:region`` config names one.
    """

    def __init__(self, account_id: str = DEFAULT_ACCOUNT, region: str | None = None) -> None:
        self.account_id = account_id
        """The account in every ARN."""
        self.region = region
        """The fallback region (``None``: the stack's ``aws:region``, else us-east-1)."""
        self._provider_regions: dict[str, str] = {}
        self._handlers: dict[
            str, Callable[[pulumi.runtime.MockResourceArgs, str], tuple[str, _State]]
        ] = {
            "aws:s3/bucket:Bucket": self._bucket,
            "aws:iam/role:Role": self._role,
            "aws:iam/rolePolicy:RolePolicy": self._role_policy,
            "aws:cloudwatch/logGroup:LogGroup": self._log_group,
            "aws:lambda/function:Function": self._function,
            "aws:lambda/alias:Alias": self._alias,
            "aws:lambda/permission:Permission": self._permission,
            "aws:lambda/layerVersion:LayerVersion": self._layer,
            "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": self._firehose,
            "aws:sqs/queue:Queue": self._queue,
            "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": (self._invoke_config),
            "aws:cloudwatch/metricAlarm:MetricAlarm": self._metric_alarm,
            "aws:redshiftserverless/namespace:Namespace": self._namespace,
            "aws:redshiftserverless/workgroup:Workgroup": self._workgroup,
            "aws:ec2/securityGroup:SecurityGroup": self._security_group,
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": self._ingress_rule,
            "aws:sqs/queuePolicy:QueuePolicy": self._queue_policy,
            "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": self._queue_policy,
            "aws:sns/topic:Topic": self._topic,
            "aws:sns/topicPolicy:TopicPolicy": self._topic_policy,
            "aws:sns/topicSubscription:TopicSubscription": self._subscription,
            "aws:kms/key:Key": self._kms_key,
            "aws:lambda/eventSourceMapping:EventSourceMapping": self._event_source_mapping,
            "aws:cloudwatch/eventRule:EventRule": self._event_rule,
            "aws:cloudwatch/eventTarget:EventTarget": self._event_target,
            "command:local:Command": self._command,
            "pulumi:providers:aws": self._provider,
            "pulumi-python:dynamic:Resource": self._dynamic,
        }

    # -- pulumi.runtime.Mocks -------------------------------------------------------------

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """Return ``(id, state)``: the inputs plus the outputs AWS would compute."""
        region = self.region_of(args)
        handler = self._handlers.get(args.typ)
        if handler is not None:
            return handler(args, region)
        if args.typ.startswith("aws:s3/bucket"):
            # Bucket sub-resources (policy, encryption, notification, ...) are keyed by bucket.
            return str(args.inputs.get("bucket", args.name)), dict(args.inputs)
        return f"{args.name}-id", dict(args.inputs)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Answer the provider functions the builder calls; fail any other invoke by name."""
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": self.account_id,
                "arn": f"arn:aws:iam::{self.account_id}:user/jaya-test",
                "userId": "AIDAJAYATESTUSER",
                "id": self.account_id,
            }, []
        if args.token == "aws:index/getRegion:getRegion":
            region = self._default_region()
            return {"name": region, "region": region, "id": region}, []
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
        if args.token == "aws:redshiftserverless/getWorkgroup:getWorkgroup":
            return self._workgroup_lookup(args), []
        if args.token == "aws:redshift/getCluster:getCluster":
            return self._cluster_lookup(args), []
        # An empty answer would make the program run on with missing outputs; fail the invoke.
        return {}, [
            (
                "",
                f"JayaMocks has no answer for {args.token}; subclass JayaMocks and answer it in "
                "call(), returning the outputs AWS would",
            )
        ]

    # -- regions --------------------------------------------------------------------------

    def _default_region(self) -> str:
        return self.region or pulumi.Config("aws").get("region") or DEFAULT_REGION

    def region_of(self, args: pulumi.runtime.MockResourceArgs) -> str:
        """The region a resource lands in: its provider's, else the stack's."""
        if args.provider:
            provider_id = args.provider.rsplit("::", 1)[-1]
            if provider_id in self._provider_regions:
                return self._provider_regions[provider_id]
        return str(args.inputs.get("region") or self._default_region())

    # -- one method per type --------------------------------------------------------------

    def _arn(self, service: str, region: str, resource: str) -> str:
        return f"arn:aws:{service}:{region}:{self.account_id}:{resource}"

    def _provider(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        provider_id = f"{args.name}-provider-id"
        self._provider_regions[provider_id] = str(args.inputs.get("region") or region)
        return provider_id, dict(args.inputs)

    def _bucket(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        name = args.inputs.get("bucket") or f"{args.name}-{_suffix(args.name)}"
        return name, {
            **args.inputs,
            "bucket": name,
            "arn": f"arn:aws:s3:::{name}",
            "region": region,
            "bucketDomainName": f"{name}.s3.amazonaws.com",
            "bucketRegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
            "hostedZoneId": "Z3AQBSTGFYJSTF",
        }

    def _role(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        name = args.inputs.get("name") or f"{args.name}-{_suffix(args.name)}"
        return name, {
            **args.inputs,
            "name": name,
            "arn": f"arn:aws:iam::{self.account_id}:role/{name}",
            "uniqueId": "AROA" + _suffix(name).upper() * 2,
        }

    def _role_policy(
        self, args: pulumi.runtime.MockResourceArgs, region: str
    ) -> tuple[str, _State]:
        name = args.inputs.get("name") or f"{args.name}-{_suffix(args.name)}"
        return f"{args.inputs.get('role')}:{name}", {**args.inputs, "name": name}

    def _log_group(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        name = args.inputs.get("name") or f"{args.name}-{_suffix(args.name)}"
        return name, {
            **args.inputs,
            "name": name,
            "arn": self._arn("logs", region, f"log-group:{name}"),
        }

    def _function(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        name = args.inputs.get("name") or f"{args.name}-{_suffix(args.name)}"
        arn = self._arn("lambda", region, f"function:{name}")
        version = "1" if args.inputs.get("publish") else "$LATEST"
        return name, {
            **args.inputs,
            "name": name,
            "arn": arn,
            "qualifiedArn": f"{arn}:{version}",
            "version": version,
            "invokeArn": f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations",
            "qualifiedInvokeArn": f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}:{version}/invocations",
            "sourceCodeHash": _suffix(str(args.inputs.get("code"))),
        }

    def _alias(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        function = str(args.inputs.get("functionName"))
        if not function.startswith("arn:"):
            function = self._arn("lambda", region, f"function:{function}")
        arn = f"{function}:{args.inputs.get('name')}"
        return arn, {
            **args.inputs,
            "arn": arn,
            "invokeArn": f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations",
        }

    def _permission(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        statement = args.inputs.get("statementId") or f"{args.name}-{_suffix(args.name)}"
        return statement, {**args.inputs, "statementId": statement}

    def _layer(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        layer_arn = self._arn("lambda", region, f"layer:{args.inputs.get('layerName', args.name)}")
        return f"{layer_arn}:1", {
            **args.inputs,
            "layerArn": layer_arn,
            "arn": f"{layer_arn}:1",
            "version": "1",
        }

    def _firehose(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        name = args.inputs.get("name") or f"{args.name}-{_suffix(args.name)}"
        arn = self._arn("firehose", region, f"deliverystream/{name}")
        return arn, {**args.inputs, "name": name, "arn": arn, "versionId": "1"}

    def _queue(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        name = args.inputs.get("name") or f"{args.name}-{_suffix(args.name)}"
        if args.inputs.get("fifoQueue") and not str(name).endswith(".fifo"):
            name = f"{name}.fifo"
        url = f"https://sqs.{region}.amazonaws.com/{self.account_id}/{name}"
        return url, {
            "delaySeconds": 0,
            "maxMessageSize": 262144,
            "messageRetentionSeconds": 345600,
            "receiveWaitTimeSeconds": 0,
            "visibilityTimeoutSeconds": 30,
            **args.inputs,
            "name": name,
            "arn": self._arn("sqs", region, str(name)),
            "url": url,
        }

    def _invoke_config(
        self, args: pulumi.runtime.MockResourceArgs, region: str
    ) -> tuple[str, _State]:
        function = str(args.inputs.get("functionName"))
        qualifier = args.inputs.get("qualifier")
        return (f"{function}:{qualifier}" if qualifier else function), dict(args.inputs)

    def _metric_alarm(
        self, args: pulumi.runtime.MockResourceArgs, region: str
    ) -> tuple[str, _State]:
        name = args.inputs.get("name") or f"{args.name}-{_suffix(args.name)}"
        return name, {
            **args.inputs,
            "name": name,
            "arn": self._arn("cloudwatch", region, f"alarm:{name}"),
        }

    def _queue_policy(
        self, args: pulumi.runtime.MockResourceArgs, region: str
    ) -> tuple[str, _State]:
        # AWS keys a queue's policy (and redrive-allow policy) by the queue's URL.
        return str(args.inputs.get("queueUrl") or f"{args.name}-id"), dict(args.inputs)

    def _topic(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        name = args.inputs.get("name") or f"{args.name}-{_suffix(args.name)}"
        if args.inputs.get("fifoTopic") and not str(name).endswith(".fifo"):
            name = f"{name}.fifo"
        arn = self._arn("sns", region, str(name))
        return arn, {**args.inputs, "name": name, "arn": arn, "owner": self.account_id}

    def _topic_policy(
        self, args: pulumi.runtime.MockResourceArgs, region: str
    ) -> tuple[str, _State]:
        return str(args.inputs.get("arn")), {**args.inputs, "owner": self.account_id}

    def _subscription(
        self, args: pulumi.runtime.MockResourceArgs, region: str
    ) -> tuple[str, _State]:
        topic = str(args.inputs.get("topic"))
        arn = f"{topic}:{_uuid(args.name)}"
        return arn, {
            **args.inputs,
            "arn": arn,
            "ownerId": self.account_id,
            "pendingConfirmation": False,
            "confirmationWasAuthenticated": True,
        }

    def _kms_key(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        key_id = _uuid(args.name)
        return key_id, {
            "keyUsage": "ENCRYPT_DECRYPT",
            "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
            "isEnabled": True,
            **args.inputs,
            "keyId": key_id,
            "arn": self._arn("kms", region, f"key/{key_id}"),
        }

    def _event_source_mapping(
        self, args: pulumi.runtime.MockResourceArgs, region: str
    ) -> tuple[str, _State]:
        uuid = _uuid(args.name)
        function = str(args.inputs.get("functionName"))
        return uuid, {
            **args.inputs,
            "uuid": uuid,
            "arn": self._arn("lambda", region, f"event-source-mapping:{uuid}"),
            "functionArn": function,
            "state": "Enabled" if args.inputs.get("enabled", True) else "Disabled",
            "lastProcessingResult": "No records processed",
        }

    def _event_rule(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        name = args.inputs.get("name") or f"{args.name}-{_suffix(args.name)}"
        bus = args.inputs.get("eventBusName") or "default"
        path = f"rule/{name}" if bus == "default" else f"rule/{bus}/{name}"
        return str(name), {
            **args.inputs,
            "name": name,
            "eventBusName": bus,
            "arn": self._arn("events", region, path),
        }

    def _event_target(
        self, args: pulumi.runtime.MockResourceArgs, region: str
    ) -> tuple[str, _State]:
        target_id = args.inputs.get("targetId") or _suffix(args.name)
        return f"{args.inputs.get('rule')}-{target_id}", {**args.inputs, "targetId": target_id}

    def _dynamic(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        state = dict(args.inputs)
        if "tableName" in state:  # jaya's Redshift table: its id is schema.table
            schema = state.get("schema")
            state["qualifiedName"] = (
                f"{schema}.{state['tableName']}" if schema else state["tableName"]
            )
            return str(state["qualifiedName"]), state
        return f"{args.name}-id", state

    # -- Redshift Serverless and its network ------------------------------------------------

    @staticmethod
    def _uuid(name: str) -> str:
        h = hashlib.sha256(name.encode()).hexdigest()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"

    def _serverless_endpoint(self, workgroup: str, region: str, port: int) -> dict[str, Any]:
        address = f"{workgroup}.{self.account_id}.{region}.redshift-serverless.amazonaws.com"
        return {"address": address, "port": port, "vpcEndpoints": []}

    def _namespace(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        from jaya_pulumi.mocks._synth import _unwrap_secrets  # _synth imports this module

        name = str(args.inputs.get("namespaceName"))
        # the provider marks the admin user secret; the secret's name holds it in the clear
        admin = str(_unwrap_secrets(args.inputs.get("adminUsername")) or "admin")
        state: _State = {
            "adminUsername": admin,
            "dbName": "dev",
            **args.inputs,
            "arn": self._arn("redshift-serverless", region, f"namespace/{self._uuid(name)}"),
            "namespaceId": self._uuid(name),
        }
        if args.inputs.get("manageAdminPassword"):
            # Redshift names the secret it manages redshift!<namespace>-<admin user>
            state["adminPasswordSecretArn"] = self._arn(
                "secretsmanager", region, f"secret:redshift!{name}-{admin}-{_suffix(name)[:6]}"
            )
        return name, state

    def _workgroup(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        name = str(args.inputs.get("workgroupName"))
        port = int(args.inputs.get("port") or 5439)
        return name, {
            "baseCapacity": 128,
            "enhancedVpcRouting": False,
            "publiclyAccessible": False,
            **args.inputs,
            "port": port,
            "arn": self._arn("redshift-serverless", region, f"workgroup/{self._uuid(name)}"),
            "workgroupId": self._uuid(name),
            "endpoints": [self._serverless_endpoint(name, region, port)],
        }

    def _security_group(
        self, args: pulumi.runtime.MockResourceArgs, region: str
    ) -> tuple[str, _State]:
        name = args.inputs.get("name") or f"{args.name}-{_suffix(args.name)}"
        group_id = f"sg-{hashlib.sha256(str(name).encode()).hexdigest()[:17]}"
        return group_id, {
            **args.inputs,
            "name": name,
            "arn": self._arn("ec2", region, f"security-group/{group_id}"),
            "vpcId": f"vpc-{hashlib.sha256(region.encode()).hexdigest()[:17]}",
            "ownerId": self.account_id,
        }

    def _ingress_rule(
        self, args: pulumi.runtime.MockResourceArgs, region: str
    ) -> tuple[str, _State]:
        rule_id = f"sgr-{hashlib.sha256(args.name.encode()).hexdigest()[:17]}"
        return rule_id, {
            **args.inputs,
            "securityGroupRuleId": rule_id,
            "arn": self._arn("ec2", region, f"security-group-rule/{rule_id}"),
        }

    def _workgroup_lookup(self, args: pulumi.runtime.MockCallArgs) -> _State:
        """``get_workgroup``: an existing workgroup of that name, public, on port 5439."""
        name = str(args.args.get("workgroupName"))
        region = str(args.args.get("region") or self._default_region())
        return {
            "id": name,
            "workgroupName": name,
            "workgroupId": self._uuid(name),
            "arn": self._arn("redshift-serverless", region, f"workgroup/{self._uuid(name)}"),
            "namespaceName": f"{name}-namespace",
            "endpoints": [self._serverless_endpoint(name, region, 5439)],
            "enhancedVpcRouting": False,
            "publiclyAccessible": True,
            "securityGroupIds": [],
            "subnetIds": [],
            "trackName": "current",
            "region": region,
        }

    def _cluster_lookup(self, args: pulumi.runtime.MockCallArgs) -> _State:
        """``get_cluster``: an existing provisioned cluster of that identifier on port 5439."""
        name = str(args.args.get("clusterIdentifier"))
        region = str(args.args.get("region") or self._default_region())
        endpoint = f"{name}.c{_suffix(name)}xyz.{region}.redshift.amazonaws.com"
        return {
            "id": name,
            "clusterIdentifier": name,
            "arn": self._arn("redshift", region, f"cluster:{name}"),
            "endpoint": endpoint,
            "port": 5439,
            "databaseName": "dev",
            "masterUsername": "admin",
            "publiclyAccessible": True,
            "nodeType": "ra3.xlplus",
            "numberOfNodes": 2,
            "region": region,
        }

    def _command(self, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, _State]:
        return f"{args.name}-id", {
            **args.inputs,
            "stdout": "",
            "stderr": "",
            "archive": pulumi.AssetArchive({}),
        }
