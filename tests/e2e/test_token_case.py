"""OCPI 2.2.1 makes ``Token.uid`` a CiString (case-insensitive): a token seeded as ``HOATAG02`` is the
token of a station that reads ``hoatag02``. Through the real endpoint, broker, worker and partner HTTP
server, for OCPP 1.6 and 2.0.1: the CDR and the Session reach the token's eMSP, priced exactly as
``one_session``'s, with the uid as the station sent it."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal

import httpx
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201
from one_session import created_since, drive_one_transaction, expected_cdr, ts
from waiting import eventually

from connectors.ocpp.simulator.client import connect
from roamstream.demo import seed
from roamstream.demo.run import seed_reference

CP16, CP201 = "E2E-CASE-16", "E2E-CASE-201"
SEEDED = seed.token(("NL", "EMA"), 2) | {"uid": "HOATAG02", "contract_id": "NL-EMA-C-HOATAG02"}


async def eventually_accepted(ask, limit_s: float = 30.0):
    """The OCPP endpoint reads the Tokens topic as it goes: ask until the PUT token is known (a liveness
    bound, not a speed check); the last answer either way."""
    deadline = asyncio.get_running_loop().time() + limit_s
    while True:
        answer = await ask()
        if answer.id_tag_info["status"] == "Accepted" or asyncio.get_running_loop().time() > deadline:
            return answer
        await asyncio.sleep(0.1)


async def put_token(api_url: str, api_token: str, token: dict) -> None:
    path = f"{api_url}/ocpi/2.2.1/tokens/NL/EMA/{token['uid']}?type=RFID"
    async with httpx.AsyncClient(headers={"Authorization": f"Token {api_token}"}, timeout=10) as client:
        response = await client.put(path, json=token)
    assert response.status_code == 200 and response.json()["status_code"] == 1000, response.text


def energy(minutes: int, wh: int, context: str = "Sample.Periodic") -> list[dict]:
    return [{"timestamp": ts(minutes), "sampled_value": [{"value": wh, "context": context,
             "measurand": "Energy.Active.Import.Register", "unit_of_measure": {"unit": "Wh"}}]}]


async def drive_201_transaction(ocpp_url: str, cp: str, id_token: str, tx: str) -> None:
    """The 2.0.1 twin of ``drive_one_transaction``: 09:00 1000 Wh, 09:15 4000 Wh, 09:45 11000 Wh."""
    token = {"id_token": id_token, "type": "ISO14443"}
    async with connect(ocpp_url, cp, "2.0.1") as station:
        await station.call(call201.BootNotification({"model": "E2E", "vendor_name": "roamstream"}, "PowerUp"))
        await station.call(call201.TransactionEvent(
            "Started", ts(0), "Authorized", 0, {"transaction_id": tx, "charging_state": "Charging"},
            meter_value=energy(0, 1000, "Transaction.Begin"), evse={"id": 1, "connector_id": 1}, id_token=token))
        await station.call(call201.TransactionEvent(
            "Updated", ts(15), "MeterValuePeriodic", 1, {"transaction_id": tx}, meter_value=energy(15, 4000)))
        await station.call(call201.TransactionEvent(
            "Ended", ts(45), "EVCommunicationLost", 2, {"transaction_id": tx, "stopped_reason": "EVDisconnected"},
            meter_value=energy(45, 11000, "Transaction.End"), id_token=token))
        await station.call(call201.MeterValues(0, energy(60, 11000, "Sample.Clock")))


async def test_an_id_tag_in_another_letter_case_is_billed_to_the_tokens_emsp(stack, emsp):
    store, _ = emsp
    api_token = stack.settings.api.tokens[0].get_secret_value()
    await seed_reference(stack.api_url, api_token, [CP16, CP201], 1)
    await put_token(stack.api_url, api_token, SEEDED)

    # the charger's answer: the token is known in any letter case (whitelist ALWAYS: Accepted, not Invalid)
    async with connect(stack.ocpp_url, CP16, "1.6") as station:
        answer = await eventually_accepted(lambda: station.call(call16.Authorize("hoatag02")))
    assert answer.id_tag_info["status"] == "Accepted"
    async with connect(stack.ocpp_url, CP201, "2.0.1") as station:
        answer201 = await station.call(call201.Authorize({"id_token": "HoaTag02", "type": "ISO14443"}))
    assert answer201.id_token_info["status"] == "Accepted"

    since = datetime.now(UTC)
    tx16 = await drive_one_transaction(stack.ocpp_url, CP16, "hoatag02")
    await drive_201_transaction(stack.ocpp_url, CP201, "HoaTag02", "TX-CASE-1")

    await eventually(lambda: len(store.cdrs) == 2, "the partner received both CDRs")
    exact = lambda text: json.loads(text, parse_float=Decimal)  # noqa: E731 - numbers compared exactly
    for n, cp, tx, sent in ((1, CP16, tx16, "hoatag02"), (2, CP201, "TX-CASE-1", "HoaTag02")):
        expected = expected_cdr(cp, tx, {"uid": sent, "contract_id": "NL-EMA-C-HOATAG02"})
        expected["cdr_location"]["evse_id"] = f"NL*RST*E{n:04d}"  # the seeded location's n-th EVSE
        assert created_since(exact(store.cdrs[f"{cp}-{tx}"]), since) == exact(json.dumps(expected))
        await eventually(lambda cp=cp, tx=tx: f"{cp}-{tx}" in store.sessions, f"the partner has session {cp}-{tx}")
        session = json.loads(store.sessions[f"{cp}-{tx}"])
        assert session["cdr_token"] == expected["cdr_token"]
    cdr_requests = [r for r in store.requests if r["path"].endswith("/cdrs")]
    assert {r["headers"]["ocpi-to-party-id"] for r in cdr_requests} == {"EMA"}
