"""The embedded-broker fixes in ``pipelines.compat``, against the real embedded broker and a real faust app.

The changelog of a table is written here in explicit record batches, so that the broker's ListOffsets LATEST
deviation (first offset of the last batch + 1, DESIGN.md) is reproduced exactly.
"""

from __future__ import annotations

import asyncio
import collections
import time

import faust
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.conn import AIOKafkaConnection
from aiokafka.errors import IllegalStateError
from faust.tables.recovery import Recovery
from faust.transport.consumer import Consumer as FaustConsumer
from faust.transport.drivers import aiokafka as faust_aiokafka

from pipelines import compat
from pipelines.app import create_app
from roamstream.config import Settings
from roamstream.kafka import create_topics
from roamstream.topics import TopicSpec

#: three record batches of one changelog partition: later ones overwrite keys and add keys
BATCHES: list[list[tuple[bytes, bytes]]] = [
    [(b"cp-%d" % i, b"v1") for i in range(5)],
    [(b"cp-%d" % i, b"v2") for i in range(3, 8)],
    [(b"cp-%d" % i, b"v3") for i in (0, 6, 8, 9)],
]


def latest(records: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    table: dict[bytes, bytes] = {}
    for key, value in records:
        table[key] = value
    return table


async def produce_batches(bootstrap: str, topic: str, batches: list[list[tuple[bytes, bytes]]]) -> None:
    """Each list is one record batch on partition 0."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for records in batches:
            batch = producer.create_batch()
            for key, value in records:
                assert batch.append(key=key, value=value, timestamp=None) is not None
            await (await producer.send_batch(batch, topic, partition=0))
    finally:
        await producer.stop()


async def reported_end(bootstrap: str, tp: TopicPartition) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        return (await consumer.end_offsets([tp]))[tp]
    finally:
        await consumer.stop()


async def test_true_end_offsets_corrects_the_brokers_latest_offset(settings: Settings):
    bootstrap = settings.kafka.bootstrap_servers
    names = [settings.topic(n) for n in ("batches", "one-batch", "empty")]
    create_topics(settings, [TopicSpec(n, 1, None) for n in ("batches", "one-batch", "empty")])
    await produce_batches(bootstrap, names[0], BATCHES)
    await produce_batches(bootstrap, names[1], BATCHES[:1])
    tps = [TopicPartition(n, 0) for n in names]
    reported = {tp: await reported_end(bootstrap, tp) for tp in tps}
    # the deviation this fix exists for; if the broker is fixed, this fails and the fix can go
    assert reported == {tps[0]: 11, tps[1]: 1, tps[2]: 0}

    assert await compat.true_end_offsets(bootstrap, reported) == {tps[0]: 14, tps[1]: 5, tps[2]: 0}


def table_app(settings: Settings) -> tuple[faust.App, faust.Table]:
    """A faust app (``create_app`` and ``verify_broker``: with the embedded profile the fixes act for it) with one
    table, whose changelog holds ``BATCHES``, on the partition of a source topic that an agent consumes."""
    app = create_app(settings)
    compat.verify_broker(app, settings)  # as the worker does before it starts: the embedded fixes act for it
    source = app.topic(settings.topic("source"), partitions=1, key_serializer="raw", value_serializer="raw")
    table = app.Table("state", partitions=1, key_type=bytes, value_type=bytes)
    table.key_serializer = table.value_serializer = "raw"

    async def consume(stream: faust.StreamT) -> None:  # gives the app the partition its table lives on
        async for _ in stream:
            pass

    app.agent(source, name="consume")(consume)
    create_topics(settings, [TopicSpec("source", 1, None)])
    create_topics(settings, [TopicSpec(f"{settings.pipeline.app_id}-state-changelog", 1, None, compacted=True)],
                  prefix=False)
    return app, table


async def start_until_recovered(app: faust.App) -> None:
    await app.start()
    deadline = time.monotonic() + 60  # liveness bound for group join and recovery, not a speed check
    while not app.tables.actives_ready:
        if time.monotonic() > deadline:
            pytest.fail("faust never finished recovering its tables")
        await asyncio.sleep(0.1)


async def recover(settings: Settings, *, with_fix: bool, monkeypatch: pytest.MonkeyPatch) -> dict[bytes, bytes]:
    """The table as faust recovers it from ``BATCHES``."""
    app, table = table_app(settings)
    if not with_fix:
        monkeypatch.setattr(faust_aiokafka.AIOKafkaConsumerThread, "_highwaters", compat._original_highwaters)
    await produce_batches(settings.kafka.bootstrap_servers, f"{settings.pipeline.app_id}-state-changelog", BATCHES)
    try:
        await start_until_recovered(app)
        return dict(table.items())
    finally:
        await app.stop()


async def test_a_restarted_worker_recovers_the_whole_changelog(settings: Settings, monkeypatch):
    recovered = await recover(settings, with_fix=True, monkeypatch=monkeypatch)
    assert recovered == latest([r for batch in BATCHES for r in batch])


async def test_without_the_fix_recovery_stops_inside_the_last_batch(settings: Settings, monkeypatch):
    """Why the fix exists: faust stops at the broker's too-low highwater and loses the rest of the last batch."""
    recovered = await recover(settings, with_fix=False, monkeypatch=monkeypatch)
    first_of_last_batch = BATCHES[-1][:1]
    assert recovered == latest([r for batch in BATCHES[:-1] for r in batch] + first_of_last_batch)


async def test_records_do_not_flow_while_faust_seeks_the_stream_partitions(settings: Settings, monkeypatch):
    """After recovery faust seeks the stream partitions to their committed offsets. Records it delivered
    meanwhile are fetched again and dropped as already read, and their offsets count as a gap it may commit:
    a restarted worker lost CDR pushes that way. With the fix the consumer's flow is stopped while it seeks,
    so nothing is delivered until the positions are the committed ones."""
    flow_active_at_seek: list[bool] = []
    original = FaustConsumer.perform_seek

    async def perform_seek(self) -> None:  # noqa: ANN001 - faust's own signature
        flow_active_at_seek.append(self.flow_active)
        await original(self)

    monkeypatch.setattr(FaustConsumer, "perform_seek", perform_seek)
    app, _ = table_app(settings)
    await produce_batches(settings.kafka.bootstrap_servers, f"{settings.pipeline.app_id}-state-changelog", BATCHES)
    try:
        await start_until_recovered(app)
    finally:
        await app.stop()
    assert flow_active_at_seek and not any(flow_active_at_seek), flow_active_at_seek


def kafka_profile(settings: Settings) -> Settings:
    """``settings`` as a real cluster would have them (the broker is still the embedded one: what a faust app
    for a real cluster does differently is observable on it)."""
    return settings.model_copy(update={"profile": "kafka"})


async def test_a_kafka_profile_app_gets_faust_own_end_offsets_and_fetch_wait(settings: Settings):
    """The embedded fixes are global patches but act only for apps made for the embedded broker: an app for
    a real cluster, in the same process as an embedded one, recovers to the broker's own ListOffsets answer
    (on tansu: inside the last batch, as without the fix) and keeps faust's fetch wait."""
    table_app(settings)  # an embedded app first: the embedded fixes are installed in this process
    assert faust_aiokafka.AIOKafkaConsumerThread._highwaters is compat._highwaters
    app, table = table_app(kafka_profile(settings))
    await produce_batches(settings.kafka.bootstrap_servers, f"{settings.pipeline.app_id}-state-changelog", BATCHES)
    try:
        await start_until_recovered(app)
        recovered = dict(table.items())
        fetch_wait_ms = app.consumer._thread._ensure_consumer()._fetch_max_wait_ms
    finally:
        await app.stop()
    assert recovered == latest([r for batch in BATCHES[:-1] for r in batch] + BATCHES[-1][:1])
    assert fetch_wait_ms == 1500  # faust's own


async def test_an_embedded_app_gets_the_configured_fetch_wait(settings: Settings):
    app, _ = table_app(settings)
    try:
        await start_until_recovered(app)
        fetch_wait_ms = app.consumer._thread._ensure_consumer()._fetch_max_wait_ms
    finally:
        await app.stop()
    assert fetch_wait_ms == settings.kafka.fetch_max_wait_ms != 1500


async def test_a_kafka_profile_app_stops_the_flow_while_faust_seeks(settings: Settings, monkeypatch):
    """The recovery-flow fix is installed for a real cluster too (faust's race, not the broker's)."""
    monkeypatch.setattr(Recovery, "on_recovery_completed", compat._original_on_recovery_completed)
    flow_active_at_seek: list[bool] = []
    original = FaustConsumer.perform_seek

    async def perform_seek(self) -> None:  # noqa: ANN001 - faust's own signature
        flow_active_at_seek.append(self.flow_active)
        await original(self)

    monkeypatch.setattr(FaustConsumer, "perform_seek", perform_seek)
    app, _ = table_app(kafka_profile(settings))
    assert Recovery.on_recovery_completed is compat._on_recovery_completed
    try:
        await start_until_recovered(app)
    finally:
        await app.stop()
    assert flow_active_at_seek and not any(flow_active_at_seek), flow_active_at_seek


async def test_tables_are_registered_without_faust_wait_and_a_late_table_is_refused(settings: Settings):
    """The table-registration-wait fix: the tables an app has when it starts are registered at once (no
    one-second sleep first), recovered as before; a table added after the start fails loudly."""
    app, table = table_app(settings)
    assert faust.tables.manager.TableManager.on_start is compat._on_start_at_once
    try:
        await start_until_recovered(app)
        assert app.tables["state"] is table
        with pytest.raises(RuntimeError, match="Too late to add tables"):
            app.Table("late", partitions=1)
    finally:
        await app.stop()


async def fetched_after_recovery(settings: Settings, monkeypatch: pytest.MonkeyPatch, batches: list, *,
                                 with_fix: bool) -> tuple[dict[bytes, bytes], collections.Counter, set]:
    """The table recovered from its changelog, which holds ``batches``; then, in the second after the recovery,
    how many times each topic's partitions were in the consumer's fetch requests to the broker, and the
    partitions aiokafka holds paused."""
    app, table = table_app(settings)  # installs the fixes
    if not with_fix:
        monkeypatch.setattr(faust_aiokafka.AIOKafkaConsumerThread, "_fetch_records", compat._original_fetch_records)
    fetched: collections.Counter = collections.Counter()
    original_send = AIOKafkaConnection.send

    def send(self, request, expect_response=True):  # noqa: ANN001, ANN202 - aiokafka's own signature
        if type(request).__name__.startswith("FetchRequest"):
            for topic, partitions in request.topics:
                fetched[topic] += len(partitions)
        return original_send(self, request, expect_response)

    monkeypatch.setattr(AIOKafkaConnection, "send", send)  # looks at the requests, sends them unchanged
    await produce_batches(settings.kafka.bootstrap_servers, f"{settings.pipeline.app_id}-state-changelog", batches)
    try:
        await start_until_recovered(app)
        recovered = dict(table.items())
        fetched.clear()
        await asyncio.sleep(1.0)  # a window to observe: tens of fetch requests at the embedded 20 ms wait
        seen = collections.Counter(fetched)
        paused = app.consumer._thread._ensure_consumer().paused()
    finally:
        await app.stop()
    return recovered, seen, paused


@pytest.mark.parametrize("batches", [BATCHES, []], ids=["recovered", "empty"])
async def test_changelog_partitions_faust_paused_are_not_fetched(settings: Settings, monkeypatch, batches):
    """After a recovery faust pauses the tables' changelog partitions in its own books only; aiokafka's fetcher
    went on asking the broker for them in every fetch request (an empty one in each), and fetched a table's
    changelog writes back into the worker that wrote them. With the fix they are paused in aiokafka too:
    recovered as before, then left alone, while the agent's stream partition is still fetched."""
    changelog = f"{settings.pipeline.app_id}-state-changelog"
    recovered, fetched, paused = await fetched_after_recovery(settings, monkeypatch, batches, with_fix=True)
    assert recovered == latest([r for batch in batches for r in batch])
    assert fetched[settings.topic("source")] > 0
    assert fetched[changelog] == 0
    assert paused == {TopicPartition(changelog, 0)}


async def test_without_the_fix_paused_changelog_partitions_are_fetched(settings: Settings, monkeypatch):
    """Why the fix exists: without it every fetch request carries the (empty) changelog partition faust has
    paused."""
    changelog = f"{settings.pipeline.app_id}-state-changelog"
    recovered, fetched, paused = await fetched_after_recovery(settings, monkeypatch, [], with_fix=False)
    assert recovered == {}
    assert fetched[changelog] == fetched[settings.topic("source")] > 0
    assert paused == set()


class _ConsumerThread:
    """What faust's ``AIOKafkaConsumerThread.seek_to_committed`` uses of its thread: the aiokafka consumer, the
    app's reset policy and ``call_thread`` (here the test's own loop runs the consumer)."""

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self.consumer = consumer
        self.app = type("App", (), {"conf": type("Conf", (), {"consumer_auto_offset_reset": "earliest"})()})()

    def _ensure_consumer(self) -> AIOKafkaConsumer:
        return self.consumer

    async def call_thread(self, fun, *args):  # noqa: ANN001, ANN202 - faust's own signature
        return await fun(*args)


async def _three_partitions(settings: Settings, name: str, records: int) -> tuple[list, AIOKafkaConsumer]:
    """Topic ``name`` with ``records`` records in each of partitions 0-2, and a started consumer of its own group."""
    bootstrap = settings.kafka.bootstrap_servers
    topic = f"{settings.kafka.topic_prefix}{name}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for partition in range(3):
            for n in range(records):
                await producer.send_and_wait(topic, b"record %d" % n, partition=partition)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=f"{settings.kafka.topic_prefix}{name}",
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    return [TopicPartition(topic, partition) for partition in range(3)], consumer


async def test_seeking_back_to_committed_also_moves_partitions_committed_at_0_or_never(settings: Settings):
    """faust drops records it fetched while the flow is stopped or after a rebalance, then seeks back to the
    committed offsets. aiokafka seeks only partitions committed above 0: a partition committed at 0, or never
    (its first records), kept its position after the dropped records, which nobody read again (a CDR, the
    first record of its partition, was lost so in the scale-out test). With the fix they go back too."""
    tps, consumer = await _three_partitions(settings, "seek", 5)
    try:
        consumer.assign(tps)
        await consumer.commit({tps[0]: 3, tps[1]: 0})  # tps[2]: never committed
        fetched = 0
        deadline = time.monotonic() + 10
        while fetched < 12 and time.monotonic() < deadline:  # fetched, and dropped as faust drops them
            fetched += sum(len(records) for records in (await consumer.getmany(timeout_ms=200)).values())
        assert fetched == 2 + 5 + 5  # from 3, from 0, from the beginning
        assert [await consumer.position(tp) for tp in tps] == [5, 5, 5]
        thread = _ConsumerThread(consumer)

        await compat._original_seek_to_committed(thread)
        assert [await consumer.position(tp) for tp in tps] == [3, 5, 5]  # why the fix exists

        while await consumer.getmany(timeout_ms=200):  # fetched past the committed offset again
            pass

        await compat._seek_to_committed(thread)
        assert [await consumer.position(tp) for tp in tps] == [3, 0, 0]
    finally:
        await consumer.stop()


async def test_seeking_back_leaves_out_partitions_a_rebalance_took_away(settings: Settings):
    """A rebalance can take partitions away while faust looks up the committed offsets. aiokafka refuses to seek
    a partition not assigned, and ``seek_to_beginning`` refuses the whole call for one: the partitions still
    assigned then kept their positions past the records faust had dropped. The fix seeks those it still has."""
    tps, consumer = await _three_partitions(settings, "seek-revoked", 4)
    try:
        consumer.assign(tps)
        fetched = 0
        deadline = time.monotonic() + 10
        while fetched < 12 and time.monotonic() < deadline:  # fetched, and dropped as faust drops them
            fetched += sum(len(records) for records in (await consumer.getmany(timeout_ms=200)).values())
        assert fetched == 12
        consumer.assign(tps[1:])  # tps[0] taken away after faust found no committed offsets for the three
        for tp in tps[1:]:
            consumer.seek(tp, 4)  # where the fetcher had got to
        with pytest.raises(IllegalStateError):  # why the fix exists: one revoked partition stops them all
            await consumer.seek_to_beginning(*tps)
        assert [await consumer.position(tp) for tp in tps[1:]] == [4, 4]

        await compat._seek_to_start(consumer, [tps[0], tps[1]], [tps[0], tps[2]])
        assert [await consumer.position(tp) for tp in tps[1:]] == [0, 0]
    finally:
        await consumer.stop()

