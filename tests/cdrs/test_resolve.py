"""evse_uid, find_connector, valid_tariff, cdr_id."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from roamstream.cdrs.exceptions import MissingReference
from roamstream.cdrs.resolve import cdr_id, evse_uid, find_connector, valid_tariff
from roamstream.ocpi.location import Connector
from roamstream.ocpi.tariff import Tariff
from tests.cdrs.cdr_fixtures import CP, connector, evse, location_model, tariff

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(("connector_id", "evse_id", "uid"), [
    (2, None, "CP-7-2"),  # OCPP 1.6: the connectorId
    (1, 3, "CP-7-3"),  # OCPP 2.0.1: the evseId
    (None, None, "CP-7-1"),  # nothing said: the first
])
def test_evse_uid(connector_id, evse_id, uid):
    assert evse_uid(CP, connector_id, evse_id) == uid


def two_connector_location():
    return location_model(evses=[evse(f"{CP}-1", "E1", [connector("1", ["T1"]), connector("2", ["T2"])])])


def test_the_only_connector_of_an_evse_whatever_id_is_asked():
    loc = location_model()
    e, c = find_connector(loc, f"{CP}-1", 5)
    assert (e.uid, c.id) == (f"{CP}-1", "1")


def test_a_connector_by_its_id_and_the_first_when_none_is_given():
    loc = two_connector_location()
    assert find_connector(loc, f"{CP}-1", 2)[1].id == "2"
    assert find_connector(loc, f"{CP}-1", None)[1].id == "1"


def test_unknown_evse_and_connector_are_missing_references():
    with pytest.raises(MissingReference, match="location LOC-1 has no EVSE CP-7-9"):
        find_connector(location_model(), f"{CP}-9", None)
    with pytest.raises(MissingReference, match="EVSE CP-7-1 has no connector 3"):
        find_connector(two_connector_location(), f"{CP}-1", 3)


def tariff_model(tid: str, **extra) -> Tariff:
    return Tariff.model_validate({**tariff(**extra), "id": tid})


def conn(*ids: str) -> Connector:
    return Connector.model_validate(connector("1", list(ids)))


def test_the_first_known_tariff_valid_at_the_start():
    later = tariff_model("T2", start_date_time="2026-03-02T09:30:01Z")
    ended = tariff_model("T3", end_date_time="2026-03-02T09:30:00Z")  # end is exclusive
    starts_now = tariff_model("T4", start_date_time="2026-03-02T09:30:00Z")  # start is inclusive
    known = {"T2": later, "T3": ended, "T4": starts_now, "T5": tariff_model("T5")}
    assert valid_tariff(conn("T1", "T2", "T3", "T4", "T5"), known, AT).id == "T4"


def test_no_tariff_ids_or_no_valid_tariff_is_a_missing_reference():
    with pytest.raises(MissingReference, match="connector 1 has no tariff_ids"):
        valid_tariff(Connector.model_validate(connector("1", None)), {}, AT)
    with pytest.raises(MissingReference,
                       match=r"no tariff of \['T1', 'T2'\] is known and valid at 2026-03-02T09:30:00\+00:00"):
        valid_tariff(conn("T1", "T2"), {"T2": tariff_model("T2", end_date_time="2026-03-01T00:00:00Z")}, AT)


def test_cdr_ids_of_a_session_its_revisions_and_their_credits():
    assert cdr_id("CP-7", "42") == "CP-7-42"
    assert cdr_id("CP-7", "42", credit=True) == "CP-7-42-C"
    assert cdr_id("CP-7", "42", revision=1) == "CP-7-42-R1"
    assert cdr_id("CP-7", "42", credit=True, revision=1) == "CP-7-42-C-R1"


def test_long_ids_become_a_hash_within_the_spec_lengths():
    cp, tx = "CHARGEPOINT-WITH-A-LONG-NAME-01", "123456"  # 38 characters together
    digest = hashlib.sha256(f"{cp}-{tx}".encode()).hexdigest()
    assert cdr_id(cp, tx) == digest[:36]
    assert cdr_id(cp, tx, credit=True) == digest[:36] + "-C"
    assert cdr_id(cp, tx, revision=12) == digest[:32] + "-R12"
    assert cdr_id(cp, tx, credit=True, revision=12) == digest[:32] + "-C-R12"
    assert len(cdr_id(cp, tx, credit=True, revision=99)) <= 39
    assert all(len(cdr_id("X" * 40, "1", revision=r)) <= 36 for r in (0, 1, 10, 100))


def test_a_36_character_base_is_kept_and_its_credit_fits_39():
    cp, tx = "C" * 30, "12345"
    assert cdr_id(cp, tx) == f"{cp}-{tx}"
    assert cdr_id(cp, tx, credit=True) == f"{cp}-{tx}-C"
    assert len(cdr_id(cp, tx, credit=True)) == 38

