"""Request bodies for the ingest API tests, written for these tests.

Shapes follow the OCPI 2.2.1 examples: ``tariff_put_example.json`` (plus the required ``last_updated``),
``location_example.json`` (trimmed to one EVSE), ``token_put_example.json``.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

TOKEN = "test-credentials-token"


def auth(token: str = TOKEN, encode: bool = True) -> dict[str, str]:
    value = base64.b64encode(token.encode()).decode() if encode else token
    return {"Authorization": f"Token {value}"}


def _merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    out.update(overrides)
    return out


TARIFF = {
    "country_code": "DE",
    "party_id": "ALL",
    "id": "12",
    "currency": "EUR",
    "elements": [{"price_components": [{"type": "TIME", "price": 2.00, "vat": 10.0, "step_size": 300}]}],
    "last_updated": "2026-06-29T20:39:09Z",
}

LOCATION = {
    "country_code": "BE",
    "party_id": "BEC",
    "id": "LOC1",
    "publish": True,
    "name": "Gent Zuid",
    "address": "F.Rooseveltlaan 3A",
    "city": "Gent",
    "postal_code": "9000",
    "country": "BEL",
    "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
    "evses": [
        {
            "uid": "3256",
            "evse_id": "BE*BEC*E041503001",
            "status": "AVAILABLE",
            "connectors": [
                {
                    "id": "1",
                    "standard": "IEC_62196_T2",
                    "format": "CABLE",
                    "power_type": "AC_3_PHASE",
                    "max_voltage": 220,
                    "max_amperage": 16,
                    "tariff_ids": ["11"],
                    "last_updated": "2026-03-16T10:10:02Z",
                }
            ],
            "last_updated": "2026-06-28T08:12:01Z",
        }
    ],
    "time_zone": "Europe/Brussels",
    "last_updated": "2026-06-28T08:12:01Z",
}

TOKEN_OBJECT = {
    "country_code": "NL",
    "party_id": "TNM",
    "uid": "012345678",
    "type": "RFID",
    "contract_id": "NL8ACC12E46L89",
    "visual_number": "DF000-2001-8999-1",
    "issuer": "TheNewMotion",
    "group_id": "DF000-2001-8999",
    "valid": True,
    "whitelist": "ALWAYS",
    "last_updated": "2026-06-29T22:39:09Z",
}


def tariff(**overrides: Any) -> dict[str, Any]:
    return _merged(TARIFF, overrides)


def location(**overrides: Any) -> dict[str, Any]:
    return _merged(LOCATION, overrides)


def token(**overrides: Any) -> dict[str, Any]:
    return _merged(TOKEN_OBJECT, overrides)


def statement_json(total_excl: str = "12.3456", total_energy: str = "25.5") -> str:
    """A statement as JSON text, so that numbers are exactly the digits written here."""
    return f"""{{"partner": "DE-ABC", "statement_id": "2026-10", "period_start": "2026-10-01",
        "period_end": "2026-10-31", "lines": [
        {{"cdr_id": "NL-RST-CP1-42", "currency": "EUR", "total_cost_excl_vat": {total_excl},
          "total_cost_incl_vat": 14.9382, "total_energy": {total_energy}}},
        {{"cdr_id": "NL-RST-CP2-7", "currency": "EUR", "total_cost_excl_vat": 0.1, "total_energy": 3}}]}}"""


def transaction_event(**overrides: Any) -> dict[str, Any]:
    return _merged(
        {
            "event_id": "CP1-tx42-start",
            "charge_point_id": "CP1",
            "ocpp_version": "1.6",
            "kind": "STARTED",
            "action": "StartTransaction",
            "message_id": "m-1",
            "timestamp": "2026-11-01T10:00:00Z",
            "transaction_id": "42",
            "connector_id": 1,
            "id_tag": "012345678",
            "meter_wh": "1500",
        },
        overrides,
    )
