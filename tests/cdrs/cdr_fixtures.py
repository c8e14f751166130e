"""One hand-priced session: reference data (OCPI JSON), its completed-session record and its exact CDR.

The tariff (EUR, 21 % VAT): 0.40/kWh from 11:00 to 23:00 local time; otherwise 0.25/kWh; 1.20 per hour of
charging (per minute), 2.00 per hour of parking (per minute), 0.50 start fee. The location is in
Amsterdam (UTC+1 in March). The session on 2 March 2026, UTC:

    09:30  0 Wh, charging     (10:30 local: the off-peak energy price)
    09:45  3000 Wh, charging
    10:00  (11:00 local: the peak energy price starts; 6000 Wh, interpolated)
    10:15  9000 Wh, parking from here
    10:45  end

    energy   6 kWh x 0.25 + 3 kWh x 0.40   = 2.70   incl. VAT 3.267
    time     0.75 h x 1.20                 = 0.90            1.089
    parking  0.5 h x 2.00                  = 1.00            1.21
    fixed                                    0.50            0.605
    total                                    5.10            6.171
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from roamstream.ocpi.location import Location
from roamstream.ocpi.token import Token

CP = "CP-7"
TX = "42"
CPO = ("NL", "RST")
UPDATED = "2026-03-01T00:00:00Z"
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
END = datetime(2026, 3, 2, 10, 45, tzinfo=UTC)


def at(hh: int, mm: int) -> datetime:
    return datetime(2026, 3, 2, hh, mm, tzinfo=UTC)


def tariff(*, peak: str = "0.40", last_updated: str = UPDATED, **extra: Any) -> dict[str, Any]:
    return {
        "country_code": "NL", "party_id": "RST", "id": "T1", "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": Decimal(peak), "vat": 21, "step_size": 1}],
             "restrictions": {"start_time": "11:00", "end_time": "23:00"}},
            {"price_components": [
                {"type": "FLAT", "price": Decimal("0.50"), "vat": 21, "step_size": 1},
                {"type": "ENERGY", "price": Decimal("0.25"), "vat": 21, "step_size": 1},
                {"type": "TIME", "price": Decimal("1.20"), "vat": 21, "step_size": 60},
                {"type": "PARKING_TIME", "price": Decimal("2.00"), "vat": 21, "step_size": 60},
            ]},
        ],
        **extra,
        "last_updated": last_updated,
    }


def location(*, tariff_ids: list[str] | None = None, evses: list[dict] | None = None) -> dict[str, Any]:
    return {
        "country_code": "NL", "party_id": "RST", "id": "LOC-1", "publish": True, "name": "Test site",
        "address": "Damrak 1", "city": "Amsterdam", "postal_code": "1012 LG", "country": "NLD",
        "coordinates": {"latitude": "52.376000", "longitude": "4.897000"}, "time_zone": "Europe/Amsterdam",
        "evses": evses if evses is not None else [evse(f"{CP}-1", "NL*RST*E0007",
                                                       [connector("1", tariff_ids or ["T1"])])],
        "last_updated": UPDATED,
    }


def evse(uid: str, evse_id: str, connectors: list[dict]) -> dict[str, Any]:
    return {"uid": uid, "evse_id": evse_id, "status": "AVAILABLE", "connectors": connectors,
            "last_updated": UPDATED}


def connector(cid: str, tariff_ids: list[str] | None, standard: str = "IEC_62196_T2") -> dict[str, Any]:
    out = {"id": cid, "standard": standard, "format": "SOCKET", "power_type": "AC_3_PHASE", "max_voltage": 230,
           "max_amperage": 32, "last_updated": UPDATED}
    if tariff_ids is not None:
        out["tariff_ids"] = tariff_ids
    return out


def token(*, last_updated: str = UPDATED) -> dict[str, Any]:
    return {"country_code": "NL", "party_id": "EMA", "uid": "EMA000001", "type": "RFID",
            "contract_id": "NL-EMA-C00000001", "issuer": "eMSP EMA", "valid": True, "whitelist": "ALLOWED",
            "last_updated": last_updated}


def token_model(**kw: Any) -> Token:
    return Token.model_validate(token(**kw))


def location_model(**kw: Any) -> Location:
    return Location.model_validate_json(dumps(location(**kw)))


def dumps(obj: Any) -> str:
    from roamstream.ocpi import jsonio

    return jsonio.dumps(obj)


def completed(**overrides: Any) -> dict[str, Any]:
    """A ``sessions.completed.v1`` record as the pricing stage decodes it."""
    record = {
        "session_id": f"{CP}-{TX}", "charge_point_id": CP, "transaction_id": TX, "connector_id": 1,
        "evse_id": None, "id_tag": "EMA000001", "start": START, "end": END, "meter_start_wh": "1000",
        "meter_stop_wh": "10000", "estimated": False, "flags": [],
        "auth_method": None, "authorization_reference": None,  # the token was not authorised in real time
        "received_at": None,  # not known (a record from before it was kept): the CDR's time is from the rest
        "samples": [
            {"timestamp": at(9, 30), "energy_wh": "0", "power_w": None, "current_a": None, "charging": True},
            {"timestamp": at(9, 45), "energy_wh": "3000", "power_w": None, "current_a": None, "charging": True},
            {"timestamp": at(10, 15), "energy_wh": "9000", "power_w": None, "current_a": None, "charging": False},
            {"timestamp": END, "energy_wh": "9000", "power_w": None, "current_a": None, "charging": False},
        ],
    }
    record.update(overrides)
    return record


def expected_cdr() -> dict[str, Any]:
    """The exact CDR of ``completed()`` priced with ``tariff()`` (see the module docstring)."""
    return {
        "country_code": "NL", "party_id": "RST", "id": f"{CP}-{TX}",
        "start_date_time": "2026-03-02T09:30:00Z", "end_date_time": "2026-03-02T10:45:00Z",
        "session_id": f"{CP}-{TX}",
        "cdr_token": {"country_code": "NL", "party_id": "EMA", "uid": "EMA000001", "type": "RFID",
                      "contract_id": "NL-EMA-C00000001"},
        "auth_method": "WHITELIST",
        "cdr_location": {"id": "LOC-1", "name": "Test site", "address": "Damrak 1", "city": "Amsterdam",
                         "postal_code": "1012 LG", "country": "NLD",
                         "coordinates": {"latitude": "52.376000", "longitude": "4.897000"},
                         "evse_uid": f"{CP}-1", "evse_id": "NL*RST*E0007", "connector_id": "1",
                         "connector_standard": "IEC_62196_T2", "connector_format": "SOCKET",
                         "connector_power_type": "AC_3_PHASE"},
        "currency": "EUR",
        "tariffs": [json.loads(dumps(tariff()))],
        "charging_periods": [
            {"start_date_time": "2026-03-02T09:30:00Z",
             "dimensions": [{"type": "ENERGY", "volume": 6}, {"type": "TIME", "volume": 0.5}], "tariff_id": "T1"},
            {"start_date_time": "2026-03-02T10:00:00Z",
             "dimensions": [{"type": "ENERGY", "volume": 3}, {"type": "TIME", "volume": 0.25}], "tariff_id": "T1"},
            {"start_date_time": "2026-03-02T10:15:00Z",
             "dimensions": [{"type": "ENERGY", "volume": 0}, {"type": "PARKING_TIME", "volume": 0.5}],
             "tariff_id": "T1"},
        ],
        "total_cost": {"excl_vat": 5.10, "incl_vat": 6.171},
        "total_energy_cost": {"excl_vat": 2.70, "incl_vat": 3.267},
        "total_time_cost": {"excl_vat": 0.90, "incl_vat": 1.089},
        "total_parking_cost": {"excl_vat": 1.00, "incl_vat": 1.21},
        "total_fixed_cost": {"excl_vat": 0.50, "incl_vat": 0.605},
        "total_energy": 9, "total_time": 1.25, "total_parking_time": 0.5,
        "last_updated": "2026-03-02T10:45:00Z",
    }


def exact(text: str | bytes) -> Any:
    """JSON with numbers as Decimal, so that ``5.1 == 5.10`` compares numbers, not float renderings."""
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


def as_exact(obj: Any) -> Any:
    """``obj`` (JSON-native, float literals) compared exactly: each float is read back from its shortest text."""
    return exact(json.dumps(obj))
