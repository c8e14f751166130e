"""The lanes' ``DeliveryState`` in the worker: one changelogged table, ``push_ledger``, holds both what is pending
for a partner and what it acknowledged, one record per (partner, object) under the ledger key
(``roamstream.partners.delivery.pending.ledger_entry``). Making an object pending is one record (its pending
state beside the ledger value it may have), and so is acknowledging it (the ledger value alone) or dropping it.

``push_pending``, the table that held pending states before, is only read: ``migrate`` moves what a worker of the
previous version left there into ``push_ledger`` when the partitions are taken up.
"""

from __future__ import annotations

import asyncio
import logging

from pipelines.table_writes import ChangelogWriter, in_partition
from pipelines.tables import Tables
from roamstream.kafka import DeliveryError
from roamstream.partners.delivery.pending import (
    PENDING_MARK,
    Pending,
    decode,
    ledger_entry,
    ledger_key_of,
    split_entry,
)
from roamstream.partners.exceptions import PendingStateError

log = logging.getLogger(__name__)


class TableState:
    def __init__(self, tables: Tables, source_topic: str, writer: ChangelogWriter) -> None:
        self._writer = writer
        self._table = tables.push_ledger
        self._legacy = tables.push_pending
        self._topic = source_topic
        #: ledger key -> (stored bytes, pending, acknowledged), for records holding a pending state: a lane reads
        #: an object's state several times per request
        self._decoded: dict[bytes, tuple[bytes, Pending, bytes | None]] = {}
        #: ledger key -> the changelog write of its latest record, until the broker acknowledged it
        self._writes: dict[bytes, asyncio.Future] = {}

    # -- reads --------------------------------------------------------------------------------------------

    def entry(self, key: bytes) -> tuple[Pending | None, bytes | None]:
        """``(pending state, acknowledged ledger value)`` of the object under ledger key ``key``."""
        raw = self._table.data.get(key)  # the store itself: faust's mapping adds a sensor call per read
        if raw is None or not raw.startswith(PENDING_MARK):
            self._decoded.pop(key, None)
            return None, raw
        known = self._decoded.get(key)
        if known is not None and known[0] == raw:
            return known[1], known[2]
        pending, acknowledged = split_entry(raw)
        assert pending is not None
        self._decoded[key] = (raw, pending, acknowledged)
        return pending, acknowledged

    def pending(self, key: bytes) -> Pending | None:
        """The pending state of the object under pending key ``key`` (``Pending.key``)."""
        return self.entry(ledger_key_of(key))[0]

    def ledger(self, key: bytes) -> bytes | None:
        """What the partner acknowledged of the object under ledger key ``key``."""
        return self.entry(key)[1]

    def known(self, key: bytes) -> bool:
        """Is the object under ledger key ``key`` pending or acknowledged?"""
        return bool(self._table.data.get(key))

    def pending_items(self) -> list[Pending]:
        """Every pending state of this worker's table (unreadable records are logged and left out)."""
        items = []
        for key, raw in list(self._table.data.items()):
            if not raw.startswith(PENDING_MARK):
                continue
            try:
                items.append(self.entry(key)[0])
            except PendingStateError:
                log.error("push_ledger %r: unreadable pending record left out of delivery", key)
        return [item for item in items if item is not None]

    # -- writes (each one record, in the object's partition) ------------------------------------------------

    def put(self, item: Pending) -> None:
        """Make ``item`` pending (replacing a pending state of the same object), keeping its ledger value."""
        _, acknowledged = self.entry(item.ledger_key)
        self._write(item, item.ledger_key, ledger_entry(item, acknowledged), (item, acknowledged))

    def acknowledge(self, item: Pending, ledger_value: bytes) -> None:
        """The partner has ``item``: ``ledger_value`` replaces its pending state (a newer state pending meanwhile
        stays pending, beside the new ledger value)."""
        pending, _ = self.entry(item.ledger_key)
        keep = pending if pending is not None and pending != item else None
        self._write(item, item.ledger_key, ledger_entry(keep, ledger_value),
                    (keep, ledger_value) if keep is not None else None)

    def drop(self, item: Pending) -> None:
        """``item`` is not to be sent any more, unless a newer state replaced it: the ledger value alone stays."""
        pending, acknowledged = self.entry(item.ledger_key)
        if pending == item:
            self._write(item, item.ledger_key, acknowledged)

    def _write(self, item: Pending, key: bytes, value: bytes | None,
               decoded: tuple[Pending, bytes | None] | None = None) -> None:
        """Store ``value`` under ``key``; ``decoded``: what it holds, if a pending state (read back without JSON)."""
        with in_partition(self._topic, item.partition):
            write = self._writer.store(self._table, item.partition, key, value)
        if decoded is not None and value is not None:
            self._decoded[key] = (value, *decoded)
        self._writes[key] = write
        write.add_done_callback(lambda done, key=key: self._written(key, done))

    def _written(self, key: bytes, write: asyncio.Future) -> None:
        if self._writes.get(key) is write and not write.cancelled() and write.exception() is None:
            del self._writes[key]

    async def durable(self, item: Pending) -> None:
        """Return once the latest record of ``item``'s object (its pending state, at least) is at the broker (at
        once if it was, or if it came from the changelog). A failed write is made again, and the caller told
        (``DeliveryError``)."""
        key = item.ledger_key
        write = self._writes.get(key)
        if write is None:
            return
        self._writer.kick()
        try:
            await asyncio.shield(write)
        except asyncio.CancelledError:
            if not write.cancelled():
                raise
            failure: BaseException = asyncio.CancelledError()
        except Exception as exc:
            failure = exc
        else:
            return
        if self._writes.get(key) is write:
            current = self._table.data.get(key)
            with in_partition(self._topic, item.partition):
                again = self._writer.store(self._table, item.partition, key, current)
            self._writes[key] = again
            again.add_done_callback(lambda done, key=key: self._written(key, done))
        raise DeliveryError(f"push_ledger {key!r}: the changelog write failed: {failure!r}")

    def migrate(self, partitions: set[int]) -> int:
        """Move the pending states a previous version left in ``push_pending`` (of ``partitions``) into
        ``push_ledger``; returns how many."""
        moved = 0
        for key, raw in list(self._legacy.items()):
            try:
                item = decode(raw)
            except PendingStateError:
                log.error("push_pending %r: unreadable record dropped from delivery", key)
                continue
            if item.partition not in partitions:
                continue
            if self.entry(item.ledger_key)[0] is None:
                self.put(item)
            with in_partition(self._topic, item.partition):
                self._writer.store(self._legacy, item.partition, key, None)
            moved += 1
        return moved
