"""A stage's records, output topics and table changelogs, through confluent-kafka producers
(``pipelines.group_commit.GroupCommit``) instead of faust's producer buffer, which costs dozens of event-loop
callbacks and ``wait_for`` per record.

Two producers: one for the outputs, one for the changelogs. librdkafka puts one partition in each produce request
and, without idempotence (the embedded broker has none), keeps one request in flight per connection
(``roamstream.kafka.producer_config``, for each partition's order): an output record would otherwise wait behind
the changelog's requests (a state is a few KB, written for every charge point of a batch), one broker round trip
per partition.

What stays as with faust's producer:

- order: every record of a topic goes through one producer, one request in flight per broker, so the records of a
  partition reach it in the order they were produced; the key's partition is murmur2's, as faust's;
- commits: faust awaits ``flush`` whenever it flushes its own producer, before every offset commit
  (``pipelines.compat.flush_with_producer``); ``flush`` returns once every record produced before it is at the
  broker, so an input offset is never committed ahead of the records its events produced;
- the tables: ``store`` sets the table's value as faust's own write does and writes the same changelog record
  (``pipelines.table_writes.ChangelogWriter``: a failed one is written again from the table's value). Not the
  same: with the RocksDB store, faust's persisted changelog offset does not advance with these records (see
  ``ChangelogWriter``), so a restarted worker reads the changelog from further back: slower, the same content.

An output record the broker refused (librdkafka gave up on it after ``message.timeout.ms``) cannot be written
again without breaking its key's order: from then on every ``flush`` raises ``DeliveryError``, so no input
offset is committed any more and a restarted worker produces the records again from the last committed one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import cached_property
from typing import Any

import faust
from confluent_kafka import KafkaError

from pipelines.group_commit import GroupCommit
from pipelines.table_writes import ChangelogWriter
from roamstream.config import Settings
from roamstream.kafka import DeliveryError


def output_producer(settings: Settings) -> GroupCommit:
    """A producer of the stage's outputs: waiting ``PIPELINE_OUTPUT_LINGER_MS`` to fill a request (flushes do not
    wait)."""
    return GroupCommit(settings, **{"linger.ms": settings.pipeline.output_linger_ms})


class StageOutput:
    def __init__(self, settings: Settings, producer: Callable[[Settings], GroupCommit] | None = None) -> None:
        """``producer``: makes each of the two producers (on first use: a stage that never writes opens no
        connection)."""
        self._settings, self._make = settings, producer or output_producer
        self.changelog = ChangelogWriter(lambda: self.changelog_producer)
        #: output records produced since the last flush began
        self._unflushed = 0
        #: the first output record the broker refused, for good
        self._refused: str | None = None

    @cached_property
    def producer(self) -> GroupCommit:
        """The outputs' producer."""
        return self._make(self._settings)

    @cached_property
    def changelog_producer(self) -> GroupCommit:
        return self._make(self._settings)

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
        outputs, self._unflushed = self._unflushed, 0
        waits = [self.changelog.flush()]
        if outputs:
            waits.append(self.producer.flushed())
        try:
            outcomes = await asyncio.gather(*waits, return_exceptions=True)  # both flushes run at once
        except BaseException:  # cancelled: the outputs are not known to be at the broker, the next flush waits
            self._unflushed += outputs
            raise
        if outputs and isinstance(outcomes[-1], BaseException):
            self._unflushed += outputs
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        if self._refused is not None:
            raise DeliveryError(f"an output record was not written ({self._refused}); offsets not committed")

    async def aclose(self) -> None:
        """Every record produced so far written (or failed), then the producers closed."""
        for name in ("producer", "changelog_producer"):
            producer = self.__dict__.pop(name, None)  # None: never made
            if producer is not None:
                await producer.flushed()
                await asyncio.to_thread(producer.close)
