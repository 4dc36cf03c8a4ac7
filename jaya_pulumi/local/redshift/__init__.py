"""Redshift, locally: the database (``database.py``, embedded PostgreSQL) and COPY (``copy.py``).

Only the COPY emulation is re-exported here. Nothing here imports ``local/firehose``: Firehose
builds on Redshift (its emulator loads through COPY, its streams through the database), one way.
"""

from jaya_pulumi.local.errors import UnsupportedCopyOptionError
from jaya_pulumi.local.redshift.copy import CopyOptions, CopyResult, copy_json, parse_copy_options

__all__ = [
    "CopyOptions",
    "CopyResult",
    "UnsupportedCopyOptionError",
    "copy_json",
    "parse_copy_options",
]
