"""Send a record that a stage could not process to ``deadletter.v1``, with the stage and the reason."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import faust

from roamstream.avro import AvroSerde


class DeadLetters:
    def __init__(self, topic: faust.TopicT, serde: AvroSerde) -> None:
        self._topic = topic
        self._serde = serde

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
        await self._topic.send(key=record["key"], value=self._serde.encode("deadletter.v1", record))
