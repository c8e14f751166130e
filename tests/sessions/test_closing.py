"""Missing stops: next start on the connector, Available with no transaction, inactivity horizon."""

from datetime import timedelta

from roamstream.sessions import Params, apply, drain, expire, initial, next_due

from .fixtures import CP, at, run, sample, session_16, status, tx_event

GRACE = Params().close_grace


def _unstopped(tx="1", connector=1, start=0, last=20):
    return [tx_event("STARTED", start, tx=tx, meter="0", connector=connector),
            tx_event("UPDATED", last, tx=tx, connector=connector, samples=[sample(last, "2000")])]


def test_next_start_on_the_connector_closes_an_unstopped_session_as_estimated():
    events = _unstopped() + [tx_event("STARTED", 30, tx="2", meter="2000")]
    assert run(events, now=at(30) + GRACE - timedelta(seconds=1))[1] == []
    _, [r], _ = run(events, now=at(30) + GRACE)
    assert r["transaction_id"] == "1" and r["estimated"] is True
    assert r["end"] == at(20) and "missing_stop" in r["flags"]
    assert r["meter_stop_wh"] == "2000"


def test_a_start_on_another_connector_does_not_close_it():
    events = _unstopped() + [tx_event("STARTED", 30, tx="2", meter="0", connector=2)]
    assert run(events, now=at(40))[1] == []


def test_a_stop_arriving_within_the_grace_wins_over_the_next_start():
    events = [*_unstopped(), tx_event("STARTED", 30, tx="2", meter="2000"),
              tx_event("ENDED", 25, meter="2500")]
    _, [r], _ = run(events, now=at(40))
    assert r["estimated"] is False and r["end"] == at(25)


def test_available_with_no_transaction_closes_it():
    events = _unstopped() + [status(22, "Available")]
    _, [r], _ = run(events, now=at(22) + GRACE)
    assert r["estimated"] is True and r["end"] == at(20)


def test_available_before_the_sessions_last_event_does_not_close_it():
    events = _unstopped() + [status(10, "Available")]
    assert run(events, now=at(60))[1] == []


def test_inactivity_horizon_in_event_time_closes_it():
    params = Params(horizon=timedelta(hours=2))
    assert run(_unstopped(), params, now=at(20 + 119))[1] == []
    _, [r], _ = run(_unstopped(), params, now=at(20 + 120))
    assert r["estimated"] is True and r["end"] == at(20)


def test_the_real_stop_after_an_estimated_close_is_dropped():
    state = initial(CP)
    for event in _unstopped() + [tx_event("STARTED", 30, tx="2", meter="2000")]:
        apply(state, event)
    state, outputs = drain(expire(state, at(40)))
    assert [o.record["estimated"] for o in outputs if o.kind == "completed"] == [True]
    state, outputs = drain(apply(state, tx_event("ENDED", 25, meter="2500", offline=True)))
    assert [o for o in outputs if o.kind == "completed"] == [] and state["stats"]["late"] == 1


def test_a_stop_without_its_start_waits_for_it():
    events = session_16(stop=30)
    stop_first = [events[-1], *events[1:-1]]
    assert run(stop_first, now=at(30) + GRACE - timedelta(seconds=1))[1] == []
    assert run([*stop_first, events[0]], now=at(35))[1] == run(events, now=at(35))[1]


def test_a_stop_whose_start_never_comes_is_completed_as_estimated():
    _, [r], _ = run(session_16(stop=30)[1:], now=at(30) + GRACE)
    assert r["estimated"] is True and "missing_start" in r["flags"]
    assert r["start"] == at(10) and r["end"] == at(30)
    assert r["id_tag"] == "TAG1" and r["connector_id"] == 1  # from the StopTransaction


def test_next_due_tells_a_timer_when_a_charge_point_needs_visiting():
    params = Params(settle=timedelta(minutes=10))
    state = initial(CP)
    assert next_due(state, params) is None
    for event in _unstopped():
        apply(state, event)
    assert next_due(state, params) == at(20) + params.horizon
    apply(state, tx_event("STARTED", 30, tx="2", meter="2000"))
    assert next_due(state, params) == at(30) + GRACE
    apply(state, tx_event("ENDED", 25, meter="2500"))
    due = next_due(state, params)
    assert due == at(35)
    state, outputs = drain(expire(state, due - timedelta(microseconds=1), params), params)
    assert not [o for o in outputs if o.kind == "completed"]
    state, outputs = drain(expire(state, due, params), params)
    assert [o.record["transaction_id"] for o in outputs if o.kind == "completed"] == ["1"]
