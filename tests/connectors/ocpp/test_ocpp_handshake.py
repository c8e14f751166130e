"""The opening handshake: subprotocols, identity, HTTP Basic per station, one connection per identity."""

from __future__ import annotations

import asyncio
import base64

import pytest
import websockets
from ocpp_clock import NOW
from pydantic import SecretStr
from websockets.exceptions import ConnectionClosed, InvalidStatus
from wire import bare, exchange

from connectors.ocpp.handshake import hash_password
from connectors.ocpp.server import OcppServer
from roamstream.avro import AvroSerde

pytestmark = pytest.mark.integration

HEARTBEAT = [2, "hb", "Heartbeat", {}]


async def test_the_newest_common_version_is_chosen(server):
    async with websockets.connect(f"{server.url}/CP-1", subprotocols=["ocpp1.6", "ocpp2.0.1"]) as ws:
        assert ws.subprotocol == "ocpp2.0.1"
    async with websockets.connect(f"{server.url}/CP-1", subprotocols=["ocpp1.6", "ocpp1.5"]) as ws:
        assert ws.subprotocol == "ocpp1.6"


@pytest.mark.parametrize("offered", [["ocpp1.5"], None])
async def test_without_a_common_subprotocol_the_handshake_completes_then_the_connection_closes(server, reader, offered):
    async with websockets.connect(f"{server.url}/CP-OLD", subprotocols=offered) as ws:
        assert ws.subprotocol is None  # completed (101), not refused with HTTP 400
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd.code == 1002
    assert closed.value.rcvd.reason.startswith("no common OCPP subprotocol")
    [dead] = await asyncio.to_thread(reader.read, "deadletter.v1", 1)
    assert dead["reason"] == (
        f"no common OCPP subprotocol (offered: {', '.join(offered or []) or 'none'}; supported: ocpp2.0.1, ocpp1.6)"
    )
    assert dead["_key"] == "CP-OLD"


async def test_the_identity_is_the_percent_decoded_last_path_segment(server, reader):
    async with bare(server.url, "CP%2D%C3%A9%20A") as ws:
        await exchange(ws, HEARTBEAT)
    [connected, heartbeat, _] = await asyncio.to_thread(reader.stations, 3)
    assert connected["charge_point_id"] == heartbeat["charge_point_id"] == "CP-é A"


@pytest.mark.parametrize(
    ("path", "status"),
    [("A" * 49, 400), ("CP%3A1", 400), ("CP:1", 400), ("", 404)],
)
async def test_bad_identities_are_refused_with_http_status(server, reader, path, status):
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(f"{server.url}/{path}", subprotocols=["ocpp1.6"]):
            pass
    assert refused.value.response.status_code == status
    [dead] = await asyncio.to_thread(reader.read, "deadletter.v1", 1)
    assert dead["reason"].startswith(f"handshake rejected ({status}): ")


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
async def auth_server(ocpp_settings, producer):
    hashed = hash_password("s3cret", iterations=1_000)
    ocpp = ocpp_settings.ocpp.model_copy(update={"passwords": {"CP-AUTH": SecretStr(hashed)}})
    settings = ocpp_settings.model_copy(update={"ocpp": ocpp})
    async with OcppServer(settings, producer, AvroSerde(), clock=lambda: NOW) as s:
        yield s


async def test_a_station_with_a_password_must_present_it(auth_server, reader):
    async with bare(auth_server.url, "CP-AUTH", additional_headers=basic("CP-AUTH", "s3cret")) as ws:
        assert (await exchange(ws, HEARTBEAT))[0] == 3
    for headers in (
        {},
        basic("CP-AUTH", "wrong"),
        basic("CP-OTHER", "s3cret"),
        {"Authorization": "Basic !!"},
    ):
        with pytest.raises(InvalidStatus) as refused:
            async with bare(auth_server.url, "CP-AUTH", additional_headers=headers):
                pass
        assert refused.value.response.status_code == 401
        assert refused.value.response.headers["WWW-Authenticate"].startswith("Basic ")
    # stations without a stored password may connect unless authentication is required
    async with bare(auth_server.url, "CP-OPEN") as ws:
        assert (await exchange(ws, HEARTBEAT))[0] == 3
    dead = await asyncio.to_thread(reader.read, "deadletter.v1", 4)
    assert [d["reason"] for d in dead] == [
        "handshake rejected (401): HTTP Basic authentication required",
        "handshake rejected (401): invalid credentials",
        "handshake rejected (401): invalid credentials",
        "handshake rejected (401): malformed Basic credentials",
    ]


async def test_authentication_can_be_required_of_every_station(ocpp_settings, producer):
    ocpp = ocpp_settings.ocpp.model_copy(update={"require_auth": True})
    settings = ocpp_settings.model_copy(update={"ocpp": ocpp})
    async with OcppServer(settings, producer, AvroSerde()) as s:
        with pytest.raises(InvalidStatus) as refused:
            async with bare(s.url, "CP-OPEN"):
                pass
    assert refused.value.response.status_code == 401


async def test_a_second_connection_for_the_same_identity_wins(server, reader):
    async with bare(server.url, "CP-TWICE") as first:
        assert (await exchange(first, HEARTBEAT))[0] == 3
        async with bare(server.url, "CP-TWICE") as second:
            with pytest.raises(ConnectionClosed) as closed:
                await first.recv()
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
                1000,
                "replaced by a newer connection",
            )
            assert (await exchange(second, HEARTBEAT))[0] == 3
    station = await asyncio.to_thread(reader.stations, 6)
    assert [e["kind"] for e in station] == [
        "CONNECTED",
        "HEARTBEAT",
        "DISCONNECTED",
        "CONNECTED",
        "HEARTBEAT",
        "DISCONNECTED",
    ]
