"""Factories of small, valid OCPI 2.2.1 objects (written for these tests, not copied from the spec)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def cdr_data() -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "RST",
        "id": "CDR-0001",
        "start_date_time": "2024-03-01T10:00:00Z",
        "end_date_time": "2024-03-01T11:30:00",
        "cdr_token": {
            "country_code": "DE",
            "party_id": "EMS",
            "uid": "04A1B2C3",
            "type": "RFID",
            "contract_id": "DE-EMS-C12345678-9",
        },
        "auth_method": "WHITELIST",
        "cdr_location": {
            "id": "LOC-7",
            "address": "Stationsplein 1",
            "city": "Utrecht",
            "postal_code": "3511ED",
            "country": "NLD",
            "coordinates": {"latitude": "52.08920", "longitude": "5.11030"},
            "evse_uid": "EVSE-7-1",
            "evse_id": "NL*RST*E7*1",
            "connector_id": "1",
            "connector_standard": "IEC_62196_T2",
            "connector_format": "SOCKET",
            "connector_power_type": "AC_3_PHASE",
        },
        "currency": "EUR",
        "charging_periods": [
            {
                "start_date_time": "2024-03-01T10:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 12.3456}, {"type": "TIME", "volume": 1}],
                "tariff_id": "T1",
            },
            {
                "start_date_time": "2024-03-01T11:00:00Z",
                "dimensions": [{"type": "PARKING_TIME", "volume": 0.5}],
            },
        ],
        "total_cost": {"excl_vat": 5.5, "incl_vat": 6.655},
        "total_energy": 12.3456,
        "total_time": 1.5,
        "total_parking_time": 0.5,
        "last_updated": "2024-03-01T11:30:05.250Z",
    }
