"""Sessions: fold each charge point's OCPP events into its session state (a table keyed by charge point),
emit OCPI Session snapshots and completed sessions.

The events of one charge point come in the order the connector received them from one partition of
``ocpp.events.v1`` (keyed by charge point id); the table's changelog goes to the same partition, so the
state is recovered where its events are.

The agent takes its events a batch at a time from its channel's queue (``pipelines.event_batches``, not faust's
``take_events``: that hands each event through the stream's iterator first, about a tenth of the worker's CPU
here). The folding itself (batches, write-back, why it is deterministic) is ``pipelines.session_batches``; the
OCPI Session records of snapshots are ``pipelines.snapshots``; snapshots whose token or location is not
known yet wait as ``pipelines.waiting_snapshots`` says.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import faust

from pipelines import compat
from pipelines.deadletter import DeadLetters
from pipelines.event_batches import ack_events, event_batches
from pipelines.metrics import WorkerMetrics
from pipelines.parked import RETRY_EVERY_S
from pipelines.session_batches import Item, SessionFolder, fold_params
from pipelines.snapshots import snapshot_record
from pipelines.stage_output import StageOutput
from pipelines.tables import Tables
from pipelines.topics import Topics
from pipelines.waiting_snapshots import Waiting, session_key, snapshot_to_json
from roamstream import completed, events
from roamstream import sessions as fold
from roamstream.avro import AvroSerde, SerdeError
from roamstream.cdrs.exceptions import MissingReference
from roamstream.cdrs.references import ParsedReferences
from roamstream.config import Settings
from roamstream.exceptions import RoamstreamError

STAGE = "sessions"
SNAPSHOTS = "ocpi.sessions.v1"


class SessionsStage:
    """The stage's state and steps: the folder of held session states, the events folded but not yet
    acknowledged (acked once their states are in the table, so that a committed offset never runs ahead of
    the changelog), and the snapshots waiting for reference data. ``register`` installs its agent and timers
    (tests call the timer steps directly: faust's ``test_context`` runs no timers).

    Snapshots and the changelog records of both tables go out through ``output`` (confluent-kafka producers that
    faust flushes before it commits offsets: ``pipelines.stage_output``). Completed sessions (one in a hundred
    events here) and dead letters go through faust's producer: a completed session is on the way to its CDR, and
    faust sends all the partitions it has records for in one request, where librdkafka sends one partition per
    request, one request at a time."""

    def __init__(self, app: faust.App, settings: Settings, topics: Topics, tables: Tables, serde: AvroSerde,
                 dead: DeadLetters, metrics: WorkerMetrics | None = None, output: StageOutput | None = None) -> None:
        p = settings.pipeline
        self.app, self.topics, self.tables, self.serde, self.dead, self.p = app, topics, tables, serde, dead, p
        self.output = output if output is not None else StageOutput(settings)
        compat.flush_with_producer(app, self.output.flush)
        self.metrics = metrics if metrics is not None else WorkerMetrics()
        self.table = tables.session_state
        self.waiting = tables.waiting_snapshots
        #: session key -> (the table value, its decoded entry), for the values this stage stored
        self.decoded_waiting: dict[bytes, tuple[bytes, Waiting]] = {}
        self.folder = SessionFolder(fold_params(p), self.table.get, decode=self.record_of)
        self.refs = ParsedReferences()
        #: (stream, batch) of the events folded since the last write-back
        self.unacked: list[tuple[faust.StreamT, list[faust.EventT]]] = []
        self.flushed_at = time.monotonic()
        self.lock = asyncio.Lock()

    # -- folding ------------------------------------------------------------------------------------------

    def record_of(self, event: faust.EventT) -> dict:
        """The fold's record of ``event`` (the folder's too: it decodes the events it holds again to undo a failed
        one). Timestamps as the int µs the fold keeps (no datetime per sample); samples in the columns they were
        written in (no dict per sample: the fold reads them with event_samples.readings)."""
        return events.decode(self.serde, event.value, logical_types=False, columns=True)

    def item_of(self, event: faust.EventT) -> Item:
        message = event.message
        try:
            record = self.record_of(event)
        except SerdeError as exc:
            return Item(event.key, message.partition, None, str(exc), event)
        return Item(event.key, message.partition, record, None, event)

    async def fold_events(self, stream: faust.StreamT) -> None:
        """The agent: fold each batch, send what it produced, write back when caught up or due."""
        p = self.p
        async for batch in event_batches(stream, p.sessions_batch_max, p.sessions_batch_within_s):
            async with self.lock:
                self.unacked.append((stream, batch))  # acked by write_back
                try:
                    await self.fold_batch(batch)
                    if time.monotonic() - self.flushed_at >= p.sessions_flush_interval_s or self.caught_up(batch):
                        await self.write_back()
                except BaseException:
                    # the held states now carry this batch, but not every record it produced was sent (the agent
                    # cancelled as the worker stops, a send refused): written back, they would say sessions are
                    # completed whose records never left, and the events folded again would find them closed.
                    # Forgotten with the events they hold, unacked: read again from the committed offset.
                    self.forget()
                    raise

    async def fold_batch(self, batch: list[faust.EventT]) -> None:
        """Fold ``batch`` into the held states and send what it produced."""
        # decoded one at a time as the folder takes them: each record is let go once folded
        result = self.folder.run(map(self.item_of, batch), flush=False)
        self.metrics.events_folded.inc(len(batch) - len(result.failures))
        # completed sessions first: their CDRs need no snapshot of the batch, and building a Session
        # record costs far more than a completed one; each topic keeps its records in fold order
        for key, output, _ in result.outputs:
            if output.kind == fold.COMPLETED:
                value = completed.encode(self.serde, output.record)  # its timeline in columns
                await self.topics.completed.send(key=key, value=value)
        for key, output, item in result.outputs:
            if output.kind != fold.COMPLETED:
                await self.send_snapshot(key, output.record, item)
        for key, failed, reason, event_time in result.failures:
            await self.dead.send(STAGE, reason, failed.source, key=key, event_time=event_time)

    async def write_back(self) -> None:
        """The records the held states' events produced at the broker, then the states to the table (one changelog
        record per charge point), then the events they hold acked: a changelog never runs ahead of the records
        its states produced (a state that says a session is completed, on the broker without the completed record:
        a worker taking over, or restarted after a crash, folds the events again onto that state and the session
        is never priced; seen in ``bench/bench_pipeline.py``'s two workers with a third joining and leaving), and a
        committed offset never runs ahead of the changelog. ``app.producer.flush`` flushes faust's producer
        (completed sessions, dead letters) and the stage's outputs (snapshots: ``compat.flush_with_producer``)."""
        await self.app.producer.flush()
        # a rebalance meanwhile forgot the held states and their events (``forget_states``): nothing to write
        for partition, key, value in self.folder.flush():
            # explicit partition: the changelog partition is the events' one (there is no current event)
            self.output.store(self.table, partition, key, value)
        done = list(self.unacked)
        self.unacked.clear()
        for stream, batch in done:
            ack_events(stream, batch)
        self.flushed_at = time.monotonic()

    async def write_back_when_idle(self) -> None:
        """Timer: write back what a quiet stream left held."""
        async with self.lock:
            if self.unacked and time.monotonic() - self.flushed_at >= self.p.sessions_flush_interval_s:
                await self.write_back()

    def caught_up(self, batch: list[faust.EventT]) -> bool:
        """Whether the batch ends less than a batch behind the end of each of its partitions: then the
        worker keeps up and writes back at once (faust hands on records later while events wait for their
        ack); else it is catching up and writes back every ``sessions_flush_interval_s``."""
        last = {event.message.tp: event.message.offset for event in batch}
        for tp, offset in last.items():
            try:
                highwater = self.app.consumer.highwater(tp)
            except AssertionError:  # aiokafka's answer for a partition revoked meanwhile: nothing to wait for
                return True
            if highwater is not None and highwater - offset - 1 > self.p.sessions_batch_max:
                return False
        return True

    async def forget_states(self, sender: Any, *args: Any, **kwargs: Any) -> None:
        """On a rebalance another worker may move the partitions on: read states again from the table; the
        events not written back are not acked, so they come again from the committed offset."""
        self.forget()

    def forget(self) -> None:
        """Drop the held states and the events folded into them (not acked) and the decoded waiting entries."""
        self.folder.forget()
        self.unacked.clear()
        self.decoded_waiting.clear()

    # -- snapshots ----------------------------------------------------------------------------------------

    def build(self, snapshot: dict) -> bytes:
        """The ``ocpi.sessions.v1`` value of ``snapshot`` (MissingReference while its references are unknown)."""
        return self.serde.encode(SNAPSHOTS, snapshot_record(snapshot, self.tables, self.p, self.refs))

    async def send_snapshot(self, key: bytes, snapshot: dict, item: Item) -> None:
        """Send the Session record of ``snapshot``, or let it wait behind its session's waiting ones."""
        wkey = session_key(snapshot)
        # nearly always none waits: a faust table's ``get`` of a missing key raises and catches a KeyError under
        # three calls and the table sensors (1.3 µs without the worker's sensors), ``in`` asks the store (0.2 µs)
        stored = self.waiting.get(wkey) if wkey in self.waiting else None
        if stored is not None:
            entry = self.waiting_entry(wkey, stored)
            entry.append(snapshot)
            self.keep_waiting(entry)
            return
        try:
            value = self.build(snapshot)
        except MissingReference as exc:
            self.keep_waiting(Waiting(time.time(), str(exc), item.partition, wkey, [snapshot]))
            return
        except RoamstreamError as exc:
            await self.dead.send(STAGE, f"session {snapshot['session_id']} snapshot: {exc}", item.source, key=key,
                                 event_time=snapshot["last_event"])
            return
        self.output.send(SNAPSHOTS, key, value)

    async def send_waiting(self) -> None:
        """Timer: send the waiting snapshots that can now be built, in order; give up on those that waited
        ``reference_wait_s``."""
        async with self.lock:
            now = time.time()
            for wkey, stored in list(self.waiting.items()):
                entry = self.waiting_entry(wkey, stored)
                waited = len(entry.snapshots)
                key = entry.snapshots[0]["charge_point_id"].encode()  # the key of the charge point's records
                while entry.snapshots:
                    snapshot = entry.snapshots[0]
                    try:
                        value = self.build(snapshot)
                    except MissingReference as exc:
                        if now - entry.since < self.p.reference_wait_s:
                            break
                        await self.give_up(key, snapshot, f"{exc} (waited {self.p.reference_wait_s:g} s for it)")
                    except RoamstreamError as exc:
                        await self.give_up(key, snapshot, str(exc))
                    else:
                        self.output.send(SNAPSHOTS, key, value)
                    entry.pop_first()
                if not entry.snapshots:
                    self.stop_waiting(entry)
                elif len(entry.snapshots) != waited:
                    self.keep_waiting(entry)

    def waiting_entry(self, wkey: bytes, stored: bytes) -> Waiting:
        """The decoded entry of the table value ``stored``: the one this stage stored it from, else decoded
        (a value recovered from the changelog)."""
        cached = self.decoded_waiting.get(wkey)
        if cached is not None and cached[0] is stored:
            return cached[1]
        entry = Waiting.from_bytes(stored)
        self.decoded_waiting[wkey] = (stored, entry)
        return entry

    def keep_waiting(self, entry: Waiting) -> None:
        value = entry.to_bytes()
        self.decoded_waiting[entry.key] = (value, entry)
        self.output.store(self.waiting, entry.partition, entry.key, value)

    def stop_waiting(self, entry: Waiting) -> None:
        self.decoded_waiting.pop(entry.key, None)
        self.output.store(self.waiting, entry.partition, entry.key, None)  # a tombstone

    async def give_up(self, key: bytes, snapshot: dict, reason: str) -> None:
        payload = json.dumps(snapshot_to_json(snapshot), separators=(",", ":")).encode()
        await self.dead.send(STAGE, f"session {snapshot['session_id']} snapshot: {reason}", None, key=key,
                             payload=payload, event_time=snapshot["last_event"])


def register(app: faust.App, settings: Settings, topics: Topics, tables: Tables, serde: AvroSerde,
             dead: DeadLetters, metrics: WorkerMetrics | None = None, output: StageOutput | None = None
             ) -> SessionsStage:
    """Install the sessions stage on ``app``: its agent on ``ocpp.events.v1``, its rebalance hooks, timers;
    ``output``: where its records go (default: a ``StageOutput`` of its own, made for ``settings``)."""
    stage = SessionsStage(app, settings, topics, tables, serde, dead, metrics, output)
    p = settings.pipeline
    app.agent(topics.events, name="sessions")(stage.fold_events)
    app.on_partitions_revoked.connect(stage.forget_states)
    app.on_partitions_assigned.connect(stage.forget_states)
    app.timer(max(p.sessions_flush_interval_s, 0.05), name="sessions-write-back")(stage.write_back_when_idle)
    app.timer(RETRY_EVERY_S, name="sessions-waiting-snapshots")(stage.send_waiting)
    return stage
