"""The pricing stage in a real worker on the embedded broker: parked sessions, the dead-letter horizon,
idempotent recomputation and corrections. Records go in through Kafka and are read back from Kafka.

"Nothing more was sent" is checked without timing: a later session of the same charge point (same
partition, processed in order) is sent after it, and once its CDR is out the earlier record has been
priced.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from waiting import eventually

from pipelines.reprice import reprice
from pipelines.worker import Worker
from roamstream.avro import AvroSerde, serde_for
from roamstream.config import Settings
from roamstream.kafka import AsyncProducer
from roamstream.ocpi.timefmt import parse_datetime
from roamstream.topics import spec
from tests.cdrs.cdr_fixtures import CP, as_exact, completed, dumps, exact, expected_cdr, location, tariff, token

pytestmark = pytest.mark.integration


@dataclass
class Collected:
    cdrs: list[dict] = field(default_factory=list)
    dead: list[dict] = field(default_factory=list)

    def cdr_ids(self) -> list[str]:
        return [c["id"] for c in self.cdrs]

    def pricing_dead(self) -> list[dict]:
        return [d for d in self.dead if d["stage"] == "pricing"]


class Collector:
    """Reads ocpi.cdrs.v1 and deadletter.v1 from their start in a thread (no consumer group)."""

    def __init__(self, settings: Settings, serde: AvroSerde) -> None:
        self.seen = Collected()
        self._stop = threading.Event()
        self._consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap_servers, "group.id": "unused",
                                   "enable.auto.commit": False})
        self._consumer.assign([TopicPartition(settings.topic(name), p, OFFSET_BEGINNING)
                               for name in ("ocpi.cdrs.v1", "deadletter.v1") for p in range(spec(name).partitions)])
        self._names = {settings.topic("ocpi.cdrs.v1"): "cdrs", settings.topic("deadletter.v1"): "dead"}
        self._serde = serde
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            message = self._consumer.poll(0.05)
            if message is None or message.error():
                continue
            kind = self._names[message.topic()]
            schema = "ocpi.cdrs.v1" if kind == "cdrs" else "deadletter.v1"
            getattr(self.seen, kind).append(self._serde.decode(schema, message.value()))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._consumer.close()


@dataclass
class Stage:
    settings: Settings
    worker: Worker
    producer: AsyncProducer
    serde: AvroSerde
    seen: Collected

    async def put(self, topic: str, key: str, obj: dict, object_id: str | None = None) -> None:
        record = {"country_code": obj["country_code"], "party_id": obj["party_id"],
                  "id": object_id or obj["id"], "last_updated": parse_datetime(obj["last_updated"]),
                  "deleted": False, "ocpi_json": dumps(obj)}
        await self.producer.send(topic, self.serde.encode("ocpi.object.v1", record), key)

    async def put_tariff(self, obj: dict) -> None:
        await self.put("ocpi.tariffs.v1", f"NL-RST-{obj['id']}", obj)

    async def put_token(self, obj: dict) -> None:
        await self.put("ocpi.tokens.v1", obj["uid"], obj, obj["uid"])

    async def complete(self, record: dict) -> None:
        await self.producer.send("sessions.completed.v1", self.serde.encode("sessions.completed.v1", record),
                                 record["charge_point_id"])

    def table(self, name: str) -> dict:
        return self.worker.app.tables[name]



def session(tx: str, uid: str = "EMA000001") -> dict:
    return completed(transaction_id=tx, session_id=f"{CP}-{tx}", id_tag=uid)


def token_of(uid: str) -> dict:
    return {**token(), "uid": uid}


async def start(settings: Settings, reference_wait_s: float) -> AsyncIterator[Stage]:
    pipeline = settings.pipeline.model_copy(update={"reference_wait_s": reference_wait_s})
    settings = settings.model_copy(update={"pipeline": pipeline})
    serde = serde_for(None)
    producer = AsyncProducer(settings)
    collector = Collector(settings, serde)
    try:
        async with Worker(settings) as worker:
            stage = Stage(settings, worker, producer, serde, collector.seen)
            await stage.put_tariff(tariff())
            await stage.put("ocpi.locations.v1", "NL-RST-LOC-1", location())
            yield stage
    finally:
        collector.close()
        producer.close()


@pytest.fixture
async def stage(settings) -> AsyncIterator[Stage]:
    async for s in start(settings, reference_wait_s=600):
        yield s


@pytest.fixture
async def impatient_stage(settings) -> AsyncIterator[Stage]:
    async for s in start(settings, reference_wait_s=0.5):
        yield s


async def test_a_session_waits_for_its_token_without_holding_up_the_next_one(stage):
    await stage.put_token(token_of("EMA000002"))
    await stage.complete({**session("42"), "estimated": True})  # its token EMA000001 is not known yet
    await stage.complete(session("42"))  # a later record of the session replaces the parked one
    await stage.complete(session("43", "EMA000002"))
    await eventually(lambda: "CP-7-43" in stage.seen.cdr_ids(), "the next session of the partition is priced")
    assert "CP-7-42" not in stage.seen.cdr_ids()
    assert stage.table("pending").get(b"CP-7|42") is not None
    assert stage.seen.pricing_dead() == []

    await stage.put_token(token_of("EMA000001"))
    await eventually(lambda: "CP-7-42" in stage.seen.cdr_ids(), "the parked session is priced")
    [cdr] = [c for c in stage.seen.cdrs if c["id"] == "CP-7-42"]
    assert exact(cdr["ocpi_json"]) == as_exact(expected_cdr())  # the latest record, as if the token had been there
    await eventually(lambda: stage.table("pending").get(b"CP-7|42") is None, "the parked session is let go")
    assert stage.seen.cdr_ids().count("CP-7-42") == 1


async def test_missing_reference_data_goes_to_the_dead_letter_topic_after_the_horizon(impatient_stage):
    stage = impatient_stage
    record = session("44", "EMA000009")
    await stage.complete(record)
    await eventually(lambda: stage.seen.pricing_dead(), "the session is dead-lettered")
    [dead] = stage.seen.pricing_dead()
    assert dead["reason"] == "session CP-7-44: unknown token 'EMA000009' (waited 0.5 s for it)"
    assert stage.serde.decode("sessions.completed.v1", dead["payload"]) == record
    assert dead["key"] == CP.encode()
    assert dead["event_time"] == record["end"]
    assert stage.seen.cdrs == []

    # the token comes late; the operator prices the dead-lettered session again
    await stage.put_token(token_of("EMA000009"))
    await eventually(lambda: stage.table("tokens").get(b"EMA000009") is not None, "the worker knows the token")
    sent, _ = await asyncio.to_thread(reprice, stage.settings, stage.serde, ["CP-7-44"])
    assert [f.session_id for f in sent] == ["CP-7-44"]
    await eventually(lambda: stage.seen.cdr_ids() == ["CP-7-44"], "the session is priced")


async def settled(stage: Stage, tx: str) -> None:
    """Send a session of the same charge point after what came before and wait for its CDR."""
    await stage.complete(session(tx))
    await eventually(lambda: f"CP-7-{tx}" in stage.seen.cdr_ids(), f"the CDR of session {tx}")


async def test_a_recomputation_sends_nothing_when_same_and_a_credit_and_a_new_cdr_when_corrected(stage):
    await stage.put_token(token_of("EMA000001"))
    await stage.complete(session("42"))
    await eventually(lambda: stage.seen.cdr_ids() == ["CP-7-42"], "the first CDR")

    await stage.complete(session("42"))  # at-least-once: the same completed session again
    await settled(stage, "50")
    assert stage.seen.cdr_ids() == ["CP-7-42", "CP-7-50"]

    fixed = tariff(peak="0.45", last_updated="2026-03-10T08:00:00Z")
    await stage.put_tariff(fixed)
    await eventually(lambda: b"2026-03-10" in (stage.table("tariffs").get(b"NL-RST-T1") or b""),
                     "the corrected tariff is known to the worker")
    sent, missing = await asyncio.to_thread(reprice, stage.settings, stage.serde, ["CP-7-42", "CP-7-99"])
    assert ([f.session_id for f in sent], missing) == (["CP-7-42"], ["CP-7-99"])
    await eventually(lambda: len(stage.seen.cdrs) == 4, "a credit and a new CDR")
    credit, new = stage.seen.cdrs[2:]
    assert (credit["id"], credit["credit"], credit["credit_reference_id"]) == ("CP-7-42-C", True, "CP-7-42")
    assert (credit["total_cost_excl_vat"], credit["total_cost_incl_vat"]) == (Decimal("-5.1"), Decimal("-6.171"))
    assert credit["total_energy"] == Decimal(9)
    assert (new["id"], new["credit"], new["credit_reference_id"]) == ("CP-7-42-R1", False, None)
    assert (new["total_cost_excl_vat"], new["total_cost_incl_vat"]) == (Decimal("5.25"), Decimal("6.3525"))
    assert exact(credit["ocpi_json"])["last_updated"] == exact(new["ocpi_json"])["last_updated"] == (
        "2026-03-10T08:00:00Z")

    await stage.complete(session("42"))  # the corrected session again: the issued R1 stands
    await settled(stage, "51")
    assert stage.seen.cdr_ids() == ["CP-7-42", "CP-7-50", "CP-7-42-C", "CP-7-42-R1", "CP-7-51"]
    assert stage.seen.pricing_dead() == []
