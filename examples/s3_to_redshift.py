"""The seed's second pipeline: S3 -> MapS3ToFirehoseLambda -> Firehose -> Redshift table.

The seed's snippet with its import lines changed to jaya_pulumi, one fix it needed to run at all
(its ``p = source_s3 \\`` had spaces after the backslash, a SyntaxError), and the mapper made
real: each line is a JSON object sent to ``my-firehose``. The password is stored as a Pulumi
secret all the same; the README shows ``ConfigSecret`` to keep it out of the file.
"""

from jaya_pulumi import S3, Pipeline, Firehose, Table
from jaya_pulumi import MapS3ToFirehoseLambda
import gzip
import json
import sqlalchemy as sa
from jaya_pulumi import deploy


def a_mapper(line, bucket, key):
    """
    A function for the MapS3ToFirehoseLambda. Parse each line as one JSON object and send it to
    the 'my-firehose' delivery stream, which loads it into the table with COPY JSON 'auto'.
    """
    return [{'firehose_name': 'my-firehose',
             'result': [json.loads(line)]}

            ]

environment = 'staging'
region = 'us-east-1'
source_bucket = 'my-source-bucket'
source_s3 = S3(source_bucket, region, on=[S3.ALL_CREATED_OBJECTS])
firehose_name = 'my-firehose'

db_conf = {'db-name': 'my-db-name',
           'db-user': 'my-user',
           'db-passwd': 'my-passwd',
           'db-server': 'my-cluser-url'}

table = 'my-table'
holding_bucket = 'my-holding-bucket'
aws_conf = {'firehose_role': 'my_role'} # and other AWS Credentials

firehose_s3_prefix = 'my-firehose-prefix'
schema = 'my-schema'
mapper = MapS3ToFirehoseLambda(open_function=gzip.open,
                               map_function=a_mapper,
                               batch_size=499,
                               memory=1536,
                               timeout=300,
                               region_name=region,
                               alias=environment)

a_firehose = Firehose(firehose_name,
                        db_conf['db-name'],
                        db_conf['db-user'],
                        db_conf['db-passwd'],
                        db_conf['db-server'],
                        table,
                        holding_bucket,
                        aws_conf['firehose_role'],
                        prefix=firehose_s3_prefix,
                        buffering_interval_seconds=60
                        )
a_table = Table(
    db_conf,
    table,
    sa.Column('name', sa.String),
    sa.Column('age', sa.String),
    schema=schema,
    redshift_diststyle='KEY',
    redshift_distkey='name',

)
p = source_s3 \
    >> mapper \
    >> a_firehose \
    >> a_table
piper = Pipeline('my-trial', [p])

deploy.deploy_pipeline(aws_conf, environment, piper)
