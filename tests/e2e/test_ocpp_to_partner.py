"""One OCPP 1.6 transaction, driven with the ``ocpp`` client through the real WebSocket endpoint, broker,
worker and partner HTTP server: the partner receives exactly the CDR below."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ocpp.v16 import call
from waiting import eventually

from connectors.ocpp.simulator.client import connect
from roamstream.demo import seed
from roamstream.demo.run import seed_reference

CP = "E2E-CP-1"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def ts(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def register(minutes: int, wh: int, context: str = "Sample.Periodic") -> dict:
    return {"timestamp": ts(minutes), "sampled_value": [
        {"value": str(wh), "context": context, "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}


async def drive_one_transaction(ocpp_url: str, id_tag: str) -> int:
    async with connect(ocpp_url, CP, "1.6") as station:
        await station.call(call.BootNotification(charge_point_model="E2E", charge_point_vendor="roamstream"))
        started = await station.call(call.StartTransaction(1, id_tag, 1000, ts(0)))
        tx = started.transaction_id
        await station.call(call.MeterValues(1, [register(15, 4000)], tx))
        await station.call(call.MeterValues(1, [register(30, 7500)], tx))
        await station.call(call.StopTransaction(11000, ts(45), tx, reason="EVDisconnected", id_tag=id_tag))
        # clock-aligned data (connector 0) moves the charge point's event time past the settle window
        await station.call(call.MeterValues(0, [register(60, 11000, "Sample.Clock")]))
    return tx


def expected_cdr(tx: int, token: dict) -> dict:
    """Hand-priced: 10 kWh x 0.30 + 0.75 h x 1.00 + 0.50 start fee = 4.25 excl. VAT; x 1.21 = 5.1425."""
    return {
        "country_code": "NL", "party_id": "RST", "id": f"{CP}-{tx}",
        "start_date_time": "2026-11-02T09:00:00Z", "end_date_time": "2026-11-02T09:45:00Z",
        "session_id": f"{CP}-{tx}",
        "cdr_token": {"country_code": "NL", "party_id": "EMA", "uid": token["uid"], "type": "RFID",
                      "contract_id": token["contract_id"]},
        "auth_method": "WHITELIST",
        "cdr_location": {"id": seed.LOCATION_ID, "name": "Roamstream demo site", "address": "Stationsplein 1",
                         "city": "Utrecht", "postal_code": "3511 ED", "country": "NLD",
                         "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
                         "evse_uid": f"{CP}-1", "evse_id": "NL*RST*E0001", "connector_id": "1",
                         "connector_standard": "IEC_62196_T2", "connector_format": "SOCKET",
                         "connector_power_type": "AC_3_PHASE"},
        "currency": "EUR",
        "tariffs": [json.loads(json.dumps(seed.tariff()))],
        "charging_periods": [{"start_date_time": "2026-11-02T09:00:00Z", "dimensions": [
            {"type": "ENERGY", "volume": 10}, {"type": "TIME", "volume": 0.75}], "tariff_id": seed.TARIFF_ID}],
        "total_cost": {"excl_vat": 4.25, "incl_vat": 5.1425},
        "total_energy_cost": {"excl_vat": 3, "incl_vat": 3.63},
        "total_time_cost": {"excl_vat": 0.75, "incl_vat": 0.9075},
        "total_parking_cost": {"excl_vat": 0, "incl_vat": 0},
        "total_fixed_cost": {"excl_vat": 0.5, "incl_vat": 0.605},
        "total_energy": 10, "total_time": 0.75, "total_parking_time": 0,
        "last_updated": "2026-11-02T09:45:00Z",
    }


async def test_an_ocpp16_transaction_becomes_the_exact_cdr_the_partner_receives(stack, emsp):
    store, _ = emsp
    token = seed.token(("NL", "EMA"), 1)
    await seed_reference(stack.api_url, stack.settings.api.tokens[0].get_secret_value(), [CP], 1)
    tx = await drive_one_transaction(stack.ocpp_url, token["uid"])
    await eventually(lambda: len(store.cdrs) == 1, "the partner received one CDR")
    [(cdr_id, body)] = store.cdrs.items()
    assert cdr_id == f"{CP}-{tx}"
    exact = lambda text: json.loads(text, parse_float=Decimal)  # noqa: E731 - numbers compared exactly
    assert exact(body) == exact(json.dumps(expected_cdr(tx, token)))
    [request] = [r for r in store.requests if r["path"].endswith("/cdrs")]
    assert request["headers"]["ocpi-to-party-id"] == "EMA"
    assert request["headers"]["ocpi-from-party-id"] == "RST"


async def test_the_session_is_put_once_then_patched_until_completed(stack, emsp):
    store, _ = emsp
    token = seed.token(("NL", "EMA"), 1)
    await seed_reference(stack.api_url, stack.settings.api.tokens[0].get_secret_value(), [CP], 1)
    tx = await drive_one_transaction(stack.ocpp_url, token["uid"])
    session_id = f"{CP}-{tx}"
    await eventually(lambda: session_id in store.sessions and json.loads(store.sessions[session_id])["status"]
                     == "COMPLETED", "the partner's copy of the session is COMPLETED")
    session = json.loads(store.sessions[session_id], parse_float=Decimal)
    assert (session["kwh"], session["end_date_time"]) == (10, "2026-11-02T09:45:00Z")
    assert session["last_updated"] == "2026-11-02T09:45:00Z"
    assert store.patches, "updates after the first PUT are PATCHes"
    assert all(session_id == sid and "last_updated" in changes for sid, changes in store.patches)
