"""The pull (Sender GET) interfaces: pagination walked by following ``Link`` to the end while objects are
created, each partner seeing only its own CDRs, Tariffs and Locations from their topics, the single Location /
EVSE / Connector, and bad parameters. CDRs come from a real lake (Parquet written by the lake writer)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from emsp import token_header

from roamstream.lake import write_batch

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
TARIFF = {"country_code": "NL", "party_id": "RST", "id": "T1", "currency": "EUR",
          "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]}],
          "last_updated": "2026-11-01T00:00:00Z"}
LOCATION = {
    "country_code": "NL", "party_id": "RST", "id": "LOC1", "publish": True, "address": "Main St 1",
    "city": "Utrecht", "country": "NLD", "coordinates": {"latitude": "52.09000", "longitude": "5.12000"},
    "time_zone": "Europe/Amsterdam", "last_updated": "2026-11-01T00:00:00Z",
    "evses": [{"uid": "CP-1-1", "status": "AVAILABLE", "last_updated": "2026-11-01T00:00:00Z",
               "connectors": [{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE",
                               "max_voltage": 230, "max_amperage": 16, "tariff_ids": ["T1"],
                               "last_updated": "2026-11-01T00:00:00Z"}]}],
}


def cdr(n: int, partner: str, minutes: int) -> dict:
    at = T0 + timedelta(minutes=minutes)
    return {"id": f"CDR-{partner}-{n}", "country_code": "NL", "party_id": "RST", "partner": partner,
            "charge_point_id": "CP-1", "transaction_id": str(n), "session_id": f"S{n}", "start_date_time": at,
            "end_date_time": at, "currency": "EUR", "total_energy": Decimal("1.5"), "total_time": Decimal(1),
            "total_parking_time": Decimal(0), "total_cost_excl_vat": Decimal("0.3750"), "total_cost_incl_vat": None,
            "credit": False, "credit_reference_id": None, "last_updated": at,
            "ocpi_json": f'{{"id":"CDR-{partner}-{n}","total_energy":1.5}}'}


def land(lake: str, records: list[dict], first_offset: int) -> None:
    write_batch(lake, "cdrs", 0, first_offset, first_offset + len(records) - 1, records)


async def walk(http, url: str, token: str, during=None) -> tuple[list[str], list]:
    """Every object id of a pull, following Link until there is none; ``during`` runs after the first page."""
    seen, responses = [], []
    while url:
        r = await http.get(url, headers=token_header(token))
        assert r.status_code == 200 and r.json()["status_code"] == 1000, r.text
        responses.append(r)
        seen += [o["id"] for o in r.json()["data"]]
        link = r.headers.get("Link")
        url = link[1:link.index(">")] if link else None
        if during is not None:
            await during()
            during = None
    return seen, responses


async def test_cdrs_are_paged_to_the_end_for_their_partner_only(http, api, topics, emsp, other_emsp, register,
                                                                back_office):
    ema, emx = await register(emsp), await register(other_emsp)
    lake = topics.lake.uri
    first = [cdr(n, "NL-EMA", n) for n in range(7)] + [cdr(n, "DE-EMX", n) for n in range(3)]
    await asyncio.to_thread(land, lake, first, 0)

    async def more():  # created while the eMSP walks: later last_updated, so they come at the end
        await asyncio.to_thread(land, lake, [cdr(n, "NL-EMA", 100 + n) for n in (7, 8)], 10)

    seen, pages = await walk(http, f"{api.url}/ocpi/2.2.1/cdrs?limit=3", ema, during=more)
    assert seen == [f"CDR-NL-EMA-{n}" for n in range(9)]
    assert [r.headers["X-Total-Count"] for r in pages] == ["7", "9", "9"]
    assert {r.headers["X-Limit"] for r in pages} == {"3"}
    assert "Link" not in pages[-1].headers
    assert (pages[0].headers["OCPI-to-country-code"], pages[0].headers["OCPI-to-party-id"]) == ("NL", "EMA")
    assert pages[0].json()["data"][0] == {"id": "CDR-NL-EMA-0", "total_energy": 1.5}

    seen, _ = await walk(http, f"{api.url}/ocpi/2.2.1/cdrs", emx)
    assert seen == [f"CDR-DE-EMX-{n}" for n in range(3)]

    window = f"date_from={(T0 + timedelta(minutes=2)).isoformat()}&date_to={(T0 + timedelta(minutes=5)).isoformat()}"
    seen, _ = await walk(http, f"{api.url}/ocpi/2.2.1/cdrs?{window}&limit=2".replace("+00:00", "Z"), ema)
    assert seen == ["CDR-NL-EMA-2", "CDR-NL-EMA-3", "CDR-NL-EMA-4"]

    r = await http.get(f"{api.url}/ocpi/2.2.1/cdrs?limit=1000", headers=back_office)
    assert r.headers["X-Limit"] == "100" and r.headers["X-Total-Count"] == "12"

    r = await http.get(f"{api.url}/ocpi/2.2.1/cdrs?date_from=yesterday", headers=token_header(ema))
    assert (r.status_code, r.json()["status_code"]) == (400, 2001)
    r = await http.get(f"{api.url}/ocpi/2.2.1/cdrs?offset=-1", headers=token_header(ema))
    assert (r.status_code, r.json()["status_code"]) == (400, 2001)


async def test_tariffs_and_locations_are_pulled_from_their_topics(http, api, emsp, register, back_office):
    ema = await register(emsp)
    base = f"{api.url}/ocpi/2.2.1"
    for path, body in ((f"{base}/tariffs/NL/RST/T1", TARIFF), (f"{base}/locations/NL/RST/LOC1", LOCATION)):
        r = await http.put(path, headers=back_office, json=body)
        assert r.json()["status_code"] == 1000, r.text

    async def until(url):
        for _ in range(200):
            r = await http.get(url, headers=token_header(ema))
            if r.status_code == 200 and r.json()["data"]:
                return r
            await asyncio.sleep(0.05)
        raise AssertionError(f"{url} stayed empty")

    r = await until(f"{base}/tariffs")
    assert r.json()["data"][0]["elements"][0]["price_components"][0]["price"] == 0.25
    assert r.headers["X-Total-Count"] == "1"
    assert (await until(f"{base}/locations")).json()["data"][0]["id"] == "LOC1"
    r = await http.get(f"{base}/locations/LOC1/CP-1-1/1", headers=token_header(ema))
    assert r.json()["data"]["standard"] == "IEC_62196_T2"
    r = await http.get(f"{base}/locations/LOC1/CP-1-1", headers=token_header(ema))
    assert r.json()["data"]["uid"] == "CP-1-1"
    for missing in ("LOC2", "LOC1/CP-9-9", "LOC1/CP-1-1/7"):
        r = await http.get(f"{base}/locations/{missing}", headers=token_header(ema))
        assert (r.status_code, r.json()["status_code"]) == (404, 2003), missing


def session(session_id: str, partner: str, minutes: int, status: str) -> dict:
    at = T0 + timedelta(minutes=minutes)
    return {"id": session_id, "country_code": "NL", "party_id": "RST", "partner": partner, "charge_point_id": "CP-1",
            "status": status, "start_date_time": T0, "end_date_time": None, "kwh": Decimal("1.5"), "last_updated": at,
            "ocpi_json": f'{{"id":"{session_id}","status":"{status}"}}'}


async def test_sessions_are_pulled_as_their_latest_snapshot(http, api, topics, emsp, other_emsp, register):
    ema, _ = await register(emsp), await register(other_emsp)
    records = [session("S1", "NL-EMA", 1, "ACTIVE"), session("S2", "NL-EMA", 2, "ACTIVE"),
               session("S1", "NL-EMA", 3, "COMPLETED"), session("S3", "DE-EMX", 4, "ACTIVE")]
    await asyncio.to_thread(write_batch, topics.lake.uri, "sessions", 0, 0, 3, records)
    r = await http.get(f"{api.url}/ocpi/2.2.1/sessions", headers=token_header(ema))
    assert r.json()["data"] == [{"id": "S2", "status": "ACTIVE"}, {"id": "S1", "status": "COMPLETED"}]
    assert r.headers["X-Total-Count"] == "2"
