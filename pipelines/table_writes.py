"""Write a faust table from outside an agent's event, into a partition the caller names.

faust takes the changelog partition of a table write (and the RocksDB store's partition) from the event being
processed. The delivery lanes write the push ledger and the pending state after a partner answered, long after
the event that made the object pending was acknowledged; they know its partition (it is kept in the pending
record), and ``in_partition`` lets faust see it, so that state stays co-partitioned with its input.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import faust
from faust.streams import _current_event

from pipelines.group_commit import GroupCommit
from roamstream.kafka import DeliveryError


@dataclass(frozen=True, slots=True)
class _Message:
    topic: str
    partition: int


class _Event:
    __slots__ = ("message", "__weakref__")

    def __init__(self, topic: str, partition: int) -> None:
        self.message = _Message(topic, partition)


@contextlib.contextmanager
def in_partition(topic: str, partition: int) -> Iterator[None]:
    """Table writes inside the block go to ``partition`` (as if an event of ``topic`` were processed)."""
    event = _Event(topic, partition)
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


def store(table: faust.Table, partition: int, key: bytes, value: bytes) -> faust.types.FutureMessage:
    """Set ``key`` in ``table`` and send its changelog record to ``partition`` (not the current event's: the
    caller names it); the record's future is done once the broker acknowledged it."""
    table.data[key] = value
    return table.send_changelog(partition, key, value)


#: how many times ``ChangelogWriter.flush`` writes a failed changelog record again before it gives up
FLUSH_ATTEMPTS = 3


class ChangelogWriter:
    """Table writes whose changelog records go out through a ``GroupCommit`` producer (confluent-kafka) instead of
    faust's producer buffer (about 50 event-loop callbacks and 11 ``wait_for`` per record there).

    The changelog is the same: the table's changelog topic, the partition the caller names (the event's), the raw
    key and value (None: a tombstone); faust recovers the table from it as from its own records. A table written
    here must be written only here (two producers would not keep one key's records in order). Not done: with the
    RocksDB store, faust's persisted changelog offset is not advanced by these records (it is by a record of its
    own producer's), so a restarted worker reads such a table's changelog again from further back: slower, same
    content.

    ``flush`` returns once every record written before it is at the broker (a failed one is written again, from
    the table's current value); faust awaits it whenever it flushes its own producer, which it does before every
    offset commit (``pipelines.compat.flush_with_producer``), so the input offsets are never ahead of these
    records either."""

    def __init__(self, producer: Callable[[], GroupCommit]) -> None:
        self._producer = producer
        self._topics: dict[int, str] = {}
        #: writes not yet known to be at the broker: (table, partition, key, future)
        self._unconfirmed: list[tuple[faust.Table, int, bytes, asyncio.Future]] = []

    def store(self, table: faust.Table, partition: int, key: bytes, value: bytes | None) -> asyncio.Future:
        """Set ``key`` in ``table`` (``None``: remove it) and write its changelog record to ``partition``; the
        future is done once a later flush found the record at the broker (``kick`` starts one)."""
        write = self._send(table, partition, key, value)  # first: a record librdkafka refuses changes nothing
        if value is None:
            table.data.pop(key, None)
        else:
            table.data[key] = value
        return write

    def _send(self, table: faust.Table, partition: int, key: bytes, value: bytes | None) -> asyncio.Future:
        topic = self._topics.get(id(table))
        if topic is None:
            topic = self._topics[id(table)] = table.changelog_topic.get_topic_name()
        write = self._producer().write(topic, partition, key, value)
        self._unconfirmed.append((table, partition, key, write))
        return write

    def kick(self) -> None:
        """Start a flush of what waits for one (``GroupCommit.kick``)."""
        if self._unconfirmed:
            self._producer().kick()

    async def flush(self) -> None:
        """Return once every changelog record written so far is at the broker; ``DeliveryError`` if one could not
        be written in ``FLUSH_ATTEMPTS`` flushes (faust then commits nothing)."""
        for _ in range(FLUSH_ATTEMPTS):
            if not self._unconfirmed:
                return
            written, self._unconfirmed = self._unconfirmed, []
            try:
                await self._producer().flushed()
            except BaseException:
                self._unconfirmed = written + self._unconfirmed
                raise
            failed: dict[tuple[int, bytes], tuple[faust.Table, int, bytes]] = {}
            for table, partition, key, write in written:
                # not done: produced by a producer closed meanwhile without resolving it; written again as well
                if not write.done() or write.cancelled() or write.exception() is not None:
                    failed[(id(table), key)] = (table, partition, key)
                else:
                    failed.pop((id(table), key), None)  # a later record of the key is at the broker
            if not failed:
                return
            later = {(id(table), key) for table, _, key, _ in self._unconfirmed}
            for name, (table, partition, key) in failed.items():
                if name not in later:  # else a record written since carries the key's value
                    self._send(table, partition, key, table.data.get(key))
        raise DeliveryError(f"changelog records not written in {FLUSH_ATTEMPTS} flushes; offsets not committed")
