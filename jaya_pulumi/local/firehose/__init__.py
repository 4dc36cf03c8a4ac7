"""Firehose, locally: the API calls a handler makes (limits, errors) and the delivery emulator."""

from jaya_pulumi.local.firehose.emulator import Delivery, FirehoseEmulator, StreamSettings

__all__ = ["Delivery", "FirehoseEmulator", "StreamSettings"]
