"""A delivery's staged object: gzip-compressed in a thread while COPY reads the records.

Firehose stages each delivery in the holding bucket before it loads it; the emulator compresses
the body at level 1 in a thread from the moment the delivery starts (zlib lets go of the GIL) and
puts it before the first row is inserted, or at the end when COPY failed before its rows.
"""

from __future__ import annotations

import gzip
import threading
from typing import Any

from jaya_pulumi.local.firehose.settings import StreamSettings

__all__ = ["Staging"]


class Staging:
    """A delivery's staged object: compressed in a thread from the start, put on first call."""

    def __init__(self, s3: Any, settings: StreamSettings, key: str, body: bytes) -> None:
        self._s3, self._settings, self._key = s3, settings, key
        self._staged: list[bytes] = [body]
        self._done = False
        self._thread: threading.Thread | None = None
        if settings.compression == "GZIP":
            self._thread = threading.Thread(target=self._compress, name="jaya-firehose-gzip")
            self._thread.start()

    def _compress(self) -> None:
        self._staged[0] = gzip.compress(self._staged[0], compresslevel=1, mtime=0)

    def __call__(self) -> None:
        """Put the object into the holding bucket (once; later calls do nothing)."""
        if self._done:
            return
        self._done = True
        if self._thread is not None:
            self._thread.join()
        body = self._staged.pop()
        self._s3.put_object(Bucket=self._settings.bucket, Key=self._key, Body=body)
