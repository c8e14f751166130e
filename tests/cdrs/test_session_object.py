"""build_session: the exact OCPI 2.2.1 Session of a fold snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from roamstream.cdrs.exceptions import MissingReference
from roamstream.cdrs.session_object import CHANGING, SessionChanging, SessionFixed, SessionParts, build_session
from roamstream.ocpi import jsonio
from roamstream.ocpi.location import Location
from roamstream.ocpi.session import Session
from roamstream.ocpi.token import Token
from tests.cdrs.cdr_fixtures import (
    CP,
    CPO,
    END,
    START,
    as_exact,
    exact,
    location,
    location_model,
    token,
    token_model,
)

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


def test_the_members_held_between_snapshots_change_nothing():
    """A ``SessionParts`` gives every snapshot the Session made whole: across a new token, another id tag and
    authorisation, a new location, the end, and for the next session on the same id."""
    parts = SessionParts()
    same_token, same_location = token_model(), location_model()
    other_token = Token.model_validate({**token(), "contract_id": "NL-EMA-C00000009"})
    steps = [
        (snapshot(), same_token, same_location),
        (snapshot(kwh=Decimal("7.5"), last_event=LAST_EVENT.replace(minute=5)), same_token, same_location),
        (snapshot(kwh=Decimal("8")), other_token, same_location),
        (snapshot(kwh=Decimal("8")), other_token, same_location),
        (snapshot(id_tag="ema000001", auth_method="AUTH_REQUEST", authorization_reference="REF-1"), other_token,
         same_location),
        (snapshot(kwh=Decimal("8.5")), other_token, Location.model_validate({**location(), "id": "LOC-2"})),
        (snapshot(end=END, status="COMPLETED", kwh=Decimal(9)), other_token, location_model()),
        (snapshot(start=END, kwh=Decimal(0)), other_token, same_location),
    ]
    for record, tok, loc in steps:
        kept = build_session(record, tok, loc, "EUR", CPO, {"excl_vat": Decimal("1.5")}, [], parts)
        assert kept == build_session(record, tok, loc, "EUR", CPO, {"excl_vat": Decimal("1.5")}, [])
        assert kept[1] == jsonio.dumps(kept[0])
    assert kept[0]["cdr_token"] is not build_session(record, tok, loc, "EUR", CPO, parts=parts)[0]["cdr_token"]


def _without_metadata(schema):
    """A core schema without its ``metadata`` (JSON-schema hooks, made anew for every model that uses a type)."""
    if isinstance(schema, dict):
        return {k: _without_metadata(v) for k, v in schema.items() if k != "metadata"}
    if isinstance(schema, list):
        return [_without_metadata(v) for v in schema]
    return schema


def _fields(model):
    schema = model.__pydantic_core_schema__
    while schema["type"] != "model-fields":
        schema = schema["schema"]
    return schema["fields"]


def test_the_two_checks_are_the_session_models_fields_each_validated_as_there():
    fixed, changing = _fields(SessionFixed), _fields(SessionChanging)
    assert not fixed.keys() & changing.keys()
    assert list(changing) == list(CHANGING)
    assert _without_metadata({**fixed, **changing}) == _without_metadata(_fields(Session))


BAD = [
    ({"session_id": "X" * 37}, {}),  # a constant member: id is a CiString(36)
    ({}, {"currency": "eur"}),
    ({"status": "FINISHED"}, {}),  # the members written at every snapshot
    ({}, {"charging_periods": [{"start_date_time": START, "dimensions": []}]}),
    ({}, {"total_cost": {"excl_vat": True}}),
]


@pytest.mark.parametrize(("fields", "args"), BAD)
def test_a_session_is_checked_whole_with_or_without_held_members(fields, args):
    args = {"currency": "EUR", "charging_periods": None, "total_cost": None, **args}
    currency = args.pop("currency")
    for parts in (None, SessionParts()):
        with pytest.raises(ValidationError):
            build_session(snapshot(**fields), token_model(), location_model(), currency, CPO, parts=parts, **args)


def test_held_members_are_checked_once_and_the_rest_at_every_snapshot():
    parts, tok, loc = SessionParts(), token_model(), location_model()
    build_session(snapshot(), tok, loc, "EUR", CPO, parts=parts)
    with pytest.raises(ValidationError):
        build_session(snapshot(status="FINISHED"), tok, loc, "EUR", CPO, parts=parts)
    data, text = build_session(snapshot(kwh=Decimal(7)), tok, loc, "EUR", CPO, parts=parts)
    assert Session.model_validate_json(text) == Session.model_validate(data)
