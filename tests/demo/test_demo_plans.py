"""The demo's planned days: realistic curves, nothing in the future, stations kept in step. Pure, no stack."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from connectors.ocpp.simulator.plan import charge_point_ids
from roamstream.demo import fleet
from roamstream.demo.curves import plan_day, power_w
from roamstream.demo.drive import SLACK, Lockstep
from roamstream.demo.run import plan_fleet

TAGS = [t["uid"] for t in fleet.tokens("2026-10-01T00:00:00Z")]


def test_power_is_full_then_tapers_towards_full_battery() -> None:
    dc = next(s for s in fleet.SITES if s.power_type == "DC")
    assert power_w(dc, 50.0) == dc.power_w
    assert dc.power_w > power_w(dc, 85.0) > power_w(dc, 95.0) > 0


def test_a_session_charges_then_often_stays_plugged_in_idle() -> None:
    site = fleet.SITES[1]
    day = plan_day("CP-1", site, date(2026, 11, 2), 6, TAGS, register_wh=5_000,
                   free_at=datetime(2026, 11, 1, tzinfo=UTC))
    idle = 0
    for plan in day.plans:
        powers = [r.power_w for r in plan.readings]
        registers = [r.register_wh for r in plan.readings]
        assert registers == sorted(registers) and plan.meter_stop_wh >= registers[-1]
        assert powers[0] == site.power_w
        first_zero = powers.index(0) if 0 in powers else len(powers)
        assert all(p == 0 for p in powers[first_zero:])  # once idle, it stays idle
        idle += first_zero < len(powers)
    assert idle > 0
    starts = [p.started_at for p in day.plans]
    assert all(a.stopped_at < b.started_at for a, b in zip(day.plans, day.plans[1:], strict=False)), starts


def test_a_fleet_spreads_over_the_sites_and_ends_before_the_last_day_is_over() -> None:
    cps = charge_point_ids(6, "DEMO-CP-")
    plans = plan_fleet(cps, date(2026, 11, 1), 3, 3, TAGS)
    end = datetime(2026, 11, 4, tzinfo=UTC)
    assert all(p.stopped_at < end for own in plans.values() for p in own)
    assert sum(len(own) for own in plans.values()) >= 6 * 3 * 2
    assert {fleet.site_of(i).time_zone for i in range(len(cps))} == {
        "Europe/Amsterdam", "Europe/Lisbon", "Europe/Helsinki"}


async def test_lockstep_holds_a_station_until_the_others_are_within_the_slack() -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    clock = Lockstep({"A": t0, "B": t0})
    ahead = asyncio.create_task(clock.reach("A", t0 + SLACK + timedelta(hours=5)))
    await asyncio.sleep(0.05)
    assert not ahead.done()
    await clock.reach("B", t0 + timedelta(hours=4, minutes=30))  # B never waits: it is behind
    await asyncio.sleep(0.05)
    assert not ahead.done()
    await clock.reach("B", t0 + timedelta(hours=5))
    await asyncio.wait_for(ahead, 5)
    await clock.done("B")
    await asyncio.wait_for(clock.reach("A", t0 + timedelta(days=30)), 5)  # a finished station holds nobody
