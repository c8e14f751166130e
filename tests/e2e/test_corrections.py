"""A tariff correction end to end: an OCPP 1.6 session is priced and pushed; the tariff is corrected (PUT with
a newer last_updated, the ENERGY price 0.30 -> 0.35) and the session repriced (``roamstream reprice``); the
partner receives a Credit CDR of the first CDR and a new CDR, the lake holds all three, and settlement nets
them to the corrected amount.

Hand-priced (seed tariff: 0.50 start fee, 1.00/h, 21 % VAT; 10 kWh in 0.75 h):
    first CDR  10 x 0.30 + 0.75 + 0.50 = 4.25   incl. VAT 5.1425
    credit     total_cost               -4.25             -5.1425
    new CDR    10 x 0.35 + 0.75 + 0.50 = 4.75             5.7475   (energy 3.50 / 4.235)
    settlement 4.25 - 4.25 + 4.75      = 4.75             5.75 (cents), energy 10 kWh, 1 session
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
from one_session import created_since, drive_one_transaction, expected_cdr
from waiting import eventually

from analytics import open_lake, settlement
from pipelines.reprice import reprice
from roamstream.avro import serde_for
from roamstream.demo import seed
from roamstream.demo.run import seed_reference
from roamstream.ocpi.timefmt import parse_datetime

CP = "E2E-CP-FIX"
FIXED_AT = "2026-11-05T12:00:00Z"


def corrected_tariff() -> dict:
    tariff = seed.tariff()
    components = tariff["elements"][0]["price_components"]
    tariff["elements"][0]["price_components"] = [
        {**c, "price": 0.35} if c["type"] == "ENERGY" else c for c in components]
    return {**tariff, "last_updated": FIXED_AT}


def first_cdr(tx: int, token: dict) -> dict:
    return expected_cdr(CP, tx, token)


def credit_cdr(tx: int, token: dict, at: str) -> dict:
    out = {**first_cdr(tx, token), "id": f"{CP}-{tx}-C", "total_cost": {"excl_vat": -4.25, "incl_vat": -5.1425}}
    del out["last_updated"]
    return {**out, "credit": True, "credit_reference_id": f"{CP}-{tx}", "last_updated": at}


def new_cdr(tx: int, token: dict, at: str) -> dict:
    return {**first_cdr(tx, token), "id": f"{CP}-{tx}-R1", "tariffs": [corrected_tariff()],
            "total_cost": {"excl_vat": 4.75, "incl_vat": 5.7475},
            "total_energy_cost": {"excl_vat": 3.5, "incl_vat": 4.235}, "last_updated": at}


def exact(text: str | bytes) -> dict:
    return json.loads(text, parse_float=Decimal)


def lake_cdrs(lake: str) -> list[dict]:
    columns = ["cdr_id", "is_credit", "credit_reference_id", "total_cost_excl_vat"]
    with open_lake(lake) as con:
        rows = con.execute(
            "select cdr_id, is_credit, credit_reference_id, total_cost_excl_vat from cdrs order by cdr_id"
        ).fetchall()
    return [dict(zip(columns, row, strict=True)) for row in rows]


async def test_a_corrected_tariff_is_sent_as_a_credit_cdr_and_a_new_cdr_and_settles_net(stack, emsp):
    store, _ = emsp
    api_token = stack.settings.api.tokens[0].get_secret_value()
    token = seed.token(("NL", "EMA"), 1)
    await seed_reference(stack.api_url, api_token, [CP], 1)
    since = datetime.now(UTC)
    tx = await drive_one_transaction(stack.ocpp_url, CP, token["uid"])
    await eventually(lambda: f"{CP}-{tx}" in store.cdrs, "the partner received the first CDR")
    assert created_since(exact(store.cdrs[f"{CP}-{tx}"]), since) == exact(json.dumps(first_cdr(tx, token)))
    # the revisions' time: the later of the correction's (FIXED_AT) and the first CDR's creation, never before it
    revised_at = max(FIXED_AT, json.loads(store.cdrs[f"{CP}-{tx}"])["last_updated"], key=parse_datetime)

    cc, pid = seed.CPO
    async with httpx.AsyncClient(base_url=f"{stack.api_url}/ocpi/2.2.1", timeout=10,
                                 headers={"Authorization": f"Token {api_token}"}) as client:
        response = await client.put(f"/tariffs/{cc}/{pid}/{seed.TARIFF_ID}", json=corrected_tariff())
    assert response.json()["status_code"] == 1000
    tariffs = stack.worker.app.tables["tariffs"]
    key = f"{cc}-{pid}-{seed.TARIFF_ID}".encode()
    await eventually(lambda: FIXED_AT.encode() in (tariffs.get(key) or b""), "the worker knows the correction")

    sent, missing = await asyncio.to_thread(reprice, stack.settings, serde_for(None), [f"{CP}-{tx}"])
    assert ([s.session_id for s in sent], missing) == ([f"{CP}-{tx}"], [])
    await eventually(lambda: len(store.cdrs) == 3, "the partner received a credit CDR and a new CDR")
    assert exact(store.cdrs[f"{CP}-{tx}-C"]) == exact(json.dumps(credit_cdr(tx, token, revised_at)))
    assert exact(store.cdrs[f"{CP}-{tx}-R1"]) == exact(json.dumps(new_cdr(tx, token, revised_at)))
    posted = [r["path"] for r in store.requests if r["path"].endswith("/cdrs")]
    assert len(posted) == 3  # each CDR POSTed once; the first one never again

    lake = stack.settings.lake.uri
    await eventually(lambda: len(lake_cdrs(lake)) == 3, "the lake holds all three CDRs")
    assert lake_cdrs(lake) == [
        {"cdr_id": f"{CP}-{tx}", "is_credit": False, "credit_reference_id": None,
         "total_cost_excl_vat": Decimal("4.25")},
        {"cdr_id": f"{CP}-{tx}-C", "is_credit": True, "credit_reference_id": f"{CP}-{tx}",
         "total_cost_excl_vat": Decimal("-4.25")},
        {"cdr_id": f"{CP}-{tx}-R1", "is_credit": False, "credit_reference_id": None,
         "total_cost_excl_vat": Decimal("4.75")},
    ]
    with open_lake(lake) as con:
        [row] = settlement(con).records()
    assert row == {
        "partner": "NL-EMA", "currency": "EUR", "period_start": date(2026, 11, 2), "period_end": date(2026, 11, 2),
        "sessions": 1, "cdrs": 2, "credits": 1, "energy_kwh": Decimal("10.0000"),
        "total_excl_vat": Decimal("4.75"), "total_incl_vat": Decimal("5.75"), "incl_vat_missing": 0,
    }
