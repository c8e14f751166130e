"""look_up: token, location and tariff of a completed session, from plain byte stores."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from roamstream.cdrs.exceptions import MissingReference
from roamstream.cdrs.references import ParsedReferences, look_up
from roamstream.ocpi.token import uid_key
from tests.cdrs.cdr_fixtures import CP, completed, dumps, location, tariff, token


def stores(*, with_token=True, with_location=True, tariffs=None):
    tokens = {uid_key("EMA000001"): dumps(token()).encode()} if with_token else {}
    locations = {b"NL-RST-LOC-1": dumps(location()).encode()} if with_location else {}
    index = {f"{CP}-1".encode(): b"NL-RST-LOC-1"} if with_location else {}
    if tariffs is None:
        tariffs = {b"NL-RST-T1": dumps(tariff()).encode()}
    return tokens, index, locations, tariffs


def test_everything_known():
    refs = look_up(completed(), *stores())
    assert refs.token.contract_id == "NL-EMA-C00000001"
    assert refs.location.id == "LOC-1"
    assert refs.tariff["id"] == "T1"
    assert refs.tariff["elements"][0]["price_components"][0]["price"] == Decimal("0.4")  # exact, never float
    assert refs.last_updated == datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize("sent", ["ema000001", "Ema000001", "EMA000001"])
def test_a_token_uid_matches_in_any_letter_case(sent):
    """OCPI 2.2.1: Token.uid is a CiString; the station's idTag finds the token whatever its case."""
    assert look_up(completed(id_tag=sent), *stores()).token.contract_id == "NL-EMA-C00000001"


def test_the_uid_key_folds_ascii_letters_only():
    assert uid_key("hoatag02") == uid_key("HOATAG02") == b"HOATAG02"
    assert uid_key("tag-ä") != uid_key("TAG-Ä")  # not a CiString character: left as it is


def test_last_updated_is_the_latest_of_the_three():
    tokens, index, locations, tariffs = stores(tariffs={
        b"NL-RST-T1": dumps(tariff(last_updated="2026-04-01T12:00:00Z")).encode()})
    assert look_up(completed(), tokens, index, locations, tariffs).last_updated == datetime(
        2026, 4, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(("kw", "message"), [
    ({"with_token": False}, "unknown token 'EMA000001'"),
    ({"with_location": False}, "no location has EVSE 'CP-7-1'"),
    ({"tariffs": {}}, r"no tariff of \['T1'\] is known"),
])
def test_what_is_missing_is_named(kw, message):
    with pytest.raises(MissingReference, match=message):
        look_up(completed(), *stores(**kw))


def test_a_tariff_of_another_party_is_not_used():
    tokens, index, locations, _ = stores()
    with pytest.raises(MissingReference):
        look_up(completed(), tokens, index, locations, {b"DE-XYZ-T1": dumps(tariff()).encode()})


def test_parsed_references_are_reused_until_the_stored_bytes_change():
    parsed = ParsedReferences()
    tokens, index, locations, tariffs = stores()
    first = look_up(completed(), tokens, index, locations, tariffs, parsed)
    again = look_up(completed(), tokens, index, locations, tariffs, parsed)
    assert again.token is first.token and again.location is first.location  # validated once
    assert again.tariff is first.tariff  # parsed once
    tariffs[b"NL-RST-T1"] = dumps(tariff(last_updated="2026-04-01T12:00:00Z")).encode()  # a corrected tariff
    tokens[b"EMA000001"] = dumps(token() | {"contract_id": "NL-EMA-C00000002"}).encode()
    fixed = look_up(completed(), tokens, index, locations, tariffs, parsed)
    assert fixed.last_updated == datetime(2026, 4, 1, 12, tzinfo=UTC)
    assert fixed.token.contract_id == "NL-EMA-C00000002"
    assert first.tariff["last_updated"] == "2026-03-01T00:00:00Z"  # what the first look-up gave is unchanged
    assert fixed.tariff["last_updated"] == "2026-04-01T12:00:00Z"
    assert fixed.location is first.location
