from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from roamstream.ocpi import jsonio
from roamstream.ocpi.cdr import CDR
from roamstream.ocpi.common import Price
from roamstream.ocpi.location import Location
from roamstream.ocpi.session import Session
from roamstream.ocpi.tariff import Tariff
from roamstream.ocpi.token import Token


def test_cdr_reads_numbers_exactly_and_datetimes_as_utc(cdr_data):
    cdr = CDR.model_validate(cdr_data)
    assert cdr.total_energy == Decimal("12.3456")
    assert cdr.end_date_time == datetime(2024, 3, 1, 11, 30, tzinfo=UTC)  # no designator means UTC
    assert cdr.total_cost.incl_vat == Decimal("6.655")


def test_cdr_json_has_numbers_and_ocpi_timestamps(cdr_data):
    out = CDR.model_validate(cdr_data).to_ocpi()
    text = json.dumps(out)
    assert '"end_date_time": "2024-03-01T11:30:00Z"' in text
    assert '"last_updated": "2024-03-01T11:30:05.25Z"' in text
    assert '"total_energy": 12.3456' in text
    assert '"total_cost": {"excl_vat": 5.5, "incl_vat": 6.655}' in text
    assert "session_id" not in out  # exclude_none


def test_numbers_are_rounded_half_up_to_four_decimals_on_the_way_out():
    price = Price(excl_vat=Decimal("0.03125"), incl_vat=Decimal("2.00004"))
    assert price.to_ocpi() == {"excl_vat": 0.0313, "incl_vat": 2}
    assert price.model_dump() == {"excl_vat": Decimal("0.0313"), "incl_vat": Decimal("2")}
    assert jsonio.dumps(price.model_dump()) == '{"excl_vat": 0.0313, "incl_vat": 2}'


def test_exact_encoder_writes_decimals_as_numbers_never_via_float():
    value = Decimal("123456789012345.6789")  # 19 digits: a float would lose some
    assert jsonio.dumps({"v": value, "d": datetime(2015, 6, 29, 21, 39, 9, tzinfo=UTC)}) == (
        '{"v": 123456789012345.6789, "d": "2015-06-29T21:39:09Z"}'
    )
    with pytest.raises(ValueError):
        Price(excl_vat=value).to_ocpi()  # json mode refuses what a float cannot carry exactly
    with pytest.raises(TypeError):
        jsonio.dumps({"v": 0.1})


def test_cdr_rejects_session_only_dimensions(cdr_data):
    cdr_data["charging_periods"][0]["dimensions"].append({"type": "STATE_OF_CHARGE", "volume": 80})
    with pytest.raises(ValidationError, match="Session-only"):
        CDR.model_validate(cdr_data)


def test_cdr_keeps_min_max_power_and_current_which_cdrs_may_carry(cdr_data):
    cdr_data["charging_periods"][0]["dimensions"] += [
        {"type": "MAX_CURRENT", "volume": 16},
        {"type": "MIN_POWER", "volume": 3.7},
    ]
    assert len(CDR.model_validate(cdr_data).charging_periods[0].dimensions) == 4


@pytest.mark.parametrize(
    ("field", "value"),
    [("country_code", "NLD"), ("party_id", "RS"), ("id", "x" * 37), ("currency", "eur")],
)
def test_cdr_field_lengths(cdr_data, field, value):
    cdr_data[field] = value
    with pytest.raises(ValidationError):
        CDR.model_validate(cdr_data)


def test_credit_cdr_needs_a_reference(cdr_data):
    cdr_data.update(credit=True, id="CDR-0001-C")
    with pytest.raises(ValidationError, match="credit_reference_id"):
        CDR.model_validate(cdr_data)
    cdr_data["credit_reference_id"] = "CDR-0001"
    assert CDR.model_validate(cdr_data).credit


def test_tariff_requires_last_updated_and_elements():
    data = {
        "country_code": "NL",
        "party_id": "RST",
        "id": "T1",
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.3, "vat": 21, "step_size": 1}]}],
    }
    with pytest.raises(ValidationError, match="last_updated"):
        Tariff.model_validate(data)
    data["last_updated"] = "2024-01-01T00:00:00Z"
    tariff = Tariff.model_validate(data)
    assert tariff.elements[0].price_components[0].price == Decimal("0.3")
    data["elements"][0]["restrictions"] = {"start_time": "24:00"}
    with pytest.raises(ValidationError, match="start_time"):
        Tariff.model_validate(data)


def test_location_time_zone_must_be_known():
    data = {
        "country_code": "NL",
        "party_id": "RST",
        "id": "LOC-7",
        "publish": True,
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "country": "NLD",
        "coordinates": {"latitude": "52.08920", "longitude": "5.11030"},
        "time_zone": "Europe/Amsterdam",
        "evses": [
            {
                "uid": "EVSE-7-1",
                "evse_id": "NL*RST*E7*1",
                "status": "AVAILABLE",
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "power_type": "AC_3_PHASE",
                        "max_voltage": 230,
                        "max_amperage": 32,
                        "tariff_ids": ["T1"],
                        "last_updated": "2024-01-01T00:00:00Z",
                    }
                ],
                "last_updated": "2024-01-01T00:00:00Z",
            }
        ],
        "last_updated": "2024-01-01T00:00:00Z",
    }
    location = Location.model_validate(data)
    assert location.evse("EVSE-7-1").connectors[0].tariff_ids == ["T1"]
    data["time_zone"] = "Europe/Atlantis"
    with pytest.raises(ValidationError, match="time zone"):
        Location.model_validate(data)


def test_token_round_trip():
    data = {
        "country_code": "DE",
        "party_id": "EMS",
        "uid": "04A1B2C3",
        "type": "RFID",
        "contract_id": "DE-EMS-C12345678-9",
        "visual_number": "DF000-2001-8999-1",
        "issuer": "EMS Mobility",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2024-01-01T00:00:00Z",
    }
    assert Token.model_validate(data).to_ocpi() == data


@pytest.mark.parametrize(
    ("value", "text"),
    [("5.6250", "5.625"), ("2.00005", "2.0001"), ("-0.00004", "0"), ("1E+2", "100"), ("1E+30", "1" + "0" * 30)],
)
def test_numbers_never_in_exponent_notation(value, text):
    assert jsonio.dumps(Decimal(value)) == text


def test_session_may_carry_session_only_dimensions(cdr_data):
    session = Session.model_validate(
        {
            "country_code": "NL",
            "party_id": "RST",
            "id": "S-1",
            "start_date_time": "2024-03-01T10:00:00Z",
            "kwh": 4.2,
            "cdr_token": cdr_data["cdr_token"],
            "auth_method": "AUTH_REQUEST",
            "location_id": "LOC-7",
            "evse_uid": "EVSE-7-1",
            "connector_id": "1",
            "currency": "EUR",
            "charging_periods": [
                {
                    "start_date_time": "2024-03-01T10:00:00Z",
                    "dimensions": [{"type": "ENERGY", "volume": 4.2}, {"type": "STATE_OF_CHARGE", "volume": 55}],
                }
            ],
            "status": "ACTIVE",
            "last_updated": "2024-03-01T10:15:00Z",
        }
    )
    out = session.to_ocpi()
    assert out["kwh"] == 4.2 and out["status"] == "ACTIVE"
    assert out["charging_periods"][0]["dimensions"][1] == {"type": "STATE_OF_CHARGE", "volume": 55}
    with pytest.raises(ValidationError):
        Session.model_validate({**session.to_ocpi(), "status": "CHARGING"})
