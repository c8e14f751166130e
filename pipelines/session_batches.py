"""Batches. The agent takes up to ``sessions_batch_max`` events at a time (``pipelines.event_batches``).
``SessionFolder`` folds them in offset order with each touched state held decoded: a state is read from the table once
(and not decoded again while the table holds the value the folder wrote: it keeps the states it wrote, bounded),
every event is applied and drained as if it came alone (so the outputs are those of per-event processing),
and the changed states are written back (one changelog record per charge point, however many batches
changed it; explicit partition, through the stage's changelog producer, ``pipelines.stage_output``) after
every batch while the worker keeps up with its partitions, and at most every ``sessions_flush_interval_s``
while it is catching up (``caught_up``). Only then are the events acked, so a committed offset never runs
ahead of the changelog (a restart folds the events after it again onto the states written with them; the
fold drops the duplicates). Outputs are handed to the producers (a send returns once the record is queued); the stage
flushes them before it writes the states back, so a changelog never runs ahead of the records its states produced
(``SessionsStage.write_back``), and a batch whose records were not all sent is forgotten, unacked; faust flushes its
producer and the stage's again before it commits offsets, so at-least-once holds.

Determinism. Every event of a charge point comes from one partition of ``ocpp.events.v1`` in the order the
connector received it (``roamstream.events``), and a state changes only by its own charge point's events
(event time included: ``roamstream.sessions.state.Params``). So a charge point's outputs do not depend on
the other charge points of its partition, on batch boundaries, on the partition count, or on where a
worker restarted: a restart re-applies events onto the state written with them, and re-applying an event
already folded changes nothing that an output shows (the fold deduplicates facts; an emitted session's
transaction is remembered and its later events dropped), so the same sessions complete with the same
records, each stamped with the receive time of the event that completed it (``received_at``, from the
message). Nothing here reads a clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from roamstream import sessions as fold
from roamstream.config import PipelineSettings
from roamstream.exceptions import RoamstreamError
from roamstream.memo import WeightedLru
from roamstream.sessions.state import from_us


def fold_params(p: PipelineSettings) -> fold.Params:
    return fold.Params(
        horizon=timedelta(minutes=p.session_horizon_min), settle=timedelta(minutes=p.session_settle_min),
        snapshot_every=timedelta(minutes=p.snapshot_every_min), snapshot_kwh=Decimal(str(p.snapshot_kwh)),
    )


@dataclass(slots=True)
class Item:
    """One consumed record: decoded (``record``) or not (``error``); ``source`` is kept for dead letters."""

    key: bytes
    partition: int
    record: dict | None
    error: str | None = None
    source: Any = None


@dataclass
class BatchResult:
    #: (key, output, the item that caused it)
    outputs: list[tuple[bytes, fold.Output, Item]] = field(default_factory=list)
    #: (key, the item it concerns, reason, event time) to dead-letter
    failures: list[tuple[bytes, Item, str, datetime | None]] = field(default_factory=list)
    #: (partition, key, value) to write to the table, once per key
    writes: list[tuple[int, bytes, bytes]] = field(default_factory=list)


class _Held:
    """A state held for the batch: the stored bytes it came from and the events applied since (their records, or
    their sources when the folder can decode them again), so that a failed one can be undone by applying the
    others again (the fold updates in place)."""

    __slots__ = ("state", "stored", "steps", "partition")

    def __init__(self, state: fold.State, stored: bytes | None, partition: int) -> None:
        self.state = state
        self.stored = stored
        self.steps: list[Any] = []
        self.partition = partition


def stamp_completed(outputs: list[fold.Output], record: dict) -> None:
    """A session completed by draining after ``record`` (each event is drained as if it came alone) carries
    the time the connector received ``record`` as ``received_at``: the earliest its CDR can exist
    (``roamstream.cdrs.assemble.creation_time``), a time from the message, the same on every replay."""
    at = record["received_at"]
    received = from_us(at) if isinstance(at, int) else at
    for output in outputs:
        if output.kind == fold.COMPLETED:
            output.record["received_at"] = received


#: ``json.dumps(state, separators=(",", ":"))``'s encoder, made once, without the check for reference cycles (a
#: state is a tree of plain JSON data: it has none): the same text, some 10 % sooner
_ENCODER = json.JSONEncoder(separators=(",", ":"), check_circular=False)


def _dumps(state: fold.State) -> bytes:
    return _ENCODER.encode(state).encode()


def _written_size(written: tuple[bytes, fold.State]) -> int:
    return len(written[0])


class SessionFolder:
    """Folds batches of consumed records into session states read through ``load`` (the table's ``get``)
    and written back through the writes that ``flush`` returns (``run`` flushes after its batch unless told
    not to: then the changed states stay held, decoded, until a later ``flush``). The states a flush wrote are kept,
    decoded, up to ``keep_written`` bytes of their values (decoded, some three times that), and taken up instead of
    decoding the table's value when it is the one written. ``forget`` drops unflushed and kept states (on a
    rebalance) so that they are read again from the table.

    With ``decode`` (the record of an item's ``source``: the stage's decoding of the consumed message), the folder
    keeps the sources of the events it folds, not their records, and decodes them again only to undo a failed
    event: a record fed in as the caller decodes it (``run`` takes the items one at a time) is let go as soon as it
    is folded, while its memory is still in the cache, instead of the batch's records all at the flush (some 2 µs
    an event in batches of 5,000). Without it, the records are kept until the flush."""

    def __init__(self, params: fold.Params, load: Callable[[bytes], bytes | None], *,
                 keep_written: int = 16 << 20, decode: Callable[[Any], dict] | None = None) -> None:
        self.params = params
        self._load = load
        self._decode = decode
        self._held: dict[bytes, _Held] = {}
        #: key -> (the value a flush returned, its state): the states written, decoded, up to ``keep_written``
        #: bytes of their values (the least recently written go first)
        self._written: WeightedLru[bytes, tuple[bytes, fold.State]] = WeightedLru(keep_written, _written_size)

    def forget(self) -> None:
        self._held.clear()
        self._written.clear()

    def flush(self) -> list[tuple[int, bytes, bytes]]:
        """(partition, key, value) of every state changed since the last flush, once each."""
        writes = []
        for key, h in self._held.items():
            if h.steps:
                value = _dumps(h.state)
                writes.append((h.partition, key, value))
                self._written.put(key, (value, h.state))
        self._held.clear()
        return writes

    def _hold(self, key: bytes, partition: int, cp: str) -> _Held:
        """The state of ``key``, held for the batch: read from the table, unless it is the value a flush wrote
        (then the state it was made from, which is plain JSON data: decoding the value gives an equal one)."""
        h = self._held.get(key)
        if h is None:
            stored = self._load(key)
            written = self._written.pop(key)
            if stored is not None and written is not None and written[0] == stored:
                state = written[1]
            else:
                state = json.loads(stored) if stored is not None else fold.initial(cp)
            h = self._held[key] = _Held(state, stored, partition)
        return h

    def run(self, items: Iterable[Item], *, flush: bool = True) -> BatchResult:
        """Fold ``items`` in order, taking each only once the one before is folded."""
        result = BatchResult()
        params = self.params
        keep_records = self._decode is None
        for item in items:
            record = item.record
            if record is None:
                result.failures.append((item.key, item, item.error or "undecodable", None))
                continue
            key = item.key
            h = self._hold(key, item.partition, record["charge_point_id"])
            try:
                fold.apply(h.state, record)
                _, outputs = fold.drain(h.state, params)
            except RoamstreamError as exc:
                if h.stored is None and not h.steps:
                    del self._held[key]  # as if never read: the next event starts it again
                else:
                    h.state = self._replay(h)
                at = record.get("timestamp")
                result.failures.append((key, item, str(exc), from_us(at) if isinstance(at, int) else at))
                continue
            h.steps.append(record if keep_records else item.source)
            if outputs:  # most events give none
                stamp_completed(outputs, record)
                result.outputs.extend((key, output, item) for output in outputs)
        if flush:
            result.writes = self.flush()
        return result

    def _replay(self, h: _Held) -> fold.State:
        """The state before the failed step: the stored one with the successful steps since then again."""
        state = json.loads(h.stored) if h.stored is not None else fold.initial(h.state["cp"])
        for step in h.steps:
            fold.apply(state, step if self._decode is None else self._decode(step))
            fold.drain(state, self.params)
        return state
