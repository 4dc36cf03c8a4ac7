"""examples/s3_to_redshift_serverless.py end to end on the local cloud: rows read back over the Data API.

The warehouse's admin secret is the one the namespace's mock reports (Redshift names it
``redshift!<namespace>-admin``); the table is created through the Data API with it, Firehose logs in
with it, and a test reads the rows with ``WorkgroupName``, ``Database`` and ``SecretArn``.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from jaya_pulumi import load_pipelines
from jaya_pulumi.testing import test

EXAMPLE = Path(__file__).parents[2] / "examples" / "s3_to_redshift_serverless.py"


def select(h: Any, secret_arn: str, sql: str) -> list[list[dict[str, Any]]]:
    """Run ``sql`` in workgroup analytics-local over the Data API; return its records."""
    client = h.client("redshift-data")
    run = client.execute_statement(
        WorkgroupName="analytics-local", Database="dev", SecretArn=secret_arn, Sql=sql
    )
    assert client.describe_statement(Id=run["Id"])["Status"] == "FINISHED"
    return list(client.get_statement_result(Id=run["Id"])["Records"])


def test_the_serverless_example_loads_rows_read_back_through_the_data_api(
    postgres_url: str,
) -> None:
    (piper,) = load_pipelines(EXAMPLE)
    with test(piper, database_url=postgres_url) as h:
        warehouse = h.outputs["clicks"]["warehouses"]["analytics-{stack}"]
        secret_arn = warehouse["secret_arn"]
        assert ":secret:redshift!analytics-local-admin-" in secret_arn
        assert select(h, secret_arn, "SELECT count(*) FROM clicks") == [[{"longValue": 0}]]

        body = gzip.compress(
            b'{"user_id": 7, "page": "/home", "at": "2026-12-02T18:00:00Z"}\n'
            b'{"user_id": 8, "page": "/buy", "at": "2026-12-02T18:01:00Z"}\n'
        )
        h.client("s3").put_object(Bucket="clicks-drop-local", Key="c.json.gz", Body=body)
        h.flush()

        assert select(h, secret_arn, "SELECT count(*) FROM clicks") == [[{"longValue": 2}]]
        assert select(h, secret_arn, "SELECT user_id, page FROM clicks ORDER BY user_id") == [
            [{"longValue": 7}, {"stringValue": "/home"}],
            [{"longValue": 8}, {"stringValue": "/buy"}],
        ]
