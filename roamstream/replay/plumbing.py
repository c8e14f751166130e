"""The replay's broker plumbing: produce recorded records to their partitions, and follow the worker's
progress through the offsets its consumer group has committed (faust commits a record only once every
agent reading it is done with it; the lake only once its Parquet file is written)."""

from __future__ import annotations

import asyncio
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

from roamstream.config import Settings
from roamstream.kafka import consumer_config, producer_config
from roamstream.lake import TABLES as LAKE_TABLES
from roamstream.replay.exceptions import ReplayError
from roamstream.replay.recording import Record
from roamstream.topics import spec


def produce(settings: Settings, records: list[Record]) -> dict[tuple[str, int], int]:
    """Produce ``records`` to their recorded partitions of the prefixed topics, with their keys and bytes;
    return the end offset reached in each (catalog topic, partition)."""
    producer = Producer(producer_config(settings))
    ends: dict[tuple[str, int], int] = {}
    failures: list[str] = []

    def delivered(err: KafkaError | None, msg) -> None:  # noqa: ANN001 - confluent's callback
        if err is not None:
            failures.append(f"{msg.topic()}[{msg.partition()}]: {err.str()}")
            return
        key = (msg.topic().removeprefix(settings.kafka.topic_prefix), msg.partition())
        ends[key] = max(ends.get(key, 0), msg.offset() + 1)

    for record in records:
        while True:
            try:
                producer.produce(settings.topic(record.topic), value=record.value, key=record.key,
                                 partition=record.partition, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    left = producer.flush(30)
    if left or failures:
        raise ReplayError(f"the broker did not take the recording: {left} undelivered, {failures[:3]}")
    return ends


async def consumed(settings: Settings, ends: dict[tuple[str, int], int], timeout_s: float) -> None:
    """Wait until the worker's consumer group has committed every offset up to ``ends``."""
    consumer = Consumer(consumer_config(settings, **{"group.id": settings.pipeline.app_id,
                                                     "enable.auto.commit": False}))
    wanted = [TopicPartition(settings.topic(topic), p) for topic, p in ends]
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            committed = await asyncio.to_thread(consumer.committed, wanted, 5.0)
            behind = [f"{tp.topic}[{tp.partition}] {tp.offset}/{ends[(t, tp.partition)]}"
                      for tp, (t, _) in zip(committed, ends, strict=True) if tp.offset < ends[(t, tp.partition)]]
            if not behind:
                return
            if time.monotonic() > deadline:
                raise ReplayError(f"the worker did not consume the first phase in {timeout_s:.0f} s: {behind[:4]}")
            await asyncio.sleep(0.2)
    finally:
        consumer.close()


async def end_offsets(settings: Settings, names: tuple[str, ...]) -> dict[tuple[str, int], int]:
    """The end offset of every partition of ``names`` (catalog names); on the embedded broker corrected for
    its low ListOffsets answer (``pipelines.compat``)."""
    from faust.types import TP

    from pipelines.app import aiokafka_auth
    from pipelines.compat import true_end_offsets

    consumer = Consumer(consumer_config(settings, **{"group.id": f"{settings.kafka.topic_prefix}replay-ends"}))
    try:
        reported = {
            TP(settings.topic(name), p): consumer.get_watermark_offsets(
                TopicPartition(settings.topic(name), p), timeout=5, cached=False)[1]
            for name in names for p in range(spec(name).partitions)
        }
    finally:
        consumer.close()
    if settings.profile == "embedded":
        reported = await true_end_offsets(settings.kafka.bootstrap_servers, reported, auth=aiokafka_auth(settings))
    return {(tp.topic.removeprefix(settings.kafka.topic_prefix), tp.partition): end for tp, end in reported.items()}


async def landed(settings: Settings, timeout_s: float) -> None:
    """Wait until the worker has committed every record of the lake's topics (the lake acknowledges a record
    only once its Parquet file is written), and no new one came meanwhile."""
    names = tuple(sorted({table.topic for table in LAKE_TABLES.values()}))
    previous = None
    while True:
        ends = await end_offsets(settings, names)
        await consumed(settings, {k: v for k, v in ends.items() if v > 0}, timeout_s)
        if ends == previous:
            return
        previous = ends
