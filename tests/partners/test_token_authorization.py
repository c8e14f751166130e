"""Token enforcement at the charger, through real OCPP clients (the ``ocpp`` package) against the real
endpoint: every whitelist value, valid=false, unknown tokens, and the eMSP's real-time authorisation (a spec
eMSP registered by the handshake, its tokens published through our Tokens receiver)."""

from __future__ import annotations

import asyncio

import pytest_asyncio
from emsp import token_header
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from connectors.ocpp.server import OcppServer
from connectors.ocpp.simulator.client import connect
from roamstream.avro import AvroSerde
from roamstream.kafka import AsyncProducer


def token(uid: str, whitelist: str, valid: bool = True) -> dict:
    return {"country_code": "NL", "party_id": "EMA", "uid": uid, "type": "RFID", "contract_id": f"NL-EMA-{uid}",
            "issuer": "EMA", "valid": valid, "whitelist": whitelist, "last_updated": "2026-11-01T00:00:00Z"}


TOKENS = [token("ALWAYS-1", "ALWAYS"), token("ALLOWED-1", "ALLOWED"), token("BLOCKED-1", "ALWAYS", valid=False),
          token("NEVER-OK", "NEVER"), token("NEVER-BLOCKED", "NEVER"), token("NEVER-UNKNOWN", "NEVER"),
          token("OFFLINE-OK", "ALLOWED_OFFLINE"), token("OFFLINE-NO", "ALLOWED_OFFLINE")]


@pytest_asyncio.fixture
async def ocpp(topics):
    settings = topics.model_copy(update={"ocpp": topics.ocpp.model_copy(update={"port": 0})})
    producer = AsyncProducer(settings)
    server = OcppServer(settings, producer, AvroSerde())
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
        producer.close()


async def authorize16(url: str, uid: str) -> str:
    async with connect(url, "AUTH-16", "1.6") as station:
        return (await station.call(call16.Authorize(uid))).id_tag_info["status"]


async def until(condition, what: str) -> None:
    for _ in range(400):
        if condition():
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"never: {what}")


