"""The pure parts of the pricing stage: look-ups in (dict) tables, the CDR record, parked sessions and
their retry schedule (clocks passed in)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

from pipelines.parked import CHECK_AT_MOST_EVERY_S, RESEND_AFTER_S, Parked, RetrySchedule
from pipelines.pricing import cdr_record, price_session, session_key
from roamstream.cdrs.corrections import reconcile
from roamstream.config import PipelineSettings
from tests.cdrs.cdr_fixtures import CP, TX, completed, dumps, location, tariff, token

FIXED_AT = datetime(2026, 3, 10, 8, tzinfo=UTC)


def tables(the_tariff=None):
    return SimpleNamespace(
        tokens={b"EMA000001": dumps(token()).encode()},
        evse_index={f"{CP}-1".encode(): b"NL-RST-LOC-1"},
        locations={b"NL-RST-LOC-1": dumps(location()).encode()},
        tariffs={b"NL-RST-T1": dumps(the_tariff or tariff()).encode()},
    )


def test_a_session_is_priced_from_the_tables():
    built, refs = price_session(completed(), tables(), PipelineSettings())
    assert built.id == "CP-7-42"
    assert refs.last_updated == datetime(2026, 3, 1, tzinfo=UTC)


def test_the_record_of_a_cdr_has_the_figures_of_its_json():
    built, _ = price_session(completed(), tables(), PipelineSettings())
    record = cdr_record(built, completed())
    assert {k: record[k] for k in ("id", "partner", "charge_point_id", "transaction_id", "session_id")} == {
        "id": "CP-7-42", "partner": "NL-EMA", "charge_point_id": CP, "transaction_id": TX, "session_id": "CP-7-42"}
    assert (record["total_cost_excl_vat"], record["total_cost_incl_vat"]) == (Decimal("5.1"), Decimal("6.171"))
    assert (record["total_energy"], record["total_time"], record["total_parking_time"]) == (
        Decimal(9), Decimal("1.25"), Decimal("0.5"))
    assert (record["credit"], record["credit_reference_id"]) == (False, None)
    assert record["last_updated"] == datetime(2026, 3, 2, 10, 45, tzinfo=UTC)
    assert record["ocpi_json"] == built.json


def test_an_amount_on_a_half_is_rounded_up_in_the_record_as_in_the_json():
    # peak 0.415: incl. VAT = 1.21 x (3.90 + 3 x 0.415) = 6.22545 exactly; half up 6.2255 (half even: 6.2254)
    built, _ = price_session(completed(), tables(tariff(peak="0.415")), PipelineSettings())
    assert '"total_cost": {"excl_vat": 5.145, "incl_vat": 6.2255}' in built.json
    assert cdr_record(built, completed())["total_cost_incl_vat"] == Decimal("6.2255")


def test_the_records_of_a_credit_and_its_new_cdr():
    first, _ = price_session(completed(), tables(), PipelineSettings())
    issued = reconcile(None, first, CP, TX, FIXED_AT).issued
    fixed, _ = price_session(completed(), tables(tariff(peak="0.45", last_updated="2026-03-10T08:00:00Z")),
                             PipelineSettings())
    credit, new = (cdr_record(c, completed()) for c in reconcile(issued, fixed, CP, TX, FIXED_AT).send)
    assert (credit["id"], credit["credit"], credit["credit_reference_id"]) == ("CP-7-42-C", True, "CP-7-42")
    assert (credit["total_cost_excl_vat"], credit["total_cost_incl_vat"]) == (Decimal("-5.1"), Decimal("-6.171"))
    assert credit["total_energy"] == Decimal(9)  # only total_cost is negated (mod_cdrs, Credit CDRs)
    assert credit["start_date_time"] == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert credit["last_updated"] == new["last_updated"] == FIXED_AT
    assert (new["id"], new["total_cost_excl_vat"]) == ("CP-7-42-R1", Decimal("5.25"))


def test_session_key_and_parked_round_trip():
    assert session_key(completed()) == b"CP-7|42"
    parked = Parked(1_700_000_000.25, "unknown token 'X'", b"CP-7", b"\x00\x01avro")
    assert Parked.from_bytes(parked.to_bytes()) == parked


def never() -> bool:
    return False


def always() -> bool:
    return True


def test_a_parked_session_is_looked_at_with_a_growing_delay():
    schedule = RetrySchedule(wait_s=3600)
    looks = []

    def look() -> bool:
        looks.append(clock)
        return False

    for clock in (0, 0.4, 0.5, 1.0, 1.5, 2.0, 3.4, 3.5, 7.0, 7.5):
        assert not schedule.due(b"k", since=0, now=clock, clock=clock, resolvable=look)
    assert looks == [0, 0.5, 1.5, 3.5, 7.5]


def test_the_delay_between_looks_stops_growing():
    schedule = RetrySchedule(wait_s=1e9)
    looks = []
    clock = 0.0
    while clock < 300:
        schedule.due(b"k", 0, clock, clock, lambda: looks.append(clock) or False)  # noqa: B023
        clock += 0.5
    gaps = [b - a for a, b in zip(looks, looks[1:], strict=False)]
    assert max(gaps) == CHECK_AT_MOST_EVERY_S


def test_a_resolvable_session_is_sent_and_not_again_until_it_came_back_or_a_while_passed():
    schedule = RetrySchedule(wait_s=3600)
    assert schedule.due(b"k", 0, 1, 1, always)
    schedule.sent(b"k", 1)
    assert not schedule.due(b"k", 0, 2, 2, always)
    assert schedule.due(b"k", 0, 1 + RESEND_AFTER_S, 1 + RESEND_AFTER_S, always)
    schedule.came_back(b"k")
    assert schedule.due(b"k", 0, 3, 3, always)


def test_after_the_wait_a_session_is_sent_without_a_look_up():
    schedule = RetrySchedule(wait_s=30)
    assert schedule.due(b"k", since=100, now=130, clock=5, resolvable=never)


def test_forgotten_keys_start_afresh():
    schedule = RetrySchedule(wait_s=3600)
    schedule.due(b"k", 0, 0, 0, never)  # next look at 0.5
    schedule.keep_only([])
    assert schedule.due(b"k", 0, 0.1, 0.1, always)
