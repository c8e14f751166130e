"""Sessions: fold each charge point's OCPP events into its session state (a table keyed by charge point),
emit OCPI Session snapshots and completed sessions.

The events of one charge point come in the order the connector received them from one partition of
``ocpp.events.v1`` (keyed by charge point id); the table's changelog goes to the same partition, so the
state is recovered where its events are.

The folding itself (batches, write-back, why it is deterministic) is ``pipelines.session_batches``; the
OCPI Session records of snapshots are ``pipelines.snapshots``; snapshots whose token or location is not
known yet wait as ``pipelines.waiting_snapshots`` says.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import faust

from pipelines.deadletter import DeadLetters
from pipelines.parked import RETRY_EVERY_S
from pipelines.session_batches import Item, SessionFolder, fold_params
from pipelines.snapshots import snapshot_record
from pipelines.tables import Tables
from pipelines.topics import Topics
from pipelines.waiting_snapshots import Waiting, session_key, snapshot_to_json
from roamstream import events
from roamstream import sessions as fold
from roamstream.avro import AvroSerde, SerdeError
from roamstream.cdrs.exceptions import MissingReference
from roamstream.cdrs.references import ParsedReferences
from roamstream.config import PipelineSettings
from roamstream.exceptions import RoamstreamError

STAGE = "sessions"


@dataclass(frozen=True)
class SessionsStage:
    """What ``register`` installed that runs on a timer (tests call them directly: faust's ``test_context``
    runs no timers)."""

    write_back_when_idle: Callable[[], Awaitable[None]]
    send_waiting: Callable[[], Awaitable[None]]


def register(app: faust.App, topics: Topics, tables: Tables, serde: AvroSerde, dead: DeadLetters,
             p: PipelineSettings) -> SessionsStage:
    table = tables.session_state
    waiting = tables.waiting_snapshots
    folder = SessionFolder(fold_params(p), table.get)
    refs = ParsedReferences()

    def item_of(event: faust.EventT) -> Item:
        message = event.message
        try:
            # timestamps as the int µs the fold keeps (no datetime per sample)
            record = events.decode(serde, event.value, logical_types=False)
        except SerdeError as exc:
            return Item(event.key, message.partition, None, str(exc), event)
        return Item(event.key, message.partition, record, None, event)

    #: events folded but not yet acknowledged: they are acked once their states are in the table
    unacked: list[tuple[faust.StreamT, faust.EventT]] = []
    flushed_at = [time.monotonic()]
    lock = asyncio.Lock()

    async def write_back() -> None:
        """States to the table (one changelog record per charge point), then the events they hold are acked,
        so that a committed offset never runs ahead of the changelog."""
        for partition, key, value in folder.flush():
            # explicit partition: the changelog partition is the events' one (there is no current event)
            table.data[key] = value
            table.send_changelog(partition, key, value)
        done = list(unacked)
        unacked.clear()
        for stream, event in done:
            await stream.ack(event)
        flushed_at[0] = time.monotonic()

    def caught_up(batch: list[faust.EventT]) -> bool:
        """Whether the batch ends less than a batch behind the end of each of its partitions: then the
        worker keeps up and writes back at once (faust hands on records later while events wait for their
        ack); else it is catching up and writes back every ``sessions_flush_interval_s``."""
        last = {event.message.tp: event.message.offset for event in batch}
        for tp, offset in last.items():
            try:
                highwater = app.consumer.highwater(tp)
            except AssertionError:  # aiokafka's answer for a partition revoked meanwhile: nothing to wait for
                return True
            if highwater is not None and highwater - offset - 1 > p.sessions_batch_max:
                return False
        return True

    def keep_waiting(entry: Waiting) -> None:
        value = entry.to_bytes()
        waiting.data[entry.key] = value
        waiting.send_changelog(entry.partition, entry.key, value)

    def stop_waiting(entry: Waiting) -> None:
        waiting.data.pop(entry.key, None)
        waiting.send_changelog(entry.partition, entry.key, None)

    async def send_snapshot(key: bytes, snapshot: dict, item: Item) -> None:
        """Send the Session record of ``snapshot``, or let it wait behind its session's waiting ones."""
        wkey = session_key(snapshot)
        stored = waiting.get(wkey)
        if stored is not None:
            entry = Waiting.from_bytes(stored)
            entry.snapshots.append(snapshot)
            keep_waiting(entry)
            return
        try:
            value = serde.encode("ocpi.sessions.v1", snapshot_record(snapshot, tables, p, refs))
        except MissingReference as exc:
            keep_waiting(Waiting(time.time(), str(exc), item.partition, wkey, [snapshot]))
            return
        except RoamstreamError as exc:
            await dead.send(STAGE, f"session {snapshot['session_id']} snapshot: {exc}", item.source, key=key,
                            event_time=snapshot["last_event"])
            return
        await topics.sessions.send(key=key, value=value)

    async def fold_events(stream: faust.StreamT) -> None:
        async for batch in stream.take_events(p.sessions_batch_max, p.sessions_batch_within_s):
            async with lock:
                for event in batch:
                    event.message.incref()  # take_events acks the batch; the last ack is write_back's
                    unacked.append((stream, event))
                result = folder.run([item_of(event) for event in batch], flush=False)
                for key, output, item in result.outputs:
                    record = output.record
                    if output.kind == fold.COMPLETED:
                        await topics.completed.send(key=key, value=serde.encode("sessions.completed.v1", record))
                    else:
                        await send_snapshot(key, record, item)
                for key, failed, reason, event_time in result.failures:
                    await dead.send(STAGE, reason, failed.source, key=key, event_time=event_time)
                if time.monotonic() - flushed_at[0] >= p.sessions_flush_interval_s or caught_up(batch):
                    await write_back()

    app.agent(topics.events, name="sessions")(fold_events)

    async def write_back_when_idle() -> None:
        async with lock:
            if unacked and time.monotonic() - flushed_at[0] >= p.sessions_flush_interval_s:
                await write_back()

    async def send_waiting() -> None:
        """Send the waiting snapshots that can now be built, in order; give up on those that waited long."""
        async with lock:
            now = time.time()
            for stored in list(waiting.values()):
                entry = Waiting.from_bytes(stored)
                waited = len(entry.snapshots)
                key = entry.snapshots[0]["charge_point_id"].encode()  # the key of the charge point's records
                while entry.snapshots:
                    snapshot = entry.snapshots[0]
                    try:
                        value = serde.encode("ocpi.sessions.v1", snapshot_record(snapshot, tables, p, refs))
                    except MissingReference as exc:
                        if now - entry.since < p.reference_wait_s:
                            break
                        await give_up(key, snapshot, f"{exc} (waited {p.reference_wait_s:g} s for it)")
                    except RoamstreamError as exc:
                        await give_up(key, snapshot, str(exc))
                    else:
                        await topics.sessions.send(key=key, value=value)
                    entry.snapshots.pop(0)
                if not entry.snapshots:
                    stop_waiting(entry)
                elif len(entry.snapshots) != waited:
                    keep_waiting(entry)

    async def give_up(key: bytes, snapshot: dict, reason: str) -> None:
        payload = json.dumps(snapshot_to_json(snapshot), separators=(",", ":")).encode()
        await dead.send(STAGE, f"session {snapshot['session_id']} snapshot: {reason}", None, key=key,
                        payload=payload, event_time=snapshot["last_event"])

    async def forget_states(sender: Any, *args: Any, **kwargs: Any) -> None:
        # another worker may move the partitions on: read states again from the table; the events not
        # written back are not acked, so they come again from the committed offset
        folder.forget()
        unacked.clear()

    app.on_partitions_revoked.connect(forget_states)
    app.on_partitions_assigned.connect(forget_states)
    app.timer(max(p.sessions_flush_interval_s, 0.05), name="sessions-write-back")(write_back_when_idle)
    app.timer(RETRY_EVERY_S, name="sessions-waiting-snapshots")(send_waiting)
    return SessionsStage(write_back_when_idle, send_waiting)
