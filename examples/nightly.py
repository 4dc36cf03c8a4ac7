"""A nightly job: at 02:00 UTC a function writes one report object into a bucket."""

import json

from jaya_pulumi import S3, AWSLambda, Pipeline, Schedule


def write_report(event, context):
    """Write ``reports/<scheduled time>.json`` to every bucket the function feeds."""
    import boto3

    from jaya_pulumi.runtime import destinations

    s3 = boto3.client("s3")
    body = json.dumps({"scheduled_for": event["time"], "rule": event["resources"]})
    for destination in destinations():
        key = f"{destination.prefix}{event['time']}.json"
        s3.put_object(Bucket=destination.bucket, Key=key, Body=body.encode())
    return {"written": len(destinations())}


every_night = Schedule("cron(0 2 * * ? *)", name="every-night")
report = AWSLambda("report", write_report, timeout=120)
reports = S3("nightly-reports-{stack}", prefix="reports/")

piper = Pipeline("nightly", [every_night >> report >> reports])
