"""A Session's charging periods from the fold's snapshots: cut by the tariff engine as the CDR's are, only closed
periods while ACTIVE (append-only), every period (the CDR's) once COMPLETED."""

import json
from datetime import timedelta
from decimal import Decimal

from roamstream.cdrs.assemble import build_cdr
from roamstream.cdrs.session_periods import PeriodsMemo, session_periods
from roamstream.ocpi import jsonio
from roamstream.ocpi.location import Location
from roamstream.sessions import Params
from roamstream.tariffs import TariffCache
from tests.cdrs.cdr_fixtures import CPO, location, location_model, tariff, token_model
from tests.sessions.fixtures import at, run_stepwise, sample, status, tx_event

# The fixtures' clock starts at 08:00 UTC (09:00 in Amsterdam); the tariff's peak starts at 11:00 local: minute 120.
TARIFF = tariff()
COMPILED = TariffCache().get(TARIFF)
LOCATION = location_model()
EVERY_15 = Params(snapshot_every=timedelta(minutes=15), snapshot_kwh=Decimal("1000"))


def _session(cp: str = "CP-7") -> list[dict]:
    """Charging from minute 60 to 240 (6 kWh an hour), a pause (SuspendedEV) from 180 to 200."""
    events = [tx_event("STARTED", 60, meter="1000", cp=cp)]
    meter = 1000
    for minute in range(70, 240, 10):
        if not 180 < minute <= 200:
            meter += 1000
        events.append(tx_event("UPDATED", minute, cp=cp, samples=[sample(minute, str(meter))]))
        if minute == 180:
            events.append(status(180, "SuspendedEV", cp=cp))
        if minute == 200:
            events.append(status(200, "Charging", cp=cp))
    events.append(tx_event("ENDED", 240, meter=str(meter + 1000), stop_reason="Local", cp=cp))
    return events


def _built():
    _, [completed], snapshots = run_stepwise(_session("CP-7"), EVERY_15, cp="CP-7")
    cdr = build_cdr(completed, token_model(), LOCATION, TARIFF, COMPILED, CPO)
    return completed, snapshots, json.loads(cdr.json, parse_float=Decimal)


def _periods(snapshot: dict) -> list:
    built = session_periods(snapshot, LOCATION, COMPILED)
    return [] if built is None else json.loads(jsonio.dumps(built[0]), parse_float=Decimal)


def test_the_completed_session_has_exactly_the_cdrs_periods_and_cost():
    _, snapshots, cdr = _built()
    final = snapshots[-1]
    assert final["status"] == "COMPLETED"
    assert len(cdr["charging_periods"]) >= 3  # the peak cut and the pause
    assert _periods(final) == cdr["charging_periods"]
    _, cost = session_periods(final, LOCATION, COMPILED)
    assert json.loads(jsonio.dumps(cost), parse_float=Decimal) == cdr["total_cost"]


def test_active_sessions_carry_only_closed_periods_each_a_prefix_of_the_next():
    _, snapshots, cdr = _built()
    active = [s for s in snapshots if s["status"] == "ACTIVE"]
    assert len(active) >= 8
    sent = [_periods(s) for s in active]
    for earlier, later in zip(sent, [*sent[1:], cdr["charging_periods"]], strict=True):
        assert later[: len(earlier)] == earlier
    counts = [len(p) for p in sent]
    assert counts[0] == 0 and counts == sorted(counts) and counts[-1] >= 2
    # the period before the 11:00 cut is sent only once the cut has passed, and then as the CDR will have it
    assert all(not p for s, p in zip(active, sent, strict=True) if s["last_event"] <= at(120))
    after_cut = next(p for s, p in zip(active, sent, strict=True) if s["last_event"] > at(120))
    assert after_cut == cdr["charging_periods"][:1]
    assert after_cut[0]["start_date_time"] == "2026-03-02T09:00:00Z"


def test_the_open_period_is_priced_in_the_running_cost_but_not_sent():
    _, snapshots, _ = _built()
    snapshot = next(s for s in snapshots if s["status"] == "ACTIVE" and s["last_event"] == at(100))
    periods, cost = session_periods(snapshot, LOCATION, COMPILED)
    assert periods == []  # one period so far, still growing
    # 09:00-09:40 UTC, off-peak: 0.50 + 4 kWh x 0.25 + 40 min x 1.20/h = 2.30
    assert cost["excl_vat"] == Decimal("2.30")


def test_a_session_just_started_has_no_period_yet():
    _, _, snapshots = run_stepwise(_session("CP-7")[:1], EVERY_15, cp="CP-7")
    assert snapshots[0]["samples"] and session_periods(snapshots[0], LOCATION, COMPILED) is None


def test_a_memo_takes_up_a_builder_only_for_the_same_tariff_zone_and_start():
    """What a session's previous snapshot left in the memo is used only where it was built as this one would be:
    another tariff version (its peak from 10:40), time zone or start builds anew, with the periods of a build
    from the whole timeline."""
    _, snapshots, _ = _built()
    snapshot = next(s for s in snapshots if s["status"] == "ACTIVE" and s["last_event"] >= at(150))
    earlier = {**snapshot, "samples": snapshot["samples"][:-2]}
    other = tariff(last_updated="2026-03-01T12:00:00Z")
    other["elements"][0]["restrictions"]["start_time"] = "10:40"
    london = Location.model_validate_json(jsonio.dumps({**location(), "time_zone": "Europe/London"}))
    moved = {**snapshot, "start": snapshot["start"] - timedelta(minutes=5)}
    for changed, where, compiled in [(snapshot, LOCATION, TariffCache().get(other)), (snapshot, london, COMPILED),
                                     (moved, LOCATION, COMPILED)]:
        memo = PeriodsMemo()
        session_periods(earlier, LOCATION, COMPILED, memo)
        expected = session_periods(changed, where, compiled)
        assert expected != session_periods(snapshot, LOCATION, COMPILED)  # each change changes the periods
        assert session_periods(changed, where, compiled, memo) == expected
        assert (memo.built, memo.resumed) == (2, 0)
    memo = PeriodsMemo()
    session_periods(earlier, LOCATION, COMPILED, memo)
    assert session_periods(snapshot, LOCATION, COMPILED, memo) == session_periods(snapshot, LOCATION, COMPILED)
    assert (memo.built, memo.resumed) == (1, 1)
