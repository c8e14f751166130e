"""Batches. The agent takes up to ``sessions_batch_max`` events at a time (``take_events``). ``SessionFolder``
folds them in arrival order with each touched state held decoded: a state is read from the table once,
every event is applied and drained as if it came alone (so the outputs are those of per-event processing),
and the changed states are written back (one changelog record per charge point, however many batches
changed it; explicit partition, through faust's producer buffer) after every batch while the worker keeps
up with its partitions, and at most every ``sessions_flush_interval_s`` while it is catching up
(``caught_up``). Only then are the events acked, so a committed offset never runs ahead of the changelog (a
restart folds the events after it again onto the states written with them; the fold drops the
duplicates). Outputs are handed to the producer (``send`` returns once the record is queued; delivery is
not awaited); faust flushes the producer before it commits offsets, so at-least-once holds.

A charge point's sessions complete on the partition clock (below) at least as early as on its own event
time, so a session may complete before that charge point's next event: earlier than in an agent that only
drained on the charge point's own events, with the same records as long as no event for it comes later
than the partition's event time passed its stop + settle (such an event is then late, counted and dropped,
see ``roamstream.sessions.drain``). A station whose clock runs behind the others of its partition thus has
a shorter settle window.

Event time of a partition (the timer rule). A stopped session completes once its charge point's event time
passes stop + settle; a charge point that goes quiet would keep its last session open. So each partition of
``ocpp.transaction.v1`` has a clock: the latest transaction-event station time seen on it (never the wall
clock). After every event, each charge point of that partition whose ``next_due`` has been reached by the
partition's clock is expired to it (``expire`` + ``drain``), at that position in the partition's order, so
a replay of the same partitions completes the same sessions at the same places. No wall-clock timer
expires sessions: without a new event the clock does not move, so a timer could never find more that is
due (the agent's only timer writes back states that wait for it). The
clock and the due times of its charge points are kept in the table under ``b"\\x00partition/<n>"`` (same
partition), so they survive a restart with the states.

Station events in receive order. The two topics are read at the pace the broker serves them, so a status
may be read ahead of the transaction events received before it (a replay reads the smaller station topic
well ahead), and it would then close sessions whose stops are still to come. So a partition also keeps the
latest receive time of its transaction events (``rx``): a status received after it waits (``held``, kept
with the clock) until a transaction event received later comes, and is applied just before it — the order
in which the connector received them. A status received before it is applied at once. A replay that reads
the station topic first therefore folds every partition exactly in receive order.
"""


from __future__ import annotations

import heapq
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from roamstream import sessions as fold
from roamstream.config import PipelineSettings
from roamstream.exceptions import RoamstreamError
from roamstream.sessions.state import from_us, to_us

TRANSACTION = "ocpp.transaction.v1"
STATION = "ocpp.station.v1"
#: statuses a partition holds for a later transaction event, at most (beyond: applied as they come)
MAX_HELD = 10_000


def fold_params(p: PipelineSettings) -> fold.Params:
    return fold.Params(
        horizon=timedelta(minutes=p.session_horizon_min), settle=timedelta(minutes=p.session_settle_min),
        snapshot_every=timedelta(minutes=p.snapshot_every_min), snapshot_kwh=Decimal(str(p.snapshot_kwh)),
    )


def clock_key(partition: int) -> bytes:
    """The table key of a partition's clock (no charge point id starts with a NUL byte)."""
    return b"\x00partition/%d" % partition


@dataclass(slots=True)
class Item:
    """One consumed record: decoded (``record``) or not (``error``); ``source`` is kept for dead letters."""

    key: bytes
    partition: int
    transaction: bool
    record: dict | None
    error: str | None = None
    source: Any = None


@dataclass
class BatchResult:
    #: (key, output, the item that caused it; None when the partition clock did)
    outputs: list[tuple[bytes, fold.Output, Item | None]] = field(default_factory=list)
    #: (key, the item it concerns or None, reason, event time) to dead-letter
    failures: list[tuple[bytes, Item | None, str, datetime | None]] = field(default_factory=list)
    #: (partition, key, value) to write to the table, once per key
    writes: list[tuple[int, bytes, bytes]] = field(default_factory=list)


