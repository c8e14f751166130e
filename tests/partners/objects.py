"""Sessions and CDRs as the pipeline publishes them (``ocpi.sessions.v1``, ``ocpi.cdrs.v1``), made directly so
that a delivery test controls exactly what the push stage reads. The CDR is the hand-priced one of
tests/e2e/one_session.py (10 kWh x 0.30 + 0.75 h x 1.00 + 0.50 start fee = 4.25 excl. VAT)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from one_session import expected_cdr  # noqa: E402

from roamstream.avro import AvroSerde  # noqa: E402
from roamstream.demo import seed  # noqa: E402
from roamstream.ocpi import jsonio  # noqa: E402

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PARTNER_A, PARTNER_B = ("NL", "EMA"), ("NL", "EMB")


def stamp(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def token_of(partner: tuple[str, str]) -> dict:
    return seed.token(partner, 1)


def session_json(session_id: str, partner: tuple[str, str], *, minutes: int, kwh: str, status: str = "ACTIVE",
                 periods: list[dict] | None = None, total_cost: str | None = None) -> str:
    token = token_of(partner)
    data = {
        "country_code": "NL", "party_id": "RST", "id": session_id, "start_date_time": stamp(0),
        "kwh": Decimal(kwh),
        "cdr_token": {"country_code": partner[0], "party_id": partner[1], "uid": token["uid"], "type": "RFID",
                      "contract_id": token["contract_id"]},
        "auth_method": "WHITELIST", "location_id": seed.LOCATION_ID, "evse_uid": "CP-1-1", "connector_id": "1",
        "currency": "EUR", "status": status, "last_updated": stamp(minutes),
    }
    if status == "COMPLETED":
        data["end_date_time"] = stamp(minutes)
    if periods is not None:
        data["charging_periods"] = periods
    if total_cost is not None:
        data["total_cost"] = {"excl_vat": Decimal(total_cost)}
    return jsonio.dumps(data)


def session_record(session_id: str, partner: tuple[str, str], cp: str, **kw) -> dict:
    text = session_json(session_id, partner, **kw)
    data = json.loads(text, parse_float=Decimal)
    return {
        "id": session_id, "country_code": "NL", "party_id": "RST", "partner": f"{partner[0]}-{partner[1]}",
        "charge_point_id": cp, "status": data["status"], "start_date_time": T0,
        "end_date_time": datetime.fromisoformat(data["end_date_time"]) if "end_date_time" in data else None,
        "kwh": Decimal(data["kwh"]).quantize(Decimal("0.0001")),
        "last_updated": datetime.fromisoformat(data["last_updated"]), "ocpi_json": text,
    }


def cdr_record(session_id: str, partner: tuple[str, str], cp: str) -> dict:
    token = token_of(partner)
    cdr = expected_cdr(cp, 1, token)
    cdr["id"] = cdr["session_id"] = session_id
    cdr["last_updated"] = cdr["end_date_time"]
    cdr["cdr_token"]["party_id"] = partner[1]
    text = json.dumps(cdr)
    end = datetime.fromisoformat(cdr["end_date_time"])
    return {
        "id": session_id, "country_code": "NL", "party_id": "RST", "partner": f"{partner[0]}-{partner[1]}",
        "charge_point_id": cp, "transaction_id": "1", "session_id": session_id, "start_date_time": T0,
        "end_date_time": end, "currency": "EUR", "total_energy": Decimal("10.0000"),
        "total_time": Decimal("0.7500"), "total_parking_time": Decimal("0.0000"),
        "total_cost_excl_vat": Decimal("4.2500"), "total_cost_incl_vat": Decimal("5.1425"),
        "credit": False, "credit_reference_id": None, "last_updated": end, "ocpi_json": text,
    }


def life(session_id: str, partner: tuple[str, str], cp: str, updates: int = 3) -> list[tuple[str, bytes, dict]]:
    """A session's records in the order the pipeline publishes them: ACTIVE snapshots, COMPLETED, the CDR."""
    # ACTIVE snapshots spread over the 45 minutes before the COMPLETED one (event time only moves forward)
    records = [("ocpi.sessions.v1", cp, session_record(session_id, partner, cp, minutes=45 * n // updates,
                                                         kwh=str(9 * n // updates))) for n in range(updates)]
    records.append(("ocpi.sessions.v1", cp, session_record(session_id, partner, cp, minutes=45, kwh="10",
                                                           status="COMPLETED")))
    records.append(("ocpi.cdrs.v1", cp, cdr_record(session_id, partner, cp)))
    return records


def encode(serde: AvroSerde, records: list[tuple[str, str, dict]]) -> list[tuple[str, bytes, bytes]]:
    return [(topic, key.encode(), serde.encode(topic, value)) for topic, key, value in records]
