"""reconcile: first CDR, identical recomputation, and a correction as Credit CDR + new CDR (exact JSON).

The correction: the peak energy price was 0.40 and becomes 0.45 (a tariff fix published 10 March).
New energy cost 6 x 0.25 + 3 x 0.45 = 2.85 (incl. 21 % VAT 3.4485); total 2.85 + 0.90 + 1.00 + 0.50 = 5.25
(incl. 6.3525). The credit CDR carries the original CDR with total_cost -5.10 / -6.171.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from roamstream.cdrs.assemble import build_cdr
from roamstream.cdrs.corrections import IssuedCdr, credit_cdr, fingerprint, issued, reconcile
from roamstream.ocpi.cdr import CDR
from roamstream.ocpi.token import Token
from roamstream.tariffs import TariffCache
from tests.cdrs.cdr_fixtures import (
    CP,
    CPO,
    TX,
    as_exact,
    completed,
    exact,
    expected_cdr,
    location_model,
    tariff,
    token,
    token_model,
)

FIXED_AT = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
FIXED = "2026-03-10T08:00:00Z"


def build(tariff_json):
    return build_cdr(completed(), token_model(), location_model(), tariff_json, TariffCache().get(tariff_json), CPO)


def original():
    return build(tariff())


def corrected():
    return build(tariff(peak="0.45", last_updated=FIXED))


def first_issued():
    outcome = reconcile(None, original(), CP, TX, FIXED_AT)
    return outcome.issued


def test_the_first_pricing_sends_the_cdr_as_revision_0():
    built = original()
    outcome = reconcile(None, built, CP, TX, FIXED_AT)
    assert outcome.send == (built,)
    assert (outcome.issued.id, outcome.issued.revision) == ("CP-7-42", 0)
    assert outcome.issued.total_cost == {"excl_vat": Decimal("5.1"), "incl_vat": Decimal("6.171")}
    assert outcome.issued.last_updated == datetime(2026, 3, 2, 10, 45, tzinfo=UTC)  # the session end


def test_an_identical_recomputation_sends_nothing():
    outcome = reconcile(first_issued(), original(), CP, TX, FIXED_AT)
    assert outcome.send == ()
    assert outcome.issued is None


def test_a_tariff_republished_unchanged_with_a_newer_last_updated_sends_nothing():
    outcome = reconcile(first_issued(), build(tariff(last_updated=FIXED)), CP, TX, FIXED_AT)
    assert outcome.send == ()


def expected_credit():
    cdr = expected_cdr()
    out = {**cdr, "id": "CP-7-42-C", "total_cost": {"excl_vat": -5.10, "incl_vat": -6.171}}
    del out["last_updated"]
    return {**out, "credit": True, "credit_reference_id": "CP-7-42", "last_updated": FIXED}


def expected_new():
    fixed_tariff = expected_cdr()["tariffs"][0]
    fixed_tariff = {**fixed_tariff, "elements": [
        {**fixed_tariff["elements"][0], "price_components": [
            {"type": "ENERGY", "price": 0.45, "vat": 21, "step_size": 1}]},
        fixed_tariff["elements"][1]], "last_updated": FIXED}
    return {**expected_cdr(), "id": "CP-7-42-R1", "tariffs": [fixed_tariff],
            "total_cost": {"excl_vat": 5.25, "incl_vat": 6.3525},
            "total_energy_cost": {"excl_vat": 2.85, "incl_vat": 3.4485}, "last_updated": FIXED}


def test_a_correction_is_a_credit_of_the_issued_cdr_and_a_new_cdr():
    outcome = reconcile(first_issued(), corrected(), CP, TX, FIXED_AT)
    credit, new = outcome.send
    assert exact(credit.json) == as_exact(expected_credit())
    assert exact(new.json) == as_exact(expected_new())
    assert (credit.id, credit.partner, new.id, new.partner) == ("CP-7-42-C", "NL-EMA", "CP-7-42-R1", "NL-EMA")
    assert (outcome.issued.id, outcome.issued.revision, outcome.issued.json) == ("CP-7-42-R1", 1, new.json)
    assert outcome.issued.last_updated == FIXED_AT


def test_the_credit_is_the_original_text_but_for_id_total_cost_credit_fields_and_last_updated():
    built = original()
    credit = credit_cdr(issued(built, 0), "CP-7-42-C", FIXED_AT)
    expected_text = (
        built.json.replace('"id": "CP-7-42"', '"id": "CP-7-42-C"', 1)
        .replace('"total_cost": {"excl_vat": 5.1, "incl_vat": 6.171}',
                 '"total_cost": {"excl_vat": -5.1, "incl_vat": -6.171}')
        .replace('"last_updated": "2026-03-02T10:45:00Z"}',
                 '"credit": true, "credit_reference_id": "CP-7-42", "last_updated": "2026-03-10T08:00:00Z"}')
    )
    assert credit.json == expected_text
    CDR.model_validate_json(credit.json)


def test_a_second_correction_credits_revision_1():
    second = reconcile(first_issued(), corrected(), CP, TX, FIXED_AT).issued
    back_at = datetime(2026, 3, 11, tzinfo=UTC)
    outcome = reconcile(second, build(tariff(last_updated="2026-03-11T00:00:00Z")), CP, TX, back_at)
    credit, new = outcome.send
    assert (credit.id, credit.data["credit_reference_id"], new.id) == ("CP-7-42-C-R1", "CP-7-42-R1", "CP-7-42-R2")
    assert exact(credit.json)["total_cost"] == {"excl_vat": Decimal("-5.25"), "incl_vat": Decimal("-6.3525")}
    assert exact(new.json)["total_cost"] == {"excl_vat": Decimal("5.1"), "incl_vat": Decimal("6.171")}
    assert outcome.issued.revision == 2


def test_a_revision_is_never_dated_before_the_cdr_it_credits():
    earlier = datetime(2026, 3, 1, tzinfo=UTC)  # reference data older than the session end
    credit, new = reconcile(first_issued(), corrected(), CP, TX, earlier).send
    assert credit.data["last_updated"] == new.data["last_updated"] == datetime(2026, 3, 2, 10, 45, tzinfo=UTC)


def test_issued_state_round_trips_through_bytes():
    state = reconcile(first_issued(), corrected(), CP, TX, FIXED_AT).issued
    assert IssuedCdr.from_bytes(state.to_bytes()) == state


def test_fingerprint_ignores_only_ids_and_dates_of_issue():
    data = original().data
    same = {**data, "id": "other", "last_updated": FIXED_AT,
            "tariffs": [{**data["tariffs"][0], "last_updated": FIXED}]}
    assert fingerprint(same) == fingerprint(data)
    assert fingerprint({**data, "total_energy": Decimal("9.0001")}) != fingerprint(data)
    assert fingerprint({**data, "cdr_token": {**data["cdr_token"], "contract_id": "X"}}) != fingerprint(data)


def test_when_the_token_changes_hands_the_credit_goes_to_the_old_partner_and_the_new_cdr_to_the_new_one():
    moved = {**token(), "country_code": "DE", "party_id": "EMB", "contract_id": "DE-EMB-C00000001"}
    tariff_json = tariff()
    rebuilt = build_cdr(completed(), Token.model_validate(moved), location_model(), tariff_json,
                        TariffCache().get(tariff_json), CPO)
    credit, new = reconcile(first_issued(), rebuilt, CP, TX, FIXED_AT).send
    assert (credit.partner, new.partner) == ("NL-EMA", "DE-EMB")
    assert exact(credit.json)["cdr_token"]["party_id"] == "EMA"
    assert exact(credit.json)["total_cost"] == {"excl_vat": Decimal("-5.1"), "incl_vat": Decimal("-6.171")}
    assert exact(new.json)["total_cost"] == {"excl_vat": Decimal("5.1"), "incl_vat": Decimal("6.171")}
