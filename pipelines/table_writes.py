"""Write a faust table from outside an agent's event, into a partition the caller names.

faust takes the changelog partition of a table write (and the RocksDB store's partition) from the event being
processed. The delivery lanes write the push ledger and the pending state after a partner answered, long after
the event that made the object pending was acknowledged; they know its partition (it is kept in the pending
record), and ``in_partition`` lets faust see it, so that state stays co-partitioned with its input.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

import faust
from faust.streams import _current_event


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


def store(table: faust.Table, partition: int, key: bytes, value: bytes | None) -> faust.types.FutureMessage:
    """Set ``key`` in ``table`` (``None``: remove it) and send its changelog record (``None``: a tombstone) to
    ``partition`` (not the current event's: the caller names it); the record's future is done once the broker
    acknowledged it."""
    if value is None:
        table.data.pop(key, None)
        return table.send_changelog(partition, key, None, value_serializer="raw")
    table.data[key] = value
    return table.send_changelog(partition, key, value)
