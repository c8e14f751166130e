"""A confluent-kafka producer whose records are acknowledged by group commit.

librdkafka batches the records in C, off the event loop; no delivery report is made for a record the broker took
(``delivery.report.only.error``). A record's future is done once a ``flush`` that began after it was produced has
returned (a flush returns when the broker has every record produced before it, or librdkafka gave up on one: then
that record's future holds the error): every record produced while one flush runs is acknowledged by the next, and
one flush (in a thread) acknowledges them all. ``send`` starts a flush at once (an intent waits for it); ``write``
does not (a table's changelog record: a later ``send``, a ``kick`` or ``flushed`` acknowledges it).
"""

from __future__ import annotations

import asyncio
from typing import Any

from confluent_kafka import KafkaError, Producer

from roamstream.config import Settings
from roamstream.kafka import DeliveryError, producer_config


class GroupCommit:
    def __init__(self, settings: Settings, flush_timeout_s: float = 5.0, **config: Any) -> None:
        """``config``: librdkafka settings over ``roamstream.kafka.producer_config``."""
        self._settings = settings
        self._producer = Producer(producer_config(settings, **{"delivery.report.only.error": True, **config}))
        self._timeout = flush_timeout_s
        self._waiting: list[tuple[asyncio.Future, list[KafkaError], str]] = []
        self._flusher: asyncio.Task | None = None

    def produce(self, topic: str, value: bytes | None, key: bytes, on_error: Any = None, *,
                partition: int | None = None) -> None:
        """Produce to catalog topic ``topic`` without waiting (a refusal reaches ``on_error(err, msg)`` in a later
        flush or poll); ``partition``: that one, else the key's (murmur2, as faust and the Java client)."""
        self._produce(self._settings.topic(topic), value, key, on_error, partition)

    def _produce(self, topic: str, value: bytes | None, key: bytes, on_error: Any, partition: int | None) -> None:
        extra = {} if partition is None else {"partition": partition}
        while True:
            try:
                self._producer.produce(topic, value=value, key=key, on_delivery=on_error, **extra)
                return
            except BufferError:
                self._producer.poll(0.01)

    def _tracked(self, topic: str, value: bytes | None, key: bytes, partition: int | None) -> asyncio.Future:
        errors: list[KafkaError] = []
        self._produce(topic, value, key, lambda err, _msg: errors.append(err), partition)
        fut = asyncio.get_running_loop().create_future()
        self._waiting.append((fut, errors, topic))
        return fut

    async def send(self, topic: str, value: bytes, key: bytes) -> None:
        """Produce to catalog topic ``topic``; return once the broker has the record (``DeliveryError`` if not)."""
        fut = self._tracked(self._settings.topic(topic), value, key, None)
        self.kick()
        await fut

    def write(self, topic: str, partition: int, key: bytes, value: bytes | None) -> asyncio.Future:
        """Produce to ``topic`` (a full name, e.g. a changelog) in ``partition``; the future is done once a later
        flush found the record at the broker. Starts no flush."""
        return self._tracked(topic, value, key, partition)

    def kick(self) -> None:
        """Start a flush if records wait for one and none runs."""
        if self._waiting and (self._flusher is None or self._flusher.done()):
            self._flusher = asyncio.get_running_loop().create_task(self._flush())

    async def flushed(self) -> None:
        """Return once every record produced before the call is at the broker or failed (its future says which)."""
        fut = asyncio.get_running_loop().create_future()
        self._waiting.append((fut, [], "flush"))
        self.kick()
        await fut

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                # until the broker has every record or librdkafka gave up on it (``message.timeout.ms``: then
                # its report names the error); a broker away for a while only makes the waiters wait
                await asyncio.to_thread(self._drain)
            except Exception as exc:  # these records are not known to be durable: their writers try again
                for fut, _, topic in batch:
                    if not fut.done():
                        fut.set_exception(DeliveryError(f"{topic}: flush failed: {exc!r}"))
                continue
            except BaseException as exc:  # cancelled with the worker: the waiting sends fail with it
                for fut, _, topic in batch + self._waiting:
                    if not fut.done():
                        fut.set_exception(DeliveryError(f"{topic}: flush stopped: {exc!r}"))
                raise
            for fut, errors, topic in batch:
                if fut.done():
                    continue
                if errors:
                    fut.set_exception(DeliveryError(f"{topic}: {errors[0].str()}"))
                else:
                    fut.set_result(None)

    def _drain(self) -> None:
        while self._producer.flush(self._timeout):
            pass

    def close(self, timeout: float = 10.0) -> None:
        self._producer.flush(timeout)
