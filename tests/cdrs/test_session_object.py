"""build_session: the exact OCPI 2.2.1 Session of a fold snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from roamstream.cdrs.exceptions import MissingReference
from roamstream.cdrs.session_object import build_session
from tests.cdrs.cdr_fixtures import CP, CPO, END, START, as_exact, exact, location_model, token_model

LAST_EVENT = datetime(2026, 3, 2, 10, 0, 30, 250000, tzinfo=UTC)


def snapshot(**overrides):
    record = {"session_id": f"{CP}-42", "charge_point_id": CP, "connector_id": 1, "evse_id": None,
              "id_tag": "EMA000001", "start": START, "end": None, "kwh": Decimal("6.123456"), "status": "ACTIVE",
              "last_event": LAST_EVENT}
    record.update(overrides)
    return record


def expected(**overrides):
    out = {
        "country_code": "NL", "party_id": "RST", "id": f"{CP}-42", "start_date_time": "2026-03-02T09:30:00Z",
        "kwh": 6.1235,
        "cdr_token": {"country_code": "NL", "party_id": "EMA", "uid": "EMA000001", "type": "RFID",
                      "contract_id": "NL-EMA-C00000001"},
        "auth_method": "WHITELIST", "location_id": "LOC-1", "evse_uid": f"{CP}-1", "connector_id": "1",
        "currency": "EUR", "status": "ACTIVE", "last_updated": "2026-03-02T10:00:30.25Z",
    }
    out.update(overrides)
    return out


def test_an_active_session():
    data, text = build_session(snapshot(), token_model(), location_model(), "EUR", CPO)
    assert exact(text) == as_exact(expected())
    assert "end_date_time" not in data
    assert data["kwh"] == Decimal("6.1235")  # rounded once, half up


def test_the_cdr_token_uid_is_the_id_tag_as_the_charge_point_read_it():
    data, _ = build_session(snapshot(id_tag="ema000001"), token_model(), location_model(), "EUR", CPO)
    assert data["cdr_token"]["uid"] == "ema000001"


def test_a_completed_session_ends_and_is_last_updated_at_its_end():
    _, text = build_session(snapshot(end=END, status="COMPLETED", kwh=Decimal(9)), token_model(), location_model(),
                            "EUR", CPO)
    want = expected(status="COMPLETED", kwh=9, last_updated="2026-03-02T10:45:00Z")
    want = {**{k: v for k, v in want.items() if k != "kwh"}, "end_date_time": "2026-03-02T10:45:00Z", "kwh": 9}
    assert exact(text) == as_exact(want)
    assert list(exact(text))[:6] == ["country_code", "party_id", "id", "start_date_time", "end_date_time", "kwh"]


def test_an_unknown_evse_is_a_missing_reference():
    with pytest.raises(MissingReference):
        build_session(snapshot(connector_id=4), token_model(), location_model(), "EUR", CPO)
