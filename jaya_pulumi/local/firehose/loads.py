"""A stream's deliveries, and their COPYs on a worker thread, in delivery order.

Firehose loads in the background: the call that fills a buffer returns while the load runs.
:class:`Loads` does the same with one worker thread and one connection (as a cluster's): the
emulator submits each delivery's COPY and goes on; the database parses the records in its own
process (:mod:`~jaya_pulumi.local.redshift.bulk`), so the handler keeps the harness's core.
:meth:`Loads.settle` records the finished loads on the caller's thread, where the error objects
are written with the stream's role.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jaya_pulumi.local.firehose.settings import StreamSettings
from jaya_pulumi.local.redshift.copy import CopyOptions, CopyResult, RejectedRecord, copy_json

__all__ = ["IN_FLIGHT", "Delivery", "Loads"]

IN_FLIGHT = 2
"""Loads a producer may run ahead of (their bodies are held until loaded): memory stays flat."""


@dataclass
class Delivery:
    """One buffer's worth of records staged (and loaded) by a stream."""

    stream: str
    """The stream's name."""
    key: str
    """The staged object's key in the holding bucket."""
    records: int
    """Records in the object."""
    size: int
    """Bytes of record data (before compression)."""
    reason: str
    """Why it was delivered: ``size``, ``interval``, ``flush`` or ``exit``."""
    loaded: int = 0
    """Rows COPY inserted."""
    rejected: list[RejectedRecord] = field(default_factory=list)
    """Records COPY rejected (written under the error prefix)."""
    error_key: str | None = None
    """The error object's key, when records were rejected."""
    error: BaseException | None = None
    """Why staging or loading failed as a whole, if it did."""


class Loads:
    """COPYs into the local database on one worker thread, oldest first.

    :param connect: opens a new DB-API (psycopg2) connection; used on the worker thread only.
    """

    def __init__(self, connect: Callable[[], Any] | None) -> None:
        self._connect = connect
        self._conn: Any = None
        self._worker: concurrent.futures.ThreadPoolExecutor | None = None
        self._pending: list[
            tuple[Delivery, concurrent.futures.Future[CopyResult], Callable[[Delivery], None]]
        ] = []

    def submit(
        self,
        delivery: Delivery,
        settings: StreamSettings,
        options: CopyOptions,
        body: bytes,
        staged: Callable[[], object],
        loaded: Callable[[Delivery], None],
    ) -> None:
        """Start ``delivery``'s COPY of ``body``; ``staged`` blocks until the object is staged
        (and raises if staging failed); ``loaded`` is called on settling, once its rows are in."""
        if self._worker is None:
            self._worker = concurrent.futures.ThreadPoolExecutor(
                1, thread_name_prefix="jaya-firehose-copy"
            )
        future = self._worker.submit(self._load, settings, options, body, staged)
        self._pending.append((delivery, future, loaded))

    def settle(self, keep: int = 0) -> None:
        """Record every finished load, waiting for the oldest until at most ``keep`` run."""
        while self._pending and (len(self._pending) > keep or self._pending[0][1].done()):
            delivery, future, loaded = self._pending.pop(0)
            try:
                result = future.result()
            except Exception as exc:  # when staging failed, that error stays the reason
                delivery.error = delivery.error or exc
                continue
            delivery.loaded, delivery.rejected = result.loaded, result.rejected
            if delivery.error is None:
                try:
                    loaded(delivery)
                except Exception as exc:
                    delivery.error = exc

    def close(self) -> None:
        """Wait for the loads in flight (recording them), stop the worker, disconnect."""
        try:
            self.settle()
        finally:
            if self._worker is not None:
                self._worker.shutdown(wait=True)
                self._worker = None
            self._disconnect()

    def _load(
        self,
        settings: StreamSettings,
        options: CopyOptions,
        body: bytes,
        staged: Callable[[], object],
    ) -> CopyResult:
        """One delivery's COPY, on the worker thread (the only user of the connection)."""
        assert settings.table is not None and self._connect is not None
        if self._conn is None or self._conn.closed:
            self._conn = self._connect()
        try:
            return copy_json(
                self._conn, settings.table, body, options, settings.columns, before_insert=staged
            )
        except Exception:
            self._disconnect()  # a fresh one next time: this one may be unusable
            raise

    def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
