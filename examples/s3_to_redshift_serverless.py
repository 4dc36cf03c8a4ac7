"""S3 -> MapS3ToFirehoseLambda -> Firehose -> a table in Redshift Serverless, with no password anywhere.

``RedshiftServerless`` creates the namespace (its admin password kept by Secrets Manager), the
workgroup, and the ingress rule that lets the region's Firehose reach the workgroup's port. The
table is created over the Redshift Data API with that secret, and the stream logs in with it too:
no password is an input of any resource, and the stream's role may read that one secret only.

    jaya graph examples/s3_to_redshift_serverless.py
    jaya local examples/s3_to_redshift_serverless.py --put clicks-drop-{stack}/clicks.json.gz=./clicks.json.gz
"""

import gzip

import sqlalchemy as sa
from clicks_mapper import to_clicks  # beside this file: it ships by reference (see its docstring)

from jaya_pulumi import S3, Firehose, MapS3ToFirehoseLambda, Pipeline, RedshiftServerless, Table

warehouse = RedshiftServerless("analytics-{stack}", "analytics-{stack}", database="dev")

clicks = Table(
    warehouse.db_conf,
    "clicks",
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("page", sa.String(256)),
    sa.Column("at", sa.DateTime(timezone=True)),
    redshift_sortkey="at",
)

stream = Firehose.for_table(
    clicks,
    "clicks",
    "clicks-holding-{stack}",
    "clicks-loader-{stack}",
    prefix="clicks/",
    buffering_interval_seconds=60,
)

mapper = MapS3ToFirehoseLambda(open_function=gzip.open, map_function=to_clicks)

piper = Pipeline(
    "clicks",
    [S3("clicks-drop-{stack}", on=[S3.ALL_CREATED_OBJECTS]) >> mapper >> stream >> clicks],
)
