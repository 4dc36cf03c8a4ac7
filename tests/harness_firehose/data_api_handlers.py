"""A handler that queries the warehouse over the Redshift Data API, as a Lambda function would."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:analytics-admin-Qw3Er5"
"""The secret the warehouse's tables log in with."""


def count_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Count a table's rows through the Data API; return the count or the error.

    An invocation may name ``workgroup``, ``secret_arn`` and ``table``; an S3 event counts
    ``events`` in workgroup ``analytics`` with :data:`SECRET`.
    """
    client = boto3.client("redshift-data")
    try:
        started = client.execute_statement(
            WorkgroupName=str(event.get("workgroup", "analytics")),
            Database="dev",
            SecretArn=str(event.get("secret_arn", SECRET)),
            Sql=f"SELECT count(*) FROM {event.get('table', 'events')}",
        )
        status = client.describe_statement(Id=started["Id"])["Status"]
        records = client.get_statement_result(Id=started["Id"])["Records"]
    except ClientError as exc:
        return {"error": f"{exc.response['Error']['Code']}: {exc.response['Error']['Message']}"}
    return {"status": status, "count": records[0][0]["longValue"]}