class _Clock:
    """A partition's event time and the due times of its charge points with open sessions."""

    __slots__ = ("now", "due", "heap", "rx", "held")

    def __init__(self, now: int | None, due: dict[bytes, int], rx: int | None = None,
                 held: list[tuple[bytes, dict]] | None = None) -> None:
        self.now = now
        self.due = due
        self.heap = [(at, key) for key, at in due.items()]
        heapq.heapify(self.heap)
        #: latest receive time of the partition's transaction events; statuses received later wait in held
        self.rx = rx
        self.held: list[tuple[bytes, dict]] = held or []

    @classmethod
    def loads(cls, raw: bytes | None) -> _Clock:
        if raw is None:
            return cls(None, {})
        data = json.loads(raw)
        held = [(k.encode("latin-1"), record) for k, record in data.get("held", [])]
        return cls(data["now"], {k.encode("latin-1"): at for k, at in data["due"].items()}, data.get("rx"), held)

    def dumps(self) -> bytes:
        due = {k.decode("latin-1"): at for k, at in self.due.items()}
        held = [[k.decode("latin-1"), record] for k, record in self.held]
        return json.dumps({"now": self.now, "due": due, "rx": self.rx, "held": held},
                          separators=(",", ":")).encode()

    def hold(self, key: bytes, record: dict) -> bool:
        """Keep a status received after the partition's latest transaction event; False: apply it now."""
        received = to_us(record["received_at"])
        if self.rx is not None and received <= self.rx or len(self.held) >= MAX_HELD:
            return False
        stored = {k: to_us(v) if isinstance(v, datetime) else v for k, v in record.items()}
        self.held.append((key, stored))
        return True

    def release(self, received: int) -> list[tuple[bytes, dict]]:
        """The held statuses received up to ``received``, in receive order; ``rx`` moves to ``received``."""
        if self.rx is None or received > self.rx:
            self.rx = received
        if not self.held:
            return []
        due = sorted((r for r in self.held if r[1]["received_at"] <= received), key=lambda r: r[1]["received_at"])
        if due:
            self.held = [r for r in self.held if r[1]["received_at"] > received]
        return due

    def set_due(self, key: bytes, at: int | None) -> None:
        if at is None:
            self.due.pop(key, None)
        elif self.due.get(key) != at:
            self.due[key] = at
            heapq.heappush(self.heap, (at, key))

    def pop_due(self) -> bytes | None:
        """A charge point whose due time the clock has reached (stale heap entries are skipped)."""
        heap = self.heap
        while heap and self.now is not None and heap[0][0] <= self.now:
            at, key = heapq.heappop(heap)
            if self.due.get(key) == at:
                del self.due[key]
                return key
        return None


class _Held:
    """A state held for the batch: the stored bytes it came from and the steps applied since, so that a
    failed step can be undone by replaying the others (the fold updates in place)."""

    __slots__ = ("state", "stored", "steps", "partition")

    def __init__(self, state: fold.State, stored: bytes | None, partition: int) -> None:
        self.state = state
        self.stored = stored
        self.steps: list[tuple[str, Any]] = []
        self.partition = partition


def _dumps(state: fold.State) -> bytes:
    return json.dumps(state, separators=(",", ":")).encode()


def _due_us(state: fold.State, params: fold.Params) -> int | None:
    at = fold.next_due(state, params)
    return to_us(at) if at is not None else None


