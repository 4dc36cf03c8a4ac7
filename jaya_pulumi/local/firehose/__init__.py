"""Firehose, locally: the harness's streams and call routing (``api.py``), the service's limits and
a stream's settings (``settings.py``), and the delivery emulator (``emulator.py``).

Firehose builds on ``local/redshift`` (it loads the tables there); never the other way round.
"""

from jaya_pulumi.local.firehose.api import FULL_PARAMS, LocalFirehose
from jaya_pulumi.local.firehose.emulator import Delivery, FirehoseEmulator
from jaya_pulumi.local.firehose.settings import StreamSettings

__all__ = ["FULL_PARAMS", "Delivery", "FirehoseEmulator", "LocalFirehose", "StreamSettings"]
