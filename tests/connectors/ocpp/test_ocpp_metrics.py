"""The endpoint's /metrics and /ready, on its own port, after real traffic: a real ``ocpp`` client's
BootNotification, an unknown action answered with a CALLERROR, a refused handshake."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import websockets
from ocpp.v16 import call
from scraped import scrape, scraped_when
from wire import bare, exchange

from connectors.ocpp.server import OcppServer
from connectors.ocpp.simulator.client import connect
from roamstream.avro import AvroSerde
from roamstream.kafka import AsyncProducer

pytestmark = pytest.mark.integration


async def test_connections_messages_and_callerrors_are_counted_by_version_and_action(server):
    before = await asyncio.to_thread(scrape, server.http_url)
    assert before.value("roamstream_ocpp_messages_total") == 0
    assert {"roamstream_ocpp_connections", "roamstream_ocpp_callerrors"} <= before.families

    async with connect(server.url, "CP-M1", "1.6") as station:
        await station.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
        during = await asyncio.to_thread(scrape, server.http_url)
    assert during.value("roamstream_ocpp_messages_total", version="1.6", action="BootNotification") == 1
    assert during.value("roamstream_ocpp_connected", version="1.6") == 1
    assert during.value("roamstream_ocpp_connections_total", version="1.6") == 1

    async with bare(server.url, "CP-M2", "2.0.1") as ws:
        reply = await exchange(ws, [2, "u1", "Teleport", {}])
    assert reply[2] == "NotImplemented"
    with pytest.raises(websockets.InvalidStatus):  # no identity in the path: 404
        async with websockets.connect(f"{server.url}/"):
            pass

    after = await scraped_when(server.http_url, lambda m: m.value("roamstream_ocpp_connected") == 0,
                               "both connections closed")
    assert after.value("roamstream_ocpp_messages_total") == 2
    assert after.value("roamstream_ocpp_messages_total", version="2.0.1", action="unknown") == 1
    assert after.value("roamstream_ocpp_callerrors_total") == 1
    assert after.value("roamstream_ocpp_callerrors_total", version="2.0.1", action="unknown",
                       code="NotImplemented") == 1
    assert after.value("roamstream_ocpp_connections_total") == 2
    assert after.value("roamstream_ocpp_handshakes_rejected_total", status="404") == 1
    # the CALLERROR's frame and the refused handshake
    assert after.value("roamstream_dead_letters_total", stage="ocpp.connector") == 2
    assert after.value("roamstream_ready") == 1


async def test_ready_once_listening_with_the_broker_answering(server, ocpp_settings):
    async with httpx.AsyncClient() as http:
        resp = await http.get(f"{server.http_url}/ready")
    assert (resp.status_code, resp.text) == (200, "ready\n")

    nowhere = ocpp_settings.model_copy(update={"kafka": ocpp_settings.kafka.model_copy(
        update={"bootstrap_servers": "127.0.0.1:1"})})
    producer = AsyncProducer(nowhere)  # a broker that never answers: not ready
    try:
        async with OcppServer(ocpp_settings, producer, AvroSerde()) as lost, httpx.AsyncClient() as http:
            resp = await http.get(f"{lost.http_url}/ready")
            assert (resp.status_code, resp.text) == (503, "not ready: the broker does not answer\n")
    finally:
        producer.close()
