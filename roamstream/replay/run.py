"""Replay a recording into fresh topics, run a pipeline worker over them, and collect the priced CDRs.

The replay is a pure function of the recording: records go back to the partitions they were read from,
with their keys and bytes unchanged, and nothing that decides a CDR reads the wall clock. One thing is
left to the replay: how the sessions stage interleaves ``ocpp.station.v1`` with ``ocpp.transaction.v1``
(two topics, read at the pace the broker serves them). The fold holds a status until the charge point's
event time reaches it, so a status read early counts exactly as one read on time; a status read *late*
(after the transaction events of its time) could still count differently. So the replay reads the
station topic first, in two phases: reference data and station events are produced and the worker runs
until it has committed all of them; then the transaction events are produced. (So reference data is
complete before the first session is priced: a recording in which a tariff changes during the traffic
replays with its last version.)
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition

from roamstream.avro import AvroSerde, SerdeError, serde_for
from roamstream.config import Settings
from roamstream.kafka import create_topics, producer_config
from roamstream.lake import TABLES as LAKE_TABLES
from roamstream.replay.exceptions import ReplayError
from roamstream.replay.recording import Record, Recording
from roamstream.topics import spec

CDRS = "ocpi.cdrs.v1"
TRANSACTIONS = "ocpp.transaction.v1"
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
    consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap_servers,
                         "group.id": settings.pipeline.app_id, "enable.auto.commit": False})
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


class _Outputs:
    """Reads ``ocpi.cdrs.v1`` and ``deadletter.v1`` of the replay from their beginning (no group)."""

    def __init__(self, settings: Settings, serde: AvroSerde) -> None:
        self._serde = serde
        self._cdrs_topic = settings.topic(CDRS)
        self._consumer = Consumer({
            "bootstrap.servers": settings.kafka.bootstrap_servers,
            "group.id": f"{settings.kafka.topic_prefix}replay-reader",
            "enable.auto.commit": False,
            "fetch.wait.max.ms": 50,
        })
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


async def end_offsets(settings: Settings, names: tuple[str, ...]) -> dict[tuple[str, int], int]:
    """The end offset of every partition of ``names`` (catalog names); on the embedded broker corrected for
    its low ListOffsets answer (``pipelines.compat``)."""
    from faust.types import TP

    from pipelines.compat import true_end_offsets

    consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap_servers,
                         "group.id": f"{settings.kafka.topic_prefix}replay-ends"})
    try:
        reported = {
            TP(settings.topic(name), p): consumer.get_watermark_offsets(
                TopicPartition(settings.topic(name), p), timeout=5, cached=False)[1]
            for name in names for p in range(spec(name).partitions)
        }
    finally:
        consumer.close()
    if settings.profile == "embedded":
        reported = await true_end_offsets(settings.kafka.bootstrap_servers, reported)
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
    began = time.monotonic()
    create_topics(settings)
    first = [r for r in recording.records if r.topic != TRANSACTIONS]
    ends = await asyncio.to_thread(produce, settings, first)
    result = ReplayResult({}, records=len(recording.records), prefix=settings.kafka.topic_prefix)
    conflicts: list[str] = []
    outputs = _Outputs(settings, serde)
    try:
        async with Worker(settings):
            deadline = time.monotonic() + timeout_s
            await consumed(settings, ends, timeout_s)
            await asyncio.to_thread(produce, settings, [r for r in recording.records if r.topic == TRANSACTIONS])
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
