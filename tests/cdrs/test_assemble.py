"""build_cdr: the exact OCPI JSON of a hand-priced session (figures in cdr_fixtures' docstring)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from roamstream.cdrs.assemble import build_cdr, meter_samples
from roamstream.cdrs.exceptions import MissingReference
from roamstream.tariffs import TariffCache
from tests.cdrs.cdr_fixtures import (
    CP,
    CPO,
    END,
    as_exact,
    completed,
    connector,
    evse,
    exact,
    expected_cdr,
    location_model,
    tariff,
    token_model,
)


def build(record=None, loc=None, tariff_json=None):
    tariff_json = tariff_json or tariff()
    return build_cdr(record or completed(), token_model(), loc or location_model(), tariff_json,
                     TariffCache().get(tariff_json), CPO)


def test_the_cdr_is_exactly_the_hand_priced_one():
    built = build()
    assert exact(built.json) == as_exact(expected_cdr())
    assert built.id == f"{CP}-42"
    assert built.partner == "NL-EMA"


def test_the_cdr_token_uid_is_the_id_tag_as_the_charge_point_read_it():
    built = build(completed(id_tag="ema000001"))
    assert built.data["cdr_token"] == expected_cdr()["cdr_token"] | {"uid": "ema000001"}
    assert built.partner == "NL-EMA"


def test_the_json_text_is_stable_and_has_no_float_artefacts():
    built = build()
    assert built.json == build().json
    assert '"total_cost": {"excl_vat": 5.1, "incl_vat": 6.171}' in built.json
    assert '"last_updated": "2026-03-02T10:45:00Z"' in built.json  # the session end, never the wall clock


def test_data_carries_datetimes_and_exact_numbers():
    data = build().data
    assert data["start_date_time"] == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert data["last_updated"] == END
    assert data["total_cost"]["incl_vat"] == Decimal("6.171")


def test_an_estimated_session_says_so_in_a_remark():
    data = exact(build(completed(estimated=True)).json)
    assert data["remark"] == "Estimated: the charge point did not report the end of this session"


def test_no_reservation_cost_when_there_is_none():
    assert "total_reservation_cost" not in exact(build().json)


def test_an_ocpp201_evse_picks_its_connector_by_id():
    loc = location_model(evses=[evse(f"{CP}-3", "NL*RST*E0703", [
        connector("1", ["T1"]), connector("2", ["T1"], standard="IEC_62196_T2_COMBO")])])
    data = exact(build(completed(evse_id=3, connector_id=2), loc).json)
    assert data["cdr_location"]["evse_uid"] == f"{CP}-3"
    assert data["cdr_location"]["evse_id"] == "NL*RST*E0703"
    assert data["cdr_location"]["connector_id"] == "2"
    assert data["cdr_location"]["connector_standard"] == "IEC_62196_T2_COMBO"


def test_an_unknown_evse_is_a_missing_reference():
    with pytest.raises(MissingReference, match="has no EVSE CP-7-2"):
        build(completed(connector_id=2))


def test_meter_samples_are_kwh_and_kw():
    record = completed(samples=[{"timestamp": END, "energy_wh": "1500", "power_w": "7400", "current_a": "32.5",
                                 "charging": True}])
    [sample] = meter_samples(record)
    assert (str(sample.energy_kwh), str(sample.power_kw), str(sample.current_a)) == ("1.5", "7.4", "32.5")


def test_last_updated_is_the_creation_time_never_before_the_reference_data_it_was_made_of():
    assert build().data["last_updated"] == END  # reference data older than the session: its end
    later = "2026-03-05T08:00:00Z"
    tariff_json = tariff(last_updated=later)
    built = build_cdr(completed(), token_model(), location_model(), tariff_json, TariffCache().get(tariff_json), CPO)
    assert built.data["last_updated"] == datetime(2026, 3, 5, 8, tzinfo=UTC)
    built = build_cdr(completed(), token_model(last_updated=later), location_model(), tariff(),
                      TariffCache().get(tariff()), CPO)
    assert exact(built.json)["last_updated"] == later


def test_last_updated_is_never_before_the_event_that_completed_the_session_was_received():
    # an offline charger: the stop (END) reached us a day later; the CDR is created then
    received = datetime(2026, 3, 6, 9, 30, 15, tzinfo=UTC)
    built = build_cdr(completed(received_at=received), token_model(), location_model(), tariff(),
                      TariffCache().get(tariff()), CPO)
    assert built.data["last_updated"] == received
    assert built.data["end_date_time"] == END
    assert build_cdr(completed(received_at=None), token_model(), location_model(), tariff(),  # older records
                     TariffCache().get(tariff()), CPO).data["last_updated"] == END
