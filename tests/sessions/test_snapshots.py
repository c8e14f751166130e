"""Snapshots: on start, then at most every N minutes or M kWh of event time, and at the end."""

from datetime import timedelta
from decimal import Decimal

from roamstream.sessions import Params

from .fixtures import at, run_stepwise, session_16


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
                          "auth_method", "authorization_reference"}
    assert isinstance(first["kwh"], Decimal)
