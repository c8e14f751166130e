"""Parking (charging=false): charging states / statuses, else zero deltas, else stop -> Available."""

from datetime import timedelta

from roamstream.sessions import Params

from .fixtures import at, run, sample, session_16, status, tx_event


def _flags(record):
    return [(p["timestamp"], p["charging"]) for p in record["samples"]]


def test_201_charging_states_make_parking_intervals():
    def ev(kind, minute, seq, state, value):
        return tx_event(kind, minute, version="2.0.1", tx="p", evse=1, seq=seq, charging_state=state,
                        samples=[sample(minute, value)])

    events = [ev("STARTED", 0, 0, "Charging", "0"), ev("UPDATED", 10, 1, "Charging", "1000"),
              ev("UPDATED", 20, 2, "SuspendedEV", "2000"), ev("UPDATED", 30, 3, "EVConnected", "2000"),
              ev("ENDED", 40, 4, "EVConnected", "2000")]
    _, [r], _ = run(events)
    assert _flags(r) == [(at(0), True), (at(10), True), (at(20), False), (at(30), False), (at(40), False)]


def test_16_status_notifications_make_parking_intervals():
    events = session_16(stop=40, every=10) + [status(0, "Charging"), status(25, "SuspendedEV"),
                                              status(35, "Charging"), status(40, "Finishing")]
    _, [r], _ = run(events)
    assert _flags(r) == [(at(0), True), (at(10), True), (at(20), True), (at(25), False), (at(30), False),
                         (at(35), True), (at(40), False)]
    assert r["samples"][3]["energy_wh"] == "2000"  # carried forward from the 20-minute reading


def test_zero_register_deltas_are_parking_without_charging_information():
    events = [tx_event("STARTED", 0, meter="0")]
    events += [tx_event("UPDATED", m, samples=[sample(m, "900")]) for m in (10, 20, 30)]
    events.append(tx_event("ENDED", 40, meter="900"))
    _, [r], _ = run(events)
    assert _flags(r) == [(at(0), True), (at(10), False), (at(20), False), (at(30), False), (at(40), False)]


def test_charging_states_take_precedence_over_zero_deltas():
    events = [tx_event("STARTED", 0, meter="0"), tx_event("UPDATED", 10, samples=[sample(10, "0")]),
              tx_event("ENDED", 20, meter="500"), status(0, "Charging")]
    _, [r], _ = run(events)
    assert _flags(r) == [(at(0), True), (at(10), True), (at(20), False)]


def test_without_charging_information_the_session_runs_until_available():
    events = [tx_event("STARTED", 0, meter="0"), tx_event("ENDED", 30, meter="5000"), status(75, "Available")]
    _, [r], _ = run(events)
    assert r["end"] == at(75) and r["meter_stop_wh"] == "5000"
    assert _flags(r) == [(at(0), True), (at(30), False), (at(75), False)]
    assert [p["energy_wh"] for p in r["samples"]] == ["0", "5000", "5000"]


def test_without_charging_information_or_available_the_session_waits_then_ends_at_the_stop():
    events = [tx_event("STARTED", 0, meter="0"), tx_event("ENDED", 30, meter="5000")]
    params = Params(parking_wait=timedelta(hours=1))
    assert run(events, params, now=at(89))[1] == []
    _, [r], _ = run(events, params, now=at(90))
    assert r["end"] == at(30) and r["estimated"] is False


def test_timeline_points_only_where_charging_actually_changes():
    def ev(kind, minute, seq, state, **kw):
        return tx_event(kind, minute, version="2.0.1", tx="p", evse=1, seq=seq, charging_state=state, **kw)

    events = [ev("STARTED", 0, 0, "Charging", meter="0"), ev("UPDATED", 3, 1, "Charging"),
              ev("UPDATED", 6, 2, "SuspendedEV"), ev("UPDATED", 7, 3, "SuspendedEVSE"),
              ev("UPDATED", 8, 4, "Charging"), ev("ENDED", 10, 5, "EVConnected", meter="900")]
    _, [r], _ = run(events)
    assert _flags(r) == [(at(0), True), (at(6), False), (at(8), True), (at(10), False)]
