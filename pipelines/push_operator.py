"""What ``roamstream push status|redrive|resend`` do, read from Kafka as the worker left it:

- the pending state and the acknowledged objects: the ``push_ledger`` table's changelog (the latest record per
  key: a pending state, with the ledger value if any, or the ledger value alone; ``split_entry``), and what a
  worker of the previous version left in the ``push_pending`` changelog (until the worker moves it over);
- attempts: ``push.results.v1``; final refusals: ``deadletter.v1`` (stage ``push``, the pending record, the
  request and the response in its payload);
- a redrive or a resend is a ``push.requests.v1`` record keyed by charge point id (co-partitioned with the
  object's Session and CDRs), which the worker's push stage makes pending again.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from pipelines.app import aiokafka_auth
from pipelines.compat import true_end_offsets
from roamstream.avro import AvroSerde
from roamstream.config import Settings
from roamstream.kafka import AsyncProducer
from roamstream.partners.delivery.pending import Pending, decode, split_entry
from roamstream.partners.exceptions import PartnerError, PendingStateError
from roamstream.partners.registry.store import TOPIC as REGISTRY_TOPIC
from roamstream.partners.registry.store import Registry
from roamstream.topics import PARTITIONS, spec

READ_TIMEOUT_S = 60.0


class NothingToSend(PartnerError):
    """The object named is not in the topics (named in the message)."""


async def read_all(settings: Settings, topic: str, partitions: int = PARTITIONS) -> list[Any]:
    """Every record of ``topic`` (a full name) up to its end now, in partition order."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers, group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest", **aiokafka_auth(settings))
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        ends = await consumer.end_offsets(tps)
        if settings.profile == "embedded":
            ends = await true_end_offsets(settings.kafka.bootstrap_servers, ends, auth=aiokafka_auth(settings))
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        records: list[Any] = []
        async with asyncio.timeout(READ_TIMEOUT_S):
            while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
                for batch in (await consumer.getmany(timeout_ms=200)).values():
                    records.extend(r for r in batch if r.offset < ends[TopicPartition(r.topic, r.partition)])
        return records
    finally:
        await consumer.stop()


def latest_values(records: Iterable[Any]) -> dict[bytes, bytes]:
    """A compacted topic's current content: the last value per key, tombstones removed."""
    out: dict[bytes, bytes | None] = {}
    for r in records:
        out[r.key] = r.value
    return {k: v for k, v in out.items() if v is not None}


def changelog(settings: Settings, table: str) -> str:
    return f"{settings.pipeline.app_id}-{table}-changelog"


@dataclass
class Ledger:
    #: ledger key -> what the partner acknowledged
    acknowledged: dict[bytes, bytes]
    #: pending key -> what waits to reach the partner
    pending: dict[bytes, Pending]


async def acknowledged_and_pending(settings: Settings) -> Ledger:
    """The push ledger and the pending states as the worker's changelogs hold them now."""
    ledger = Ledger({}, {})
    for key, raw in latest_values(await read_all(settings, changelog(settings, "push_ledger"))).items():
        pending, acknowledged = split_entry(raw)
        if acknowledged is not None:
            ledger.acknowledged[key] = acknowledged
        if pending is not None:
            ledger.pending[pending.key] = pending
    for raw in latest_values(await read_all(settings, changelog(settings, "push_pending"))).values():
        item = decode(raw)  # left by a worker of the previous version, not moved over yet
        ledger.pending.setdefault(item.key, item)
    return ledger


@dataclass
class PartnerStatus:
    partner: str
    pending: int = 0
    oldest_pending_age_s: float | None = None
    dead_lettered: int = 0
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None

    def row(self) -> dict[str, Any]:
        return {
            "partner": self.partner, "pending": self.pending,
            "oldest_pending_age_s": None if self.oldest_pending_age_s is None else round(self.oldest_pending_age_s, 1),
            "dead_lettered": self.dead_lettered,
            "last_success_at": self.last_success_at.isoformat() if self.last_success_at else None,
            "last_error_at": self.last_error_at.isoformat() if self.last_error_at else None,
            "last_error": self.last_error,
        }


