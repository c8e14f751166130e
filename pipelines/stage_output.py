"""A stage's records, output topics and table changelogs alike, through one confluent-kafka producer
(``pipelines.group_commit.GroupCommit``) instead of faust's producer buffer, which costs dozens of event-loop
callbacks and ``wait_for`` per record.

What stays as with faust's producer:

- order: one producer, one request in flight per broker (``roamstream.kafka.producer_config``), so the records of
  one partition reach it in the order they were produced; the key's partition is murmur2's, as faust's;
- commits: faust awaits ``flush`` whenever it flushes its own producer, before every offset commit
  (``pipelines.compat.flush_with_producer``); ``flush`` returns once every record produced before it is at the
  broker, so an input offset is never committed ahead of the records its events produced;
- the tables: ``store`` sets the table's value as faust's own write does and writes the same changelog record
  (``pipelines.table_writes.ChangelogWriter``: a failed one is written again from the table's value).

An output record the broker refused (librdkafka gave up on it after ``message.timeout.ms``) cannot be written
again without breaking its key's order: from then on every ``flush`` raises ``DeliveryError``, so no input
offset is committed any more and a restarted worker produces the records again from the last committed one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import faust
from confluent_kafka import KafkaError

from pipelines.group_commit import GroupCommit
from pipelines.table_writes import ChangelogWriter
from roamstream.config import Settings
from roamstream.kafka import DeliveryError


class StageOutput:
    def __init__(self, settings: Settings, producer: Callable[[Settings], GroupCommit] = GroupCommit) -> None:
        self._settings, self._make = settings, producer
        self._producer: GroupCommit | None = None
        self.changelog = ChangelogWriter(lambda: self.producer)
        #: output records produced since the last flush began
        self._unflushed = 0
        #: the first output record the broker refused, for good
        self._refused: str | None = None

    @property
    def producer(self) -> GroupCommit:
        if self._producer is None:  # made on first use: a stage that never writes opens no connection
            self._producer = self._make(self._settings)
        return self._producer

    def send(self, topic: str, key: bytes, value: bytes) -> None:
        """Produce to catalog topic ``topic``, in ``key``'s partition, without waiting (``flush`` waits)."""
        self.producer.produce(topic, value, key, self._on_error)
        self._unflushed += 1

    def store(self, table: faust.Table, partition: int, key: bytes, value: bytes | None) -> None:
        """Set ``key`` in ``table`` (``None``: remove it) and write its changelog record to ``partition``."""
        self.changelog.store(table, partition, key, value)

    def _on_error(self, err: KafkaError, msg: Any) -> None:  # in librdkafka's flush or poll, a thread of ours
        if self._refused is None:
            self._refused = f"{msg.topic()}[{msg.partition()}]: {err.str()}"

    async def flush(self) -> None:
        """Return once every record produced so far is at the broker; ``DeliveryError`` if one never will be
        (then faust commits nothing)."""
        if self._unflushed:
            self._unflushed = 0
            await self.producer.flushed()
        await self.changelog.flush()
        if self._refused is not None:
            raise DeliveryError(f"an output record was not written ({self._refused}); offsets not committed")

    async def aclose(self) -> None:
        """Every record produced so far written (or failed), then the producer closed."""
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.flushed()
            await asyncio.to_thread(producer.close)
