"""The mapper of ``s3_to_redshift_serverless.py``, in a module of its own.

A pipeline file with a ``Table`` imports sqlalchemy, which Lambda lacks, so a handler defined there
ships by value (pickled, with a warning). A module like this one imports only what Lambda has, so
its functions ship by reference: the archive holds this file and Lambda imports it by name.
"""

import json


def to_clicks(line, bucket, key):
    """Each line is one JSON click, sent to the 'clicks' stream (keys match the lower-case columns)."""
    return [{"firehose_name": "clicks", "result": [json.loads(line)]}]
