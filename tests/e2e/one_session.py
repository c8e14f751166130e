"""One OCPP 1.6 session on the demo location and tariff, driven with the ``ocpp`` client, and the CDR it must
become, priced by hand: 10 kWh x 0.30 + 0.75 h x 1.00 + 0.50 start fee = 4.25 excl. VAT; x 1.21 = 5.1425."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ocpp.v16 import call

from connectors.ocpp.simulator.client import connect
from roamstream.demo import seed
from roamstream.ocpi.timefmt import parse_datetime

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
#: an expected CDR's ``last_updated``: its creation time, known only within bounds (``created_since``)
CREATED = "<creation time>"


def ts(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def register(minutes: int, wh: int, context: str = "Sample.Periodic") -> dict:
    return {"timestamp": ts(minutes), "sampled_value": [
        {"value": str(wh), "context": context, "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}


async def drive_one_transaction(ocpp_url: str, cp: str, id_tag: str) -> int:
    """Start at 09:00 with 1000 Wh, samples, stop at 09:45 with 11000 Wh; returns the transaction id."""
    async with connect(ocpp_url, cp, "1.6") as station:
        await station.call(call.BootNotification(charge_point_model="E2E", charge_point_vendor="roamstream"))
        tx = (await station.call(call.StartTransaction(1, id_tag, 1000, ts(0)))).transaction_id
        await station.call(call.MeterValues(1, [register(15, 4000)], tx))
        await station.call(call.MeterValues(1, [register(30, 7500)], tx))
        await station.call(call.StopTransaction(11000, ts(45), tx, reason="EVDisconnected", id_tag=id_tag))
        # clock-aligned data (connector 0) moves the charge point's event time past the settle window
        await station.call(call.MeterValues(0, [register(60, 11000, "Sample.Clock")]))
    return tx


def created_since(cdr: dict, since: datetime) -> dict:
    """``cdr`` with its ``last_updated`` checked and replaced by ``CREATED``. A CDR's creation time is when the
    message that completed its session was received (the charge point's messages reach us now, weeks after
    their station times), so it lies between ``since`` (taken before the test drove the charge point) and now."""
    at = parse_datetime(cdr["last_updated"])
    assert since <= at <= datetime.now(UTC), f"last_updated {cdr['last_updated']} is not the creation time"
    return {**cdr, "last_updated": CREATED}


def expected_cdr(cp: str, tx: int, token: dict) -> dict:
    return {
        "country_code": "NL", "party_id": "RST", "id": f"{cp}-{tx}",
        "start_date_time": "2026-11-02T09:00:00Z", "end_date_time": "2026-11-02T09:45:00Z",
        "session_id": f"{cp}-{tx}",
        "cdr_token": {"country_code": "NL", "party_id": "EMA", "uid": token["uid"], "type": "RFID",
                      "contract_id": token["contract_id"]},
        "auth_method": "WHITELIST",
        "cdr_location": {"id": seed.LOCATION_ID, "name": "Roamstream demo site", "address": "Stationsplein 1",
                         "city": "Utrecht", "postal_code": "3511 ED", "country": "NLD",
                         "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
                         "evse_uid": f"{cp}-1", "evse_id": "NL*RST*E0001", "connector_id": "1",
                         "connector_standard": "IEC_62196_T2", "connector_format": "SOCKET",
                         "connector_power_type": "AC_3_PHASE"},
        "currency": "EUR",
        "tariffs": [seed.tariff()],
        "charging_periods": [{"start_date_time": "2026-11-02T09:00:00Z", "dimensions": [
            {"type": "ENERGY", "volume": 10}, {"type": "TIME", "volume": 0.75}], "tariff_id": seed.TARIFF_ID}],
        "total_cost": {"excl_vat": 4.25, "incl_vat": 5.1425},
        "total_energy_cost": {"excl_vat": 3, "incl_vat": 3.63},
        "total_time_cost": {"excl_vat": 0.75, "incl_vat": 0.9075},
        "total_parking_cost": {"excl_vat": 0, "incl_vat": 0},
        "total_fixed_cost": {"excl_vat": 0.5, "incl_vat": 0.605},
        "total_energy": 10, "total_time": 0.75, "total_parking_time": 0,
        "last_updated": CREATED,
    }
