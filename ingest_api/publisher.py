"""Publishing to the broker and waiting for delivery; dead-lettering rejected requests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from confluent_kafka import KafkaException

from ingest_api.envelope import now
from ingest_api.exceptions import BrokerUnavailable
from ingest_api.metrics import Metrics
from roamstream.avro import AvroSerde
from roamstream.deadletter import fresh_letter_id
from roamstream.kafka import DeliveryError
from roamstream.topics import spec

log = logging.getLogger(__name__)

STAGE = "ingest_api"
DEAD_LETTER_TOPIC = "deadletter.v1"
#: a dead letter must fit a Kafka record (``message.max.bytes`` is 1 MB by default)
DEAD_LETTER_MAX_PAYLOAD = 512 * 1024


class Producer(Protocol):
    """What the API needs of ``roamstream.kafka.AsyncProducer``."""

    async def send(self, topic: str, value: bytes, key: bytes | str | None = None) -> tuple[int, int]: ...

    def connected(self) -> bool:
        """Whether a broker answers now (blocking, short: called in a thread)."""


@dataclass(frozen=True, slots=True)
class Delivery:
    topic: str
    key: str
    partition: int
    offset: int


class Publisher:
    def __init__(self, producer: Producer, serde: AvroSerde, metrics: Metrics) -> None:
        self._producer = producer
        self._serde = serde
        self._metrics = metrics

    async def publish(self, topic: str, record: dict[str, Any], key: str) -> Delivery:
        """Encode ``record`` with ``topic``'s schema, produce it and wait until the broker has it."""
        return (await self.publish_all(topic, [(key, record)]))[0]

    async def publish_all(self, topic: str, keyed: Sequence[tuple[str, dict[str, Any]]]) -> list[Delivery]:
        """Produce every record (in order) and wait for all deliveries; any failure fails the whole call."""
        schema = spec(topic).schema
        values = [(key, self._serde.encode(schema, record)) for key, record in keyed]
        results = await asyncio.gather(
            *(self._producer.send(topic, value, key=key) for key, value in values), return_exceptions=True
        )
        failed = [r for r in results if isinstance(r, BaseException)]
        delivered = len(results) - len(failed)
        if delivered:
            self._metrics.published.labels(topic).inc(delivered)
        if failed:
            if not all(isinstance(exc, DeliveryError | KafkaException) for exc in failed):
                raise failed[0]
            raise BrokerUnavailable(
                f"broker did not confirm {len(failed)} of {len(results)} records to {topic}: {failed[0]}"
            ) from failed[0]
        return [
            Delivery(topic, key, partition, offset)
            for (key, _), (partition, offset) in zip(values, results, strict=True)
        ]

    async def dead_letter(self, reason: str, payload: bytes, key: str | None, *, stage: str = STAGE) -> bool:
        """Record a rejected request in ``deadletter.v1``; False (logged) if the broker did not take it."""
        if len(payload) > DEAD_LETTER_MAX_PAYLOAD:
            reason += f" (payload cut to its first {DEAD_LETTER_MAX_PAYLOAD} of {len(payload)} bytes)"
            payload = payload[:DEAD_LETTER_MAX_PAYLOAD]
        record = {
            "stage": stage,
            "reason": reason,
            "key": key.encode() if key is not None else None,
            "payload": payload,
            "occurred_at": now(),
            "letter_id": fresh_letter_id(),
        }
        try:
            value = self._serde.encode(spec(DEAD_LETTER_TOPIC).schema, record)
            await self._producer.send(DEAD_LETTER_TOPIC, value, key=key)
        except (DeliveryError, KafkaException) as exc:
            log.error("dead letter not delivered (%s); rejected request: %s", exc, reason)
            self._metrics.dead_letters_lost.labels(stage).inc()
            return False
        self._metrics.dead_letters.labels(stage).inc()
        return True
