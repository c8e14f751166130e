"""The connector's loop-polled producer against the embedded broker, alone and under the endpoint."""

from __future__ import annotations

import asyncio

import pytest
from ocpp_clock import NOW

from connectors.ocpp.loop_producer import LoopProducer
from connectors.ocpp.server import OcppServer
from connectors.ocpp.simulator import simulate
from roamstream.avro import AvroSerde

pytestmark = pytest.mark.integration


async def test_send_returns_after_delivery_and_produce_does_not_lose_records(ocpp_settings, reader):
    producer = LoopProducer(ocpp_settings)
    serde = AvroSerde()
    frames = [
        serde.encode(
            "ocpp.raw.v1",
            {"charge_point_id": "CP", "ocpp_version": "1.6", "direction": "IN", "received_at": NOW, "frame": str(i)},
        )
        for i in range(500)
    ]
    for frame in frames[:-1]:
        producer.produce("ocpp.raw.v1", frame, key="CP")
    partition, offset = await producer.send("ocpp.raw.v1", frames[-1], key="CP")
    assert 0 <= partition < 4 and offset == 499  # one key, one partition: everything before it was delivered
    producer.close()
    records = await asyncio.to_thread(reader.read, "ocpp.raw.v1", 500)
    assert [r["frame"] for r in records] == [str(i) for i in range(500)]


async def test_the_endpoint_on_the_loop_producer(ocpp_settings, reader):
    producer = LoopProducer(ocpp_settings)
    async with OcppServer(ocpp_settings, producer, AvroSerde(), clock=lambda: NOW) as server:
        sessions = await simulate(server.url, charge_points=3, sessions=2, energy_wh=2000)
    producer.close()
    events = await asyncio.to_thread(reader.transactions, 24)
    assert len(events) == 24
    assert {(e["charge_point_id"], e["transaction_id"]) for e in events if e["kind"] == "ENDED"} == {
        (s.charge_point_id, s.transaction_id) for s in sessions
    }
