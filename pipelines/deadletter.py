"""Send a record that a stage could not process to ``deadletter.v1``, with the stage and the reason."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import faust

from pipelines.metrics import WorkerMetrics
from roamstream.avro import AvroSerde, SerdeError
from roamstream.deadletter import derived_letter_id


class DeadLetters:
    def __init__(self, topic: faust.TopicT, serde: AvroSerde, metrics: WorkerMetrics | None = None) -> None:
        self._topic = topic
        self._serde = serde
        self._metrics = metrics if metrics is not None else WorkerMetrics()

    async def send(
        self, stage: str, reason: str, event: faust.EventT | None = None, *, event_time: datetime | None = None,
        key: bytes | None = None, payload: bytes | None = None,
    ) -> None:
        message: Any = event.message if event is not None else None
        record = {
            "stage": stage,
            "reason": reason,
            "source_topic": message.topic if message else None,
            "source_partition": message.partition if message else None,
            "source_offset": message.offset if message else None,
            "key": key if key is not None else (message.key if message else None),
            "payload": payload if payload is not None else (message.value if message else None),
            "event_time": event_time,
            "occurred_at": datetime.now(UTC),  # operational: when the stage gave up
        }
        source = (record["source_topic"], record["source_partition"], record["source_offset"])
        record["letter_id"] = derived_letter_id(stage, reason, source, record["key"], record["payload"], event_time)
        await self._topic.send(key=record["key"], value=self._serde.encode("deadletter.v1", record))
        self._metrics.dead_letters.labels(stage).inc()

    async def decoded(self, stream: faust.StreamT, schema: str | Callable[[bytes], dict[str, Any]], stage: str
                      ) -> AsyncIterator[tuple[faust.EventT, dict[str, Any]]]:
        """The stream's events with their records decoded as ``schema`` (a schema name, or a function of the value
        that raises ``SerdeError`` for what it cannot read); an undecodable one is dead-lettered.

        Each event is held until the stage is done with it (its body ran to the next event, or its dead letter
        was sent) and acked only then: faust's stream acks the event in hand in a ``finally``, also when the agent
        is stopped (a worker leaving the group) while its body awaits, and that offset would be committed with
        the event never processed."""
        decode = (lambda value: self._serde.decode(schema, value)) if isinstance(schema, str) else schema
        async for event in stream.events():
            event.message.incref()
            try:
                record = decode(event.value)
            except SerdeError as exc:
                await self.send(stage, str(exc), event)
                await stream.ack(event)
                continue
            yield event, record
            await stream.ack(event)