async def dead_lettered(settings: Settings, serde: AvroSerde) -> list[tuple[Pending, str]]:
    """Every push the stage gave up on (final refusals), with the reason; oldest first."""
    out = []
    for r in await read_all(settings, settings.topic("deadletter.v1")):
        record = serde.decode("deadletter.v1", r.value)
        if record["stage"] != "push" or not record["payload"]:
            continue
        try:
            out.append((decode(json.dumps(json.loads(record["payload"])["pending"]).encode()), record["reason"]))
        except (ValueError, KeyError, TypeError, PendingStateError):
            continue  # a push dead letter without a pending record (e.g. no partner configured)
    return out


async def registered_partners(settings: Settings, serde: AvroSerde) -> list[str]:
    """The partners registered by the credentials handshake (``ocpi.partners.v1``), pending pushes or not."""
    registry = Registry(serde)
    records = await read_all(settings, settings.topic(REGISTRY_TOPIC), spec(REGISTRY_TOPIC).partitions)
    for key, raw in latest_values(records).items():
        registry.apply_raw(key.decode(), raw)
    return [r.key for r in registry.registered()]


async def status(settings: Settings, serde: AvroSerde, partners: Iterable[str]) -> list[PartnerStatus]:
    by_partner = {p: PartnerStatus(p) for p in partners}

    def of(partner: str) -> PartnerStatus:
        return by_partner.setdefault(partner, PartnerStatus(partner))

    now = time.time()
    ledger = await acknowledged_and_pending(settings)
    for item in ledger.pending.values():
        s = of(item.partner)
        s.pending += 1
        age = now - item.since
        s.oldest_pending_age_s = max(age, s.oldest_pending_age_s or 0.0)
    given_up = {item.key: item for item, _ in await dead_lettered(settings, serde)}
    for item in given_up.values():  # per object (a Session may have been refused in several states)
        if item.ledger_key not in ledger.acknowledged:  # else redriven and delivered since
            of(item.partner).dead_lettered += 1
    for r in await read_all(settings, settings.topic("push.results.v1")):
        result = serde.decode("push.results.v1", r.value)
        s = of(result["partner"])
        at = result["pushed_at"]
        if result["ok"]:
            s.last_success_at = max(at, s.last_success_at or at)
        elif result.get("outcome") != "unknown" and (s.last_error_at is None or at >= s.last_error_at):
            s.last_error_at, s.last_error = at, result["error"]
    return sorted(by_partner.values(), key=lambda s: s.partner)


async def _request(settings: Settings, serde: AvroSerde, action: str, items: list[Pending]) -> int:
    producer = AsyncProducer(settings)
    try:
        for item in items:
            value = serde.encode("push.requests.v1", {
                "action": action, "partner": item.partner, "module": "cdrs" if item.kind == "cdr" else "sessions",
                "object_id": item.object_id, "pending_json": item.encode().decode(),
                "requested_at": datetime.now(UTC)})
            await producer.send("push.requests.v1", value, item.charge_point_id)
    finally:
        producer.close()
    return len(items)


async def redrive(settings: Settings, serde: AvroSerde, partner: str, ids: set[str]) -> list[Pending]:
    """Send the partner's dead-lettered pushes (those of ``ids``, or all) again; what it has since is skipped."""
    acknowledged = (await acknowledged_and_pending(settings)).acknowledged
    chosen: dict[bytes, Pending] = {}
    for item, _ in await dead_lettered(settings, serde):
        if item.partner == partner and (not ids or item.object_id in ids) and item.ledger_key not in acknowledged:
            chosen[item.key] = item
    await _request(settings, serde, "redrive", list(chosen.values()))
    return list(chosen.values())


async def resend(settings: Settings, serde: AvroSerde, partner: str, *, cdr: str | None = None,
                 session: str | None = None) -> Pending:
    """Send a CDR (POST) or a Session (PUT, whole) to the partner again, even if it acknowledged it."""
    topic, kind, wanted = ("ocpi.cdrs.v1", "cdr", cdr) if cdr else ("ocpi.sessions.v1", "session", session)
    found = None
    for r in await read_all(settings, settings.topic(topic)):
        record = serde.decode(topic, r.value)
        if record["id"] == wanted and record["partner"] == partner:
            found = (record, r.partition)
    if found is None:
        raise NothingToSend(f"no {kind} {wanted!r} for partner {partner} in {settings.topic(topic)}")
    record, partition = found
    item = Pending(kind, partner, record["id"], record["session_id"] if kind == "cdr" else record["id"],
                   record["ocpi_json"], record["last_updated"].isoformat(), partition, record["charge_point_id"],
                   time.time(), force=True)
    await _request(settings, serde, "resend", [item])
    return item


