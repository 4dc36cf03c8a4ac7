"""``pulumi_aws``, loaded with its own deprecation notices silenced: only those, only here.

``pulumi_aws`` loads each service module lazily, on first attribute access, and a module such as
``pulumi_aws.s3`` warns at load time about every deprecated class it defines (``BucketV2``,
``BucketAclV2``, ...), classes jaya never uses. Left alone, that first access happens inside a
user's ``synth``/``test`` call and their pytest run prints two dozen ``DeprecationWarning``s they can
do nothing about. So the service modules jaya uses are loaded here, once, under a filter that matches
``DeprecationWarning`` raised from ``pulumi_aws`` modules only. The user's own warning filters are
untouched: ``warnings.catch_warnings`` restores them as it leaves.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import pulumi

__all__ = ["aws", "queue_not_empty_alarm"]

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pulumi_aws(\.|$)")
    import pulumi_aws as aws

    # Reading a class runs each lazily loaded service module now, inside the filter.
    _LOADED = (
        aws.cloudwatch.LogGroup,
        aws.ec2.SecurityGroup,
        aws.cloudwatch.EventRule,
        aws.iam.Role,
        aws.kms.Key,
        aws.kinesis.FirehoseDeliveryStream,
        aws.lambda_.Function,
        aws.redshift.get_cluster_output,
        aws.redshiftserverless.Workgroup,
        aws.s3.Bucket,
        aws.vpc.SecurityGroupIngressRule,
        aws.sns.Topic,
        aws.sqs.Queue,
    )


def queue_not_empty_alarm(
    resource_name: str,
    alarm_name: str,
    description: str,
    queue_name: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
    topics: Sequence[str] = (),
) -> Any:
    """A CloudWatch alarm that fires while the queue holds any visible message (a failure or
    dead-letter queue: nothing should wait there), notifying ``topics`` when given."""
    return aws.cloudwatch.MetricAlarm(
        resource_name,
        name=alarm_name,
        alarm_description=description,
        namespace="AWS/SQS",
        metric_name="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": queue_name},
        statistic="Maximum",
        period=60,
        evaluation_periods=1,
        threshold=0,
        comparison_operator="GreaterThanThreshold",
        treat_missing_data="notBreaching",
        alarm_actions=list(topics),
        ok_actions=list(topics),
        opts=opts,
    )
