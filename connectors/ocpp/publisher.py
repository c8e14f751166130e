"""The connector's only way out: Avro records to ``ocpp.events.v1`` (transaction and station events of a
charge point in one topic, in the order they were received: ``roamstream/events.py``), ``ocpp.raw.v1`` and
``deadletter.v1``, keyed by charge point id. ``transaction``, ``station`` and ``dead_letter`` return once the
broker has the record; raw frames are produced without waiting (audit, never on the ack path)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from connectors.ocpp.exceptions import PublishFailed
from connectors.ocpp.metrics import OcppMetrics
from connectors.ocpp.model import StationEvent, StationKind, TransactionEvent
from roamstream import events
from roamstream.avro import AvroSerde
from roamstream.deadletter import fresh_letter_id
from roamstream.kafka import DeliveryError

STAGE = "ocpp.connector"
EVENTS_TOPIC = events.TOPIC
RAW_TOPIC = "ocpp.raw.v1"
DEADLETTER_TOPIC = "deadletter.v1"


class Producer(Protocol):
    """``roamstream.kafka.AsyncProducer`` or ``connectors.ocpp.loop_producer.LoopProducer``."""

    async def send(self, topic: str, value: bytes, key: bytes | str | None = None) -> tuple[int, int]: ...

    def produce(self, topic: str, value: bytes, key: bytes | str | None = None) -> None: ...

    def connected(self) -> bool:
        """Whether a broker answers now (blocking, short: called in a thread)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class Publisher:
    def __init__(self, producer: Producer, serde: AvroSerde, clock: Callable[[], datetime] = utc_now,
                 metrics: OcppMetrics | None = None):
        self._producer = producer
        self._serde = serde
        self.clock = clock
        self.metrics = metrics if metrics is not None else OcppMetrics()
        #: charge point id -> monotonic time of its latest event published, and of its latest own event
        #: (not a tick): what ``connectors.ocpp.ticks`` decides by
        self.last_event: dict[str, float] = {}
        self.last_own: dict[str, float] = {}

    async def _send(self, topic: str, record: dict, key: str) -> None:
        await self._deliver(topic, self._serde.encode(topic, record), key)

    async def _deliver(self, topic: str, value: bytes, key: str) -> None:
        try:
            await self._producer.send(topic, value, key=key)
        except DeliveryError as exc:
            raise PublishFailed(str(exc)) from exc

    async def _event(self, record: dict, key: str, *, own: bool = True) -> None:
        await self._deliver(EVENTS_TOPIC, events.encode(self._serde, record), key)
        self.last_event[key] = now = time.monotonic()
        if own:
            self.last_own[key] = now

    async def transaction(self, event: TransactionEvent) -> None:
        await self._event(event.to_record(), event.charge_point_id)

    async def station(self, event: StationEvent) -> None:
        await self._event(event.to_record(), event.charge_point_id, own=event.kind != StationKind.TICK)

    async def dead_letter(
        self, charge_point_id: str, reason: str, frame: str | bytes, event_time: datetime | None = None
    ) -> None:
        record = {
            "stage": STAGE,
            "reason": reason,
            "source_topic": None,
            "source_partition": None,
            "source_offset": None,
            "key": charge_point_id.encode(),
            "payload": frame.encode() if isinstance(frame, str) else frame,
            "event_time": event_time,
            "occurred_at": self.clock(),
            "letter_id": fresh_letter_id(),
        }
        try:
            await self._send(DEADLETTER_TOPIC, record, charge_point_id)
        except PublishFailed:
            self.metrics.dead_letters_lost.labels(STAGE).inc()
            raise
        self.metrics.dead_letters.labels(STAGE).inc()

    def raw(self, charge_point_id: str, version: str | None, direction: str, frame: str | bytes) -> None:
        record = {
            "charge_point_id": charge_point_id,
            "ocpp_version": version,
            "direction": direction,
            "received_at": self.clock(),
            "frame": frame if isinstance(frame, str) else frame.decode("utf-8", "replace"),
        }
        self._producer.produce(RAW_TOPIC, self._serde.encode(RAW_TOPIC, record), key=charge_point_id)
