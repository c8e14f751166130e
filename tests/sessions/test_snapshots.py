"""Snapshots: on start, then at most every N minutes or M kWh of event time, and at the end."""

import json
from datetime import timedelta
from decimal import Decimal

from roamstream.sessions import Params
from roamstream.sessions.timeline import samples_so_far

from .fixtures import at, run_stepwise, sample, session_16, tx_event


def test_snapshots_on_start_every_interval_and_at_the_end():
    params = Params(snapshot_every=timedelta(minutes=15), snapshot_kwh=Decimal("100"))
    events = session_16(stop=60, every=5, per_minute=10)
    _, _, snapshots = run_stepwise(events, params)
    assert [(s["reason"], s["last_event"]) for s in snapshots] == [
        ("start", at(0)), ("interval", at(15)), ("interval", at(30)), ("interval", at(45)), ("end", at(60))]
    assert [s["status"] for s in snapshots] == ["ACTIVE"] * 4 + ["COMPLETED"]
    assert snapshots[1]["kwh"] == Decimal("0.15") and snapshots[-1]["kwh"] == Decimal("0.6")
    assert snapshots[-1]["end"] == at(60) and snapshots[0]["end"] is None


def test_snapshots_every_energy_step():
    params = Params(snapshot_every=timedelta(hours=5), snapshot_kwh=Decimal("2"))
    events = session_16(stop=60, every=5, per_minute=100)  # 0.5 kWh per reading
    _, _, snapshots = run_stepwise(events, params)
    assert [(s["reason"], s["kwh"]) for s in snapshots] == [
        ("start", 0), ("energy", Decimal("2")), ("energy", Decimal("4")), ("end", Decimal("6"))]


def test_snapshot_shape():
    _, _, [first, *_] = run_stepwise(session_16())
    assert set(first) == {"session_id", "charge_point_id", "transaction_id", "connector_id", "evse_id",
                          "id_tag", "status", "start", "end", "kwh", "last_event", "estimated", "reason",
                          "auth_method", "authorization_reference", "samples"}
    assert isinstance(first["kwh"], Decimal)


def test_an_active_snapshot_carries_the_timeline_so_far_up_to_its_latest_reading():
    params = Params(snapshot_every=timedelta(minutes=15), snapshot_kwh=Decimal("100"))
    events = session_16(stop=60, every=10, per_minute=10)
    _, [completed], snapshots = run_stepwise(events, params)
    final = [(p["timestamp"], p["energy_wh"], p["charging"]) for p in completed["samples"]]
    assert snapshots[-1]["samples"] == completed["samples"]
    for snapshot in snapshots[:-1]:
        so_far = [(p["timestamp"], p["energy_wh"], p["charging"]) for p in snapshot["samples"]]
        assert so_far[-1][0] == snapshot["last_event"]  # every event here is a reading
        # the points before the latest reading are the completed timeline's; the last one's ``charging`` (from
        # it on) is not known yet
        assert so_far[:-1] == final[: len(so_far) - 1]
        assert so_far[-1][:2] == final[len(so_far) - 1][:2]
    assert [len(s["samples"]) for s in snapshots] == [1, 3, 5, 7]


def test_a_snapshot_leaves_out_what_came_after_the_latest_reading():
    events = session_16(stop=60, every=10, per_minute=10)[:3]  # start, readings at 10 and 20
    events.append(tx_event("UPDATED", 25, samples=[sample(25, "6000", "Power.Active.Import")]))  # no register
    state, _, _ = run_stepwise(events, now=at(25))
    session = state["open"]["1"]
    assert session["last"] > session["energy_last"][0]
    before = json.dumps(state, sort_keys=True)
    assert [p["timestamp"] for p in samples_so_far(state, session)] == [at(0), at(10), at(20)]
    assert json.dumps(state, sort_keys=True) == before  # the state is not changed
