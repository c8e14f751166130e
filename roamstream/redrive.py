"""Dead letters an operator can act on: read ``deadletter.v1``, pick letters, send their records through their
stage again (``roamstream deadletter list|show|redrive``).

A stage's letter keeps the record it could not process (``source_topic``, ``key``, ``payload``). Redrive
produces that record to its source topic again, with its key (so to the same partition), and a
``roamstream-redrive`` header naming the letter. Then it writes the letter id to ``deadletter.redriven.v1``
(compacted, one partition): a letter found there is not sent again, so redriving twice sends once. Between the
two writes a crash can send a record twice; the stages are idempotent on a record seen again (the pricing
stage, for one, sends nothing when the CDR comes out the same).

Letters written by an edge (OCPP connector, ingest API) about input that never reached a topic have no source
topic: they cannot be redriven and are reported so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Message, Producer

from roamstream import kafka
from roamstream.avro import AvroSerde, SerdeError
from roamstream.config import Settings
from roamstream.exceptions import RoamstreamError
from roamstream.kafka import producer_config
from roamstream.topics import BY_NAME

LETTERS = "deadletter.v1"
REDRIVEN = "deadletter.redriven.v1"
#: names the letter a record was redriven for
REDRIVE_HEADER = "roamstream-redrive"


class RedriveError(RoamstreamError):
    """Kafka could not be read or written."""


@dataclass(frozen=True)
class Letter:
    """One dead letter, as ``deadletter.v1`` has it, and where it is on that topic."""

    letter_id: str
    stage: str
    reason: str
    occurred_at: datetime
    source_topic: str | None
    source_partition: int | None
    source_offset: int | None
    key: bytes | None
    payload: bytes | None
    event_time: datetime | None
    partition: int
    offset: int

    @property
    def redrivable(self) -> bool:
        return self.source_topic is not None and self.payload is not None

    @property
    def source(self) -> str:
        if self.source_topic is None:
            return "-"
        return f"{self.source_topic}[{self.source_partition}]@{self.source_offset}"


@dataclass(frozen=True)
class Selection:
    """Which letters: every given criterion must hold (none given: every letter)."""

    stage: str | None = None
    #: a substring of the reason, case-insensitive
    reason: str | None = None
    #: occurred_at (when the stage gave up) within [since, until)
    since: datetime | None = None
    until: datetime | None = None
    letter_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def everything(self) -> bool:
        return self == Selection()

    def __call__(self, letter: Letter) -> bool:
        return ((self.stage is None or letter.stage == self.stage)
                and (self.reason is None or self.reason.lower() in letter.reason.lower())
                and (self.since is None or letter.occurred_at >= self.since)
                and (self.until is None or letter.occurred_at < self.until)
                and (not self.letter_ids or letter.letter_id in self.letter_ids))


@dataclass(frozen=True)
class Outcome:
    letter: Letter
    #: ``redriven``, ``would redrive`` (dry run), ``already redriven`` or ``not redrivable``
    action: str
    detail: str


def read_to_end(settings: Settings, name: str, *, idle_s: float = 0.5, limit_s: float = 60.0) -> list[Message]:
    """Every record of catalog topic ``name``, from its start to its end."""
    return list(kafka.read_to_end(settings, name, error=RedriveError, group="deadletter", idle_s=idle_s,
                                  limit_s=limit_s))


def letters(settings: Settings, serde: AvroSerde) -> list[Letter]:
    """Every letter on the topic, once each (copies share a letter id), oldest first."""
    found: dict[str, Letter] = {}
    for message in read_to_end(settings, LETTERS):
        try:
            record = serde.decode(LETTERS, message.value())
        except SerdeError:
            continue  # not a letter: nothing to act on
        letter_id = record.get("letter_id") or f"{message.topic()}:{message.partition()}:{message.offset()}"
        found.setdefault(letter_id, Letter(
            letter_id, record["stage"], record["reason"], record["occurred_at"], record["source_topic"],
            record["source_partition"], record["source_offset"], record["key"], record["payload"],
            record["event_time"], message.partition(), message.offset(),
        ))
    return sorted(found.values(), key=lambda letter: (letter.occurred_at, letter.partition, letter.offset))


def redriven(settings: Settings, serde: AvroSerde) -> dict[str, dict[str, Any]]:
    """letter id -> its ``deadletter.redriven.v1`` record, for every letter already redriven."""
    marks: dict[str, dict[str, Any]] = {}
    for message in read_to_end(settings, REDRIVEN):
        record = serde.decode(REDRIVEN, message.value())
        marks.setdefault(record["letter_id"], record)
    return marks


def _produce(producer: Producer, topic: str, *, key: bytes | None, value: bytes,
             headers: list[tuple[str, bytes]] | None = None) -> tuple[int, int]:
    """Produce one record and wait for the broker: (partition, offset)."""
    delivered: list[tuple[int, int]] = []
    errors: list[str] = []

    def report(err, msg) -> None:  # noqa: ANN001 - confluent-kafka's callback
        if err is not None:
            errors.append(err.str())
        else:
            delivered.append((msg.partition(), msg.offset()))

    producer.produce(topic, key=key, value=value, headers=headers, on_delivery=report)
    if producer.flush(10) or errors or not delivered:
        raise RedriveError(f"{topic}: not delivered: {errors or 'timeout'}")
    return delivered[0]


def redrive(settings: Settings, serde: AvroSerde, selected: Iterable[Letter], *, dry_run: bool = False
            ) -> list[Outcome]:
    """Send the record of each of ``selected`` to its source topic again, unless it was redriven before."""
    marks = redriven(settings, serde)
    producer = None if dry_run else Producer(producer_config(settings))
    outcomes = []
    for letter in selected:
        if not letter.redrivable:
            outcomes.append(Outcome(letter, "not redrivable", "the letter keeps no source record"))
        elif letter.letter_id in marks:
            mark = marks[letter.letter_id]
            outcomes.append(Outcome(letter, "already redriven",
                                    f"to {mark['source_topic']}[{mark['partition']}]@{mark['offset']} at "
                                    f"{mark['redriven_at'].isoformat()}"))
        elif producer is None:
            outcomes.append(Outcome(letter, "would redrive", f"to {letter.source_topic}"))
        else:
            partition, offset = _produce(producer, letter.source_topic, key=letter.key, value=letter.payload,
                                         headers=[(REDRIVE_HEADER, letter.letter_id.encode())])
            mark = {"letter_id": letter.letter_id, "source_topic": letter.source_topic, "partition": partition,
                    "offset": offset, "redriven_at": datetime.now(UTC)}  # operational: when it was done
            _produce(producer, settings.topic(REDRIVEN), key=letter.letter_id.encode(),
                     value=serde.encode(REDRIVEN, mark))
            marks[letter.letter_id] = mark
            outcomes.append(Outcome(letter, "redriven", f"to {letter.source_topic}[{partition}]@{offset}"))
    return outcomes


def describe(letter: Letter, serde: AvroSerde, settings: Settings) -> dict[str, Any]:
    """The letter as JSON data, its record decoded with its source topic's schema where that works."""
    out: dict[str, Any] = {
        "letter_id": letter.letter_id, "stage": letter.stage, "reason": letter.reason,
        "occurred_at": letter.occurred_at.isoformat(),
        "event_time": letter.event_time.isoformat() if letter.event_time else None,
        "source_topic": letter.source_topic, "source_partition": letter.source_partition,
        "source_offset": letter.source_offset, "key": _text(letter.key),
        "letter_at": f"{settings.topic(LETTERS)}[{letter.partition}]@{letter.offset}",
    }
    name = _catalog_name(letter.source_topic, settings)
    record: Any = None
    if name is not None and BY_NAME[name].schema is not None and letter.payload is not None:
        try:
            record = serde.decode(BY_NAME[name].schema, letter.payload)
        except SerdeError:
            record = None
    out["record"] = record if record is not None else _text(letter.payload)
    return out


def _catalog_name(topic: str | None, settings: Settings) -> str | None:
    prefix = settings.kafka.topic_prefix
    if topic is None or not topic.startswith(prefix):
        return None
    name = topic[len(prefix):]
    return name if name in BY_NAME else None


def _text(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return "0x" + raw.hex()
