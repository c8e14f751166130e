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


def test_exact_completed_record_of_a_16_session_with_a_pause():
    events = [
        tx_event("STARTED", 0, tx="41", meter="12000.5"),
        status(0, "Charging"),
        tx_event("UPDATED", 15, tx="41", samples=[sample(15, "14750.5"), sample(15, "11000", "Power.Active.Import"),
                                                  sample(15, "16", "Current.Import", phase="L1")]),
        status(20, "SuspendedEV"),
        tx_event("UPDATED", 30, tx="41", samples=[sample(30, "15600.5"), sample(30, "0", "Power.Active.Import")]),
        tx_event("ENDED", 45, tx="41", meter="15600.5", stop_reason="EVDisconnected",
                 samples=[sample(45, "15600.5", context="Transaction.End")]),
        status(45, "Available"),
    ]

    def point(minute, energy, charging, power=None, current=None):
        return {"timestamp": at(minute), "energy_wh": energy, "power_w": power, "current_a": current,
                "charging": charging}

    _, [record], _ = run(events)
    assert record == {
        "session_id": "CP1-41", "charge_point_id": "CP1", "transaction_id": "41", "connector_id": 1,
        "evse_id": None, "id_tag": "TAG1", "start": at(0), "end": at(45), "meter_start_wh": "12000.5",
        "meter_stop_wh": "15600.5", "estimated": False, "flags": [],
        "samples": [point(0, "0", True), point(15, "2750.0", True, "11000", "16"), point(20, "2750.0", False),
                    point(30, "3600.0", False, "0"), point(45, "3600.0", False)],
        "auth_method": None, "authorization_reference": None,  # no event carried the charger's decision
    }