async def test_every_whitelist_value_at_the_charger(http, api, emsp, register, ocpp):
    c = await register(emsp)
    for t in TOKENS:
        r = await http.put(f"{api.url}/ocpi/2.2.1/tokens/NL/EMA/{t['uid']}?type=RFID", headers=token_header(c), json=t)
        assert r.json()["status_code"] == 1000, r.text
    # the connector reads the tokens and the registry from their topics
    await until(lambda: all(ocpp.authorizer.token(t["uid"]) for t in TOKENS), "the connector has every token")
    await until(lambda: ocpp.authorizer._registry.get("NL-EMA") is not None, "the connector knows the eMSP")
    emsp.realtime = {"NEVER-OK": "ALLOWED", "NEVER-BLOCKED": "BLOCKED", "OFFLINE-OK": "ALLOWED",
                     "OFFLINE-NO": "NOT_ALLOWED"}

    answers = {t["uid"]: await authorize16(ocpp.url, t["uid"]) for t in TOKENS}
    answers["NOBODY"] = await authorize16(ocpp.url, "NOBODY")
    assert answers == {"ALWAYS-1": "Accepted", "ALLOWED-1": "Accepted", "BLOCKED-1": "Blocked",
                       "NEVER-OK": "Accepted", "NEVER-BLOCKED": "Blocked", "NEVER-UNKNOWN": "Invalid",
                       "OFFLINE-OK": "Accepted", "OFFLINE-NO": "Invalid", "NOBODY": "Invalid"}
    assert sorted(emsp.authorize_calls) == sorted((uid, "RFID") for uid in (
        "NEVER-OK", "NEVER-BLOCKED", "NEVER-UNKNOWN", "OFFLINE-OK", "OFFLINE-NO"))
    asked = [h for h in emsp.seen if h[":path"].endswith("/authorize")]
    assert {(h["ocpi-from-country-code"], h["ocpi-from-party-id"], h["ocpi-to-country-code"], h["ocpi-to-party-id"])
            for h in asked} == {("NL", "RST", "NL", "EMA")}

    # the eMSP does not answer: NEVER is refused, ALLOWED_OFFLINE falls back to our copy
    emsp.realtime_down = True
    assert await authorize16(ocpp.url, "NEVER-OK") == "Invalid"
    assert await authorize16(ocpp.url, "OFFLINE-NO") == "Accepted"

    # a token the eMSP blocks by PATCH is refused from then on
    r = await http.patch(f"{api.url}/ocpi/2.2.1/tokens/NL/EMA/ALWAYS-1", headers=token_header(c),
                         json={"valid": False, "last_updated": "2026-11-02T00:00:00Z"})
    assert r.json()["status_code"] == 1000, r.text
    await until(lambda: not ocpp.authorizer.token("ALWAYS-1")["valid"], "the connector sees the PATCH")
    async with connect(ocpp.url, "AUTH-16", "1.6") as station:
        await station.call(call16.BootNotification(charge_point_model="T", charge_point_vendor="roamstream"))
        start = await station.call(call16.StartTransaction(1, "ALWAYS-1", 0, "2026-11-02T09:00:00Z"))
        assert start.id_tag_info["status"] == "Blocked"
        start = await station.call(call16.StartTransaction(1, "ALLOWED-1", 0, "2026-11-02T09:05:00Z"))
        assert start.id_tag_info["status"] == "Accepted"

    async with connect(ocpp.url, "AUTH-201", "2.0.1") as station:
        answer = await station.call(call201.Authorize(id_token={"id_token": "ALLOWED-1", "type": "ISO14443"}))
        assert answer.id_token_info["status"] == "Accepted"
        answer = await station.call(call201.Authorize(id_token={"id_token": "BLOCKED-1", "type": "ISO14443"}))
        assert answer.id_token_info["status"] == "Blocked"
        answer = await station.call(call201.TransactionEvent(
            event_type="Started", timestamp="2026-11-02T09:00:00Z", trigger_reason="Authorized", seq_no=0,
            transaction_info={"transaction_id": "T-1"}, evse={"id": 1, "connector_id": 1},
            id_token={"id_token": "NOBODY", "type": "ISO14443"}))
        assert answer.id_token_info["status"] == "Invalid"


async def test_tokens_receiver_get_and_patch(http, api, emsp, other_emsp, register):
    c, other = await register(emsp), await register(other_emsp)
    url = f"{api.url}/ocpi/2.2.1/tokens/NL/EMA/ALWAYS-1"
    assert (await http.get(f"{url}?type=RFID", headers=token_header(c))).json()["status_code"] == 2004
    await http.put(url, headers=token_header(c), json=token("ALWAYS-1", "ALWAYS"))
    r = await http.get(url, headers=token_header(c))
    assert r.json()["data"]["whitelist"] == "ALWAYS"
    assert (await http.get(url, headers=token_header(other))).status_code == 403
    r = await http.patch(url, headers=token_header(c), json={"whitelist": "NEVER"})
    assert (r.status_code, r.json()["status_code"]) == (400, 2001)  # no last_updated
    later = "2026-11-02T00:00:00Z"
    r = await http.patch(url, headers=token_header(c), json={"whitelist": "SOMETIMES", "last_updated": later})
    assert (r.status_code, r.json()["status_code"]) == (400, 2001)
    r = await http.patch(url, headers=token_header(c), json={"uid": "OTHER", "last_updated": later})
    assert (r.status_code, r.json()["status_code"]) == (400, 2001)
    assert (await http.get(url, headers=token_header(c))).json()["data"]["whitelist"] == "ALWAYS"  # nothing stored
    r = await http.patch(url, headers=token_header(c), json={"whitelist": "NEVER", "last_updated": later})
    assert r.json()["status_code"] == 1000
    data = (await http.get(url, headers=token_header(c))).json()["data"]
    assert (data["whitelist"], data["last_updated"]) == ("NEVER", "2026-11-02T00:00:00Z")
    r = await http.patch(f"{api.url}/ocpi/2.2.1/tokens/NL/EMA/NOPE", headers=token_header(c),
                         json={"valid": False, "last_updated": "2026-11-02T00:00:00Z"})
    assert (r.status_code, r.json()["status_code"]) == (404, 2004)
