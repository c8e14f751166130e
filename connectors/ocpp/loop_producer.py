"""A Kafka producer whose delivery reports are served on the asyncio loop that produces (no poll thread).

``roamstream.kafka.AsyncProducer`` serves delivery reports on a thread and hands each one to the loop with
``call_soon_threadsafe``; on a busy connector that costs a GIL hand-over and a loop wake-up per record
(about a sixth of the connector's CPU in bench/bench_ocpp.py). Here the loop itself calls ``poll(0)``
while deliveries are outstanding, so reports run where their futures live. Same interface: ``send``
returns after the broker has the record; ``produce`` does not wait.
"""

from __future__ import annotations

import asyncio
from typing import Any

from confluent_kafka import KafkaError, Producer

from roamstream.config import Settings
from roamstream.kafka import DeliveryError, broker_answers, producer_config

#: how often the loop polls for delivery reports while some are outstanding
POLL_INTERVAL_S = 0.001


class LoopProducer:
    def __init__(self, settings: Settings, **extra: Any) -> None:
        self._settings = settings
        self._producer = Producer(producer_config(settings, **extra))
        self._outstanding = 0
        self._pump: asyncio.Task | None = None

    async def send(self, topic: str, value: bytes, key: bytes | str | None = None) -> tuple[int, int]:
        """Produce to ``topic`` (catalog name; the prefix is added) and wait for delivery: (partition, offset)."""
        fut: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()

        def delivered(err: KafkaError | None, msg: Any) -> None:
            self._outstanding -= 1
            if fut.done():
                return
            if err is not None:
                fut.set_exception(DeliveryError(f"{topic}: {err.str()}"))
            else:
                fut.set_result((msg.partition(), msg.offset()))

        self._produce(topic, value, key, delivered)
        return await fut

    def produce(self, topic: str, value: bytes, key: bytes | str | None = None) -> None:
        self._produce(topic, value, key, self._forget)

    def _forget(self, err: KafkaError | None, msg: Any) -> None:
        self._outstanding -= 1

    def _produce(self, topic: str, value: bytes, key: bytes | str | None, callback: Any) -> None:
        name = self._settings.topic(topic)
        while True:
            try:
                self._producer.produce(name, value=value, key=key, on_delivery=callback)
                break
            except BufferError:
                self._producer.poll(0.01)
        self._outstanding += 1
        if self._pump is None:
            self._pump = asyncio.get_running_loop().create_task(self._serve_reports())

    async def _serve_reports(self) -> None:
        try:
            while self._outstanding > 0:
                self._producer.poll(0)
                await asyncio.sleep(POLL_INTERVAL_S)
        finally:
            self._pump = None

    def flush(self, timeout: float = 10.0) -> int:
        return self._producer.flush(timeout)

    def connected(self) -> bool:
        """Whether a broker answers now (blocking, at most ``READY_TIMEOUT_S``): readiness."""
        return broker_answers(self._producer, self._settings.topic("deadletter.v1"))

    def close(self) -> None:
        self.flush()
