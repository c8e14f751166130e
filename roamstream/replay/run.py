"""Replay a recording into fresh topics, run a pipeline worker over them, and collect the priced CDRs.

The replay is a pure function of the recording: records go back to the partitions they were read from,
with their keys and bytes unchanged, and nothing that decides a CDR reads the wall clock. Every event of a
charge point is in one partition of ``ocpp.events.v1`` in the order the connector received it, so nothing
about the traffic is left to the replay. It runs in two phases so that reference data is complete before the
first session is priced: reference data is produced and the worker runs until it has committed all of it;
then the charge points' events are produced (a recording in which a tariff changes during the traffic
replays with its last version). A version 1 recording is merged into ``ocpp.events.v1`` first
(``roamstream.replay.legacy``).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from roamstream import events
from roamstream.avro import AvroSerde, SerdeError, serde_for
from roamstream.config import Settings
from roamstream.kafka import consumer_config, create_topics
from roamstream.replay.exceptions import ReplayError
from roamstream.replay.legacy import upgrade
from roamstream.replay.plumbing import consumed, landed, produce
from roamstream.replay.recording import Recording
from roamstream.topics import spec

CDRS = "ocpi.cdrs.v1"
TRAFFIC = events.TOPIC
DEADLETTER = "deadletter.v1"
#: stages whose dead letters mean a session of the recording yields no CDR
LOSING_STAGES = ("sessions", "pricing")


@dataclass(frozen=True, slots=True)
class DeadLetter:
    stage: str
    reason: str


@dataclass
class ReplayResult:
    #: CDR id -> the exact OCPI JSON text on ``ocpi.cdrs.v1``
    cdrs: dict[str, str]
    #: dead letters of the stages that lose a session (sessions, pricing)
    lost: list[DeadLetter] = field(default_factory=list)
    #: dead letters per stage, all stages (push dead-letters every CDR when no partner is configured)
    dead_letters: Counter = field(default_factory=Counter)
    records: int = 0
    prefix: str = ""
    seconds: float = 0.0


def fresh_settings(settings: Settings) -> Settings:
    """``settings`` with topics and consumer groups of their own (a unique prefix under the given one)."""
    prefix = f"{settings.kafka.topic_prefix}replay-{uuid.uuid4().hex[:8]}."
    kafka = settings.kafka.model_copy(update={"topic_prefix": prefix})
    pipeline = settings.pipeline.model_copy(update={"app_id": f"{prefix}roamstream"})
    return settings.model_copy(update={"kafka": kafka, "pipeline": pipeline})


def check_schemas(recording: Recording, serde: AvroSerde) -> None:
    """Every writer schema in the recording must be known (checked-in or in ``schemas/history``)."""
    seen: set[tuple[str, bytes]] = set()
    for record in recording.records:
        if record.value is None or (record.topic, record.value[:5]) in seen:
            continue
        seen.add((record.topic, record.value[:5]))
        try:
            serde.decode(spec(record.topic).schema, record.value)
        except SerdeError as exc:
            raise ReplayError(
                f"{record.topic} partition {record.partition} offset {record.offset}: {exc}; a schema changed "
                "without keeping its old version in schemas/history, or the recording is broken"
            ) from exc


class _Outputs:
    """Reads ``ocpi.cdrs.v1`` and ``deadletter.v1`` of the replay from their beginning (no group)."""

    def __init__(self, settings: Settings, serde: AvroSerde) -> None:
        self._serde = serde
        self._cdrs_topic = settings.topic(CDRS)
        self._consumer = Consumer(consumer_config(settings, **{
            "group.id": f"{settings.kafka.topic_prefix}replay-reader",
            "enable.auto.commit": False,
            "fetch.wait.max.ms": 50,
        }))
        self._consumer.assign([
            TopicPartition(settings.topic(name), p, OFFSET_BEGINNING)
            for name in (CDRS, DEADLETTER) for p in range(spec(name).partitions)
        ])

    def poll(self, result: ReplayResult, conflicts: list[str]) -> None:
        for msg in self._consumer.consume(500, 0.2):
            if msg.error() is not None:
                if msg.error().code() != KafkaError._PARTITION_EOF:
                    raise ReplayError(f"reading the replay's outputs: {msg.error().str()}")
                continue
            if msg.topic() == self._cdrs_topic:
                cdr = self._serde.decode(CDRS, msg.value())
                held = result.cdrs.setdefault(cdr["id"], cdr["ocpi_json"])
                if held != cdr["ocpi_json"]:
                    conflicts.append(cdr["id"])
            else:
                letter = self._serde.decode(DEADLETTER, msg.value())
                result.dead_letters[letter["stage"]] += 1
                if letter["stage"] in LOSING_STAGES:
                    result.lost.append(DeadLetter(letter["stage"], letter["reason"]))

    def close(self) -> None:
        self._consumer.close()


async def replay(
    settings: Settings,
    recording: Recording,
    *,
    expect: int | None = None,
    timeout_s: float = 180.0,
    on_progress: Callable[[int, int], None] | None = None,
    land: bool = False,
) -> ReplayResult:
    """Replay ``recording`` into fresh topics on the broker of ``settings`` and run a worker until each of
    its ``expect`` sessions (default: the recording's ``sessions``) has a CDR or a dead letter; with
    ``land``, also until the lake (``settings.lake``) has every record of its topics.

    Raises ``ReplayError`` on a timeout, or when one CDR id comes with two different JSON texts.
    """
    from pipelines.worker import Worker  # faust is imported only when a replay runs

    expected = expect if expect is not None else recording.sessions
    if expected is None:
        raise ReplayError("the recording does not say how many sessions it holds: pass expect")
    settings = fresh_settings(settings)
    serde = serde_for(settings.schema_registry.url)
    if settings.schema_registry.url is None:
        check_schemas(recording, serde)
    recording = upgrade(recording, serde)
    began = time.monotonic()
    create_topics(settings)
    first = [r for r in recording.records if r.topic != TRAFFIC]
    ends = await asyncio.to_thread(produce, settings, first)
    result = ReplayResult({}, records=len(recording.records), prefix=settings.kafka.topic_prefix)
    conflicts: list[str] = []
    outputs = _Outputs(settings, serde)
    try:
        async with Worker(settings):
            deadline = time.monotonic() + timeout_s
            await consumed(settings, ends, timeout_s)
            await asyncio.to_thread(produce, settings, [r for r in recording.records if r.topic == TRAFFIC])
            while len(result.cdrs) + len(result.lost) < expected:
                if time.monotonic() > deadline:
                    raise ReplayError(
                        f"timed out after {timeout_s:.0f} s: {len(result.cdrs)} CDRs and {len(result.lost)} lost "
                        f"sessions of {expected} expected (dead letters by stage: {dict(result.dead_letters)})"
                    )
                await asyncio.to_thread(outputs.poll, result, conflicts)
                if conflicts:
                    raise ReplayError(f"one replay priced a CDR twice, differently: {sorted(set(conflicts))[:5]}")
                if on_progress is not None:
                    on_progress(len(result.cdrs) + len(result.lost), expected)
            if land:
                await landed(settings, max(1.0, deadline - time.monotonic()))
    finally:
        outputs.close()
    result.seconds = time.monotonic() - began
    return result