class SessionFolder:
    """Folds batches of consumed records into session states read through ``load`` (the table's ``get``)
    and written back through the writes that ``flush`` returns (``run`` flushes after its batch unless told
    not to: then the changed states stay held, decoded, until a later ``flush``). Keeps the partition clocks
    between batches; ``forget`` drops clocks and unflushed states (on a rebalance) so that they are read
    again from the table."""

    def __init__(self, params: fold.Params, load: Callable[[bytes], bytes | None]) -> None:
        self.params = params
        self._load = load
        self._clocks: dict[int, _Clock] = {}
        self._held: dict[bytes, _Held] = {}
        self._touched: set[int] = set()

    def forget(self) -> None:
        self._clocks.clear()
        self._held.clear()
        self._touched.clear()

    def flush(self) -> list[tuple[int, bytes, bytes]]:
        """(partition, key, value) of every state and clock changed since the last flush, once each."""
        writes = [(h.partition, key, _dumps(h.state)) for key, h in self._held.items() if h.steps]
        writes += [(p, clock_key(p), self._clocks[p].dumps()) for p in sorted(self._touched)]
        self._held.clear()
        self._touched.clear()
        return writes

    def _clock(self, partition: int) -> _Clock:
        clock = self._clocks.get(partition)
        if clock is None:
            clock = self._clocks[partition] = _Clock.loads(self._load(clock_key(partition)))
        return clock

    def run(self, items: list[Item], *, flush: bool = True) -> BatchResult:
        result = BatchResult()
        held = self._held
        touched_clocks = self._touched
        params = self.params

        def hold(key: bytes, partition: int, cp: str | None) -> _Held | None:
            h = held.get(key)
            if h is None:
                stored = self._load(key)
                if stored is not None:
                    state = json.loads(stored)
                elif cp is not None:
                    state = fold.initial(cp)
                else:
                    return None
                h = held[key] = _Held(state, stored, partition)
            return h

        def apply(key: bytes, partition: int, record: dict, item: Item | None) -> fold.State | None:
            h = hold(key, partition, record["charge_point_id"])
            try:
                fold.apply(h.state, record)
                _, outputs = fold.drain(h.state, params)
            except RoamstreamError as exc:
                if h.stored is None and not h.steps:
                    del held[key]  # as if never read: the next event starts it again
                else:
                    h.state = self._replay(h)
                at = record.get("timestamp")
                result.failures.append((key, item, str(exc), from_us(at) if isinstance(at, int) else at))
                return None
            h.steps.append(("apply", record))
            result.outputs.extend((key, output, item) for output in outputs)
            return h.state

        for item in items:
            clock = self._clock(item.partition)
            if item.record is None:
                result.failures.append((item.key, item, item.error or "undecodable", None))
                continue
            record = item.record
            touched_clocks.add(item.partition)
            if not item.transaction and clock.hold(item.key, record):
                continue
            if item.transaction:
                for key, status in clock.release(to_us(record["received_at"])):
                    state = apply(key, item.partition, status, None)
                    if state is not None:
                        clock.set_due(key, _due_us(state, params))
            state = apply(item.key, item.partition, record, item)
            if state is None:
                continue
            if item.transaction:
                ts = to_us(record["timestamp"])
                if clock.now is None or ts > clock.now:
                    clock.now = ts
            clock.set_due(item.key, _due_us(state, params))
            while (key := clock.pop_due()) is not None:
                other = hold(key, item.partition, None)
                if other is None:
                    continue
                try:
                    fold.expire(other.state, clock.now, params)
                    _, outputs = fold.drain(other.state, params)
                except RoamstreamError as exc:
                    other.state = self._replay(other)
                    result.failures.append((key, None, f"expiring at {clock.now}: {exc}", None))
                    continue
                other.steps.append(("expire", clock.now))
                result.outputs.extend((key, output, None) for output in outputs)
                clock.set_due(key, _due_us(other.state, params))

        if flush:
            result.writes = self.flush()
        return result

    def _replay(self, h: _Held) -> fold.State:
        """The state before the failed step: the stored one with the successful steps since then again."""
        state = json.loads(h.stored) if h.stored is not None else fold.initial(h.state["cp"])
        for kind, arg in h.steps:
            if kind == "apply":
                fold.apply(state, arg)
            else:
                fold.expire(state, arg, self.params)
            fold.drain(state, self.params)
        return state
