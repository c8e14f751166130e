"""The ingest API for real: uvicorn on a free port, an httpx client, the embedded broker."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import httpx
import pytest
from api_payloads import TOKEN, auth, statement_json, tariff
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from pydantic import SecretStr

from ingest_api.app import serve
from roamstream.avro import AvroSerde
from roamstream.broker import free_port
from roamstream.config import Settings
from roamstream.kafka import AsyncProducer
from roamstream.ocpi.tariff import Tariff
from roamstream.topics import spec

pytestmark = pytest.mark.integration


def api_settings(settings: Settings) -> Settings:
    api = settings.api.model_copy(update={"port": 0, "tokens": [SecretStr(TOKEN)]})
    return settings.model_copy(update={"api": api})


def read(settings: Settings, topic: str, count: int) -> list:
    """The first ``count`` records of ``topic`` (all partitions, from the start); fewer if they never come."""
    name = settings.topic(topic)
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka.bootstrap_servers,
            "group.id": settings.topic("api-test"),
            "enable.auto.commit": False,
        }
    )
    consumer.assign([TopicPartition(name, p, OFFSET_BEGINNING) for p in range(spec(topic).partitions)])
    got = []
    try:
        for _ in range(150):
            msg = consumer.poll(0.2)
            if msg is not None and not msg.error():
                got.append(msg)
                if len(got) == count:
                    break
    finally:
        consumer.close()
    return got


@pytest.fixture
async def running(topics):
    settings = api_settings(topics)
    producer = AsyncProducer(settings)
    handle = await serve(settings, producer, AvroSerde())
    try:
        async with httpx.AsyncClient(base_url=handle.url, timeout=10) as client:
            yield settings, client
    finally:
        await handle.stop()
        producer.close()


async def test_put_tariff_lands_on_the_compacted_topic_as_avro(running):
    settings, client = running
    resp = await client.put("/ocpi/2.2.1/tariffs/DE/ALL/12", json=tariff(), headers=auth())
    assert resp.status_code == 200, resp.text
    receipt = resp.json()["data"]
    [msg] = await asyncio.to_thread(read, settings, "ocpi.tariffs.v1", 1)
    assert (msg.key(), msg.partition(), msg.offset()) == (
        b"DE-ALL-12",
        receipt["partition"],
        receipt["offset"],
    )
    record = AvroSerde().decode("ocpi.object.v1", msg.value())
    assert (record["country_code"], record["party_id"], record["id"], record["deleted"]) == (
        "DE",
        "ALL",
        "12",
        False,
    )
    assert Tariff.model_validate_json(record["ocpi_json"]) == Tariff.model_validate(tariff())


async def test_bad_request_is_answered_and_dead_lettered_and_the_server_goes_on(running):
    settings, client = running
    bad = tariff()
    bad["elements"][0]["price_components"][0]["step_size"] = "five minutes"
    raw = json.dumps(bad).encode()
    resp = await client.put(
        "/ocpi/2.2.1/tariffs/DE/ALL/12", content=raw, headers={**auth(), "X-Request-ID": "r-1"}
    )
    assert resp.status_code == 400
    assert resp.json()["status_code"] == 2001
    assert resp.json()["status_message"].startswith("elements[0].price_components[0].step_size: ")
    assert resp.headers["X-Request-ID"] == "r-1"

    [msg] = await asyncio.to_thread(read, settings, "deadletter.v1", 1)
    dead = AvroSerde().decode("deadletter.v1", msg.value())
    assert dead["stage"] == "ingest_api"
    assert "elements[0].price_components[0].step_size" in dead["reason"]
    assert (dead["payload"], dead["key"], msg.key()) == (raw, b"DE-ALL-12", b"DE-ALL-12")

    good = await client.post("/ocpi/2.2.1/statements", content=statement_json(), headers=auth())
    assert good.status_code == 200, good.text
    lines = await asyncio.to_thread(read, settings, "partner.statements.v1", 2)
    records = [AvroSerde().decode("partner.statements.v1", m.value()) for m in lines]
    assert [r["total_cost_excl_vat"] for r in records] == [Decimal("12.3456"), Decimal("0.1")]
    assert {m.key() for m in lines} == {b"DE-ABC"}


async def test_an_unreachable_broker_gives_503():
    settings = api_settings(Settings().for_embedded(f"127.0.0.1:{free_port()}"))
    producer = AsyncProducer(settings, **{"message.timeout.ms": 500})
    handle = await serve(settings, producer, AvroSerde())
    try:
        async with httpx.AsyncClient(base_url=handle.url, timeout=10) as client:
            resp = await client.put("/ocpi/2.2.1/tariffs/DE/ALL/12", json=tariff(), headers=auth())
            health = await client.get("/healthz")
            ready = await client.get("/ready")
    finally:
        await handle.stop()
        producer.close()
    assert (resp.status_code, resp.json()["status_code"]) == (503, 3000)
    assert health.status_code == 200  # the process serves
    assert ready.status_code == 503  # but cannot publish
