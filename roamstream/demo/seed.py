"""The demo's reference data: one tariff, one location with an EVSE per charge point, tokens of two eMSPs."""

from __future__ import annotations

from datetime import UTC, datetime

from roamstream.cdrs.resolve import evse_uid

CPO = ("NL", "RST")
PARTNERS = (("NL", "EMA"), ("DE", "EMB"))
UPDATED = "2026-11-01T00:00:00Z"
TARIFF_ID = "DEMO-AC"
LOCATION_ID = "LOC-DEMO-1"
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def tariff() -> dict:
    """0.30/kWh, 1.00/h of charging, 0.50 start fee; 21% VAT (the energy and time prices of the spec's
    2.2.1 examples, rounded)."""
    return {
        "country_code": CPO[0],
        "party_id": CPO[1],
        "id": TARIFF_ID,
        "currency": "EUR",
        "elements": [
            {
                "price_components": [
                    {"type": "FLAT", "price": 0.50, "vat": 21.0, "step_size": 1},
                    {"type": "ENERGY", "price": 0.30, "vat": 21.0, "step_size": 1},
                    {"type": "TIME", "price": 1.00, "vat": 21.0, "step_size": 60},
                ]
            }
        ],
        "last_updated": UPDATED,
    }


def location(charge_points: list[str]) -> dict:
    return {
        "country_code": CPO[0],
        "party_id": CPO[1],
        "id": LOCATION_ID,
        "publish": True,
        "name": "Roamstream demo site",
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "postal_code": "3511 ED",
        "country": "NLD",
        "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
        "time_zone": "Europe/Amsterdam",
        "evses": [
            {
                "uid": evse_uid(cp, 1, None),
                "evse_id": f"NL*RST*E{n:04d}",
                "status": "AVAILABLE",
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "power_type": "AC_3_PHASE",
                        "max_voltage": 230,
                        "max_amperage": 32,
                        "tariff_ids": [TARIFF_ID],
                        "last_updated": UPDATED,
                    }
                ],
                "last_updated": UPDATED,
            }
            for n, cp in enumerate(charge_points, 1)
        ],
        "last_updated": UPDATED,
    }


def token(partner: tuple[str, str], n: int) -> dict:
    uid = f"{partner[1]}{n:06d}"
    return {
        "country_code": partner[0],
        "party_id": partner[1],
        "uid": uid,
        "type": "RFID",
        "contract_id": f"{partner[0]}-{partner[1]}-C{n:08d}",
        "issuer": f"eMSP {partner[1]}",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": UPDATED,
    }


def tokens(per_partner: int) -> list[dict]:
    return [token(p, n) for p in PARTNERS for n in range(1, per_partner + 1)]
