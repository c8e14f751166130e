"""The sessions stage's records through one confluent-kafka producer (``StageOutput``): each key's records in its
murmur2 partition (faust's, aiokafka's) in the order sent, at the broker once ``flush`` (awaited by faust before
it commits offsets) returned; an output record the broker never took fails every later ``flush``, so no input
offset is committed past it."""

from __future__ import annotations

import pytest
from aiokafka.partitioner import DefaultPartitioner

from pipelines import group_commit
from pipelines.app import create_app
from pipelines.group_commit import GroupCommit
from pipelines.push_operator import read_all
from pipelines.stage_output import StageOutput, output_producer
from pipelines.tables import changelog_specs, declare_tables
from roamstream.broker import free_port
from roamstream.config import Settings
from roamstream.kafka import DeliveryError, create_topics
from roamstream.topics import spec

TOPIC = "ocpi.sessions.v1"


async def test_records_are_at_the_broker_after_flush_in_their_key_s_partition_in_order(topics: Settings):
    create_topics(topics, changelog_specs(topics), prefix=False)
    state = declare_tables(create_app(topics)).session_state
    output = StageOutput(topics)
    keys = [f"CP-{i}".encode() for i in range(12)]
    for n in range(3):
        for key in keys:
            output.send(TOPIC, key, key + b"|%d" % n)
    output.store(state, 1, b"CP-1", b'{"n":1}')
    output.store(state, 1, b"CP-1", None)
    await output.flush()
    partitions = list(range(spec(TOPIC).partitions))
    records = await read_all(topics, topics.topic(TOPIC), len(partitions))
    assert sorted((r.key, r.value) for r in records) == sorted(
        (key, key + b"|%d" % n) for key in keys for n in range(3))
    murmur2 = DefaultPartitioner()
    for key in keys:
        mine = [r for r in records if r.key == key]
        assert {r.partition for r in mine} == {murmur2(key, partitions, partitions)}
        assert [r.value for r in sorted(mine, key=lambda r: r.offset)] == [key + b"|%d" % n for n in range(3)]
    changelog = await read_all(topics, state.changelog_topic.get_topic_name())
    assert [(r.partition, r.key, r.value) for r in changelog] == [(1, b"CP-1", b'{"n":1}'), (1, b"CP-1", None)]
    assert b"CP-1" not in state.data
    await output.aclose()


async def test_an_output_record_the_broker_never_took_fails_every_later_flush(settings: Settings):
    nowhere = settings.model_copy(update={"kafka": settings.kafka.model_copy(
        update={"bootstrap_servers": f"127.0.0.1:{free_port()}"})})  # nothing listens there
    output = StageOutput(nowhere, producer=lambda s: GroupCommit(s, **{"message.timeout.ms": 300}))
    output.send(TOPIC, b"CP-1", b"snapshot")
    with pytest.raises(DeliveryError, match="timed out"):
        await output.flush()
    with pytest.raises(DeliveryError, match="offsets not committed"):
        await output.flush()  # nothing new sent: still refused, the lost record cannot be written again in order
    await output.aclose()


class _FailingOnce:
    """Stands in for a producer (what leaves the process) whose first flush fails (its flush thread broke)."""

    def __init__(self) -> None:
        self.flushes = 0

    def produce(self, topic, value, key, on_error=None, *, partition=None) -> None:
        pass

    async def flushed(self) -> None:
        self.flushes += 1
        if self.flushes == 1:
            raise DeliveryError("flush failed")


async def test_outputs_a_failed_flush_did_not_confirm_are_flushed_again_by_the_next(settings: Settings):
    producer = _FailingOnce()
    output = StageOutput(settings, producer=lambda _: producer)
    output.send(TOPIC, b"CP-1", b"snapshot")
    with pytest.raises(DeliveryError, match="flush failed"):
        await output.flush()
    await output.flush()  # the record is not known to be at the broker: flushed again before a commit
    assert producer.flushes == 2
    await output.flush()  # nothing since: no flush
    assert producer.flushes == 2


def test_the_output_producers_wait_output_linger_ms_to_fill_a_request(monkeypatch):
    configs = []
    monkeypatch.setattr(group_commit, "Producer", lambda config: configs.append(config))  # what would connect
    settings = Settings()
    settings = settings.model_copy(update={"pipeline": settings.pipeline.model_copy(update={"output_linger_ms": 7})})
    output_producer(settings)
    StageOutput(settings).producer  # noqa: B018 - made on first use, by output_producer
    assert [c["linger.ms"] for c in configs] == [7, 7]
    assert Settings().pipeline.output_linger_ms == 20
