"""Firehose, locally: the API calls a handler makes (limits, errors) and the delivery emulator."""

from jaya_pulumi.local.firehose.api import StreamSettings
from jaya_pulumi.local.firehose.emulator import Delivery, FirehoseEmulator

__all__ = ["Delivery", "FirehoseEmulator", "StreamSettings"]
