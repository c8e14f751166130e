"""Sessions: fold each charge point's OCPP events into its session state (a table keyed by charge point),
emit OCPI Session snapshots and completed sessions.

The events of one charge point come in order from one partition of ``ocpp.transaction.v1`` and
``ocpp.station.v1`` (co-partitioned, keyed by charge point id); the table's changelog goes to the same
partition, so the state is recovered where its events are.

The folding itself (batches, the partition clock, station events in receive order) is
``pipelines.session_batches``; the OCPI Session records of snapshots are ``pipelines.snapshots``.
"""


from __future__ import annotations

import asyncio
import time
from typing import Any

import faust

from pipelines.deadletter import DeadLetters
from pipelines.session_batches import STATION, TRANSACTION, Item, SessionFolder, fold_params
from pipelines.snapshots import snapshot_record
from pipelines.tables import Tables
from pipelines.topics import Topics
from roamstream import sessions as fold
from roamstream.avro import AvroSerde, SerdeError
from roamstream.cdrs.references import ParsedReferences
from roamstream.config import PipelineSettings
from roamstream.exceptions import RoamstreamError

STAGE = "sessions"


def register(app: faust.App, topics: Topics, tables: Tables, serde: AvroSerde, dead: DeadLetters,
             p: PipelineSettings) -> None:
    stations_topic = topics.stations.get_topic_name()
    channel = app.topic(topics.transactions.get_topic_name(), stations_topic,
                        key_serializer="raw", value_serializer="raw")
    table = tables.session_state
    folder = SessionFolder(fold_params(p), table.get)
    refs = ParsedReferences()

    def item_of(event: faust.EventT) -> Item:
        message = event.message
        transaction = message.topic != stations_topic
        try:
            # timestamps as the int µs the fold keeps (no datetime per sample)
            record = serde.decode(TRANSACTION if transaction else STATION, event.value, logical_types=False)
        except SerdeError as exc:
            return Item(event.key, message.partition, transaction, None, str(exc), event)
        return Item(event.key, message.partition, transaction, record, None, event)

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

    def caught_up(events: list[faust.EventT]) -> bool:
        """Whether the batch ends less than a batch behind the end of each of its partitions: then the
        worker keeps up and writes back at once (faust hands on records later while events wait for their
        ack); else it is catching up and writes back every ``sessions_flush_interval_s``."""
        last = {event.message.tp: event.message.offset for event in events}
        for tp, offset in last.items():
            try:
                highwater = app.consumer.highwater(tp)
            except AssertionError:  # aiokafka's answer for a partition revoked meanwhile: nothing to wait for
                return True
            if highwater is not None and highwater - offset - 1 > p.sessions_batch_max:
                return False
        return True

    async def fold_events(stream: faust.StreamT) -> None:
        async for events in stream.take_events(p.sessions_batch_max, p.sessions_batch_within_s):
            async with lock:
                for event in events:
                    event.message.incref()  # take_events acks the batch; the last ack is write_back's
                    unacked.append((stream, event))
                result = folder.run([item_of(event) for event in events], flush=False)
                for key, output, item in result.outputs:
                    record = output.record
                    if output.kind == fold.COMPLETED:
                        await topics.completed.send(key=key, value=serde.encode("sessions.completed.v1", record))
                        continue
                    try:
                        value = serde.encode("ocpi.sessions.v1", snapshot_record(record, tables, p, refs))
                    except RoamstreamError as exc:
                        await dead.send(STAGE, f"session {record['session_id']} snapshot: {exc}",
                                        item.source if item else None, key=key, event_time=record["last_event"])
                        continue
                    await topics.sessions.send(key=key, value=value)
                for key, failed, reason, event_time in result.failures:
                    await dead.send(STAGE, reason, failed.source if failed else None, key=key,
                                    event_time=event_time)
                if time.monotonic() - flushed_at[0] >= p.sessions_flush_interval_s or caught_up(events):
                    await write_back()

    app.agent(channel, name="sessions")(fold_events)

    @app.timer(max(p.sessions_flush_interval_s, 0.05))
    async def write_back_when_idle() -> None:
        async with lock:
            if unacked and time.monotonic() - flushed_at[0] >= p.sessions_flush_interval_s:
                await write_back()

    async def forget_clocks(sender: Any, *args: Any, **kwargs: Any) -> None:
        # another worker may move the partitions on: read clocks and states again from the table; the events
        # not written back are not acked, so they come again from the committed offset
        folder.forget()
        unacked.clear()

    app.on_partitions_revoked.connect(forget_clocks)
    app.on_partitions_assigned.connect(forget_clocks)
