"""Order and duplicates: natural keys, never message ids; an emitted session is never reopened."""

from roamstream.sessions import Params, apply, drain, expire, initial

from .fixtures import CP, SETTLED, at, run, run_stepwise, sample, session_16, status, tx_event


def _201(kind, minute, seq, **kw):
    return tx_event(kind, minute, version="2.0.1", tx="T-9", evse=1, seq=seq, **kw)


def test_16_duplicate_stop_with_a_new_message_id_is_one_stop():
    events = session_16()
    events.append({**events[-1], "message_id": "retry", "received_at": at(31)})
    state, [record], _ = run_stepwise(events)
    assert record["flags"] == [] and record["end"] == at(30)


def test_201_two_ended_events_keep_the_first():
    events = [_201("STARTED", 0, 0, meter="0"), _201("UPDATED", 5, 1, samples=[sample(5, "500")]),
              _201("ENDED", 10, 2, meter="1000"), _201("ENDED", 11, 3, meter="1100")]
    _, [record], _ = run(events)
    assert record["end"] == at(10) and record["meter_stop_wh"] == "1000"
    assert "duplicate_stop" in record["flags"]
    _, [reversed_record], _ = run(events[::-1])
    assert reversed_record == record


def test_201_repeated_seq_no_is_dropped():
    events = [_201("STARTED", 0, 0, meter="0"), _201("UPDATED", 5, 1, samples=[sample(5, "500")]),
              _201("UPDATED", 5, 1, samples=[sample(5, "500")], message_id="other"),
              _201("ENDED", 10, 2, meter="1000")]
    state, [record], _ = run(events)
    assert state["stats"]["dup"] == 1
    assert [p["energy_wh"] for p in record["samples"]] == ["0", "500", "1000"]


def test_16_start_retried_under_another_transaction_id_is_one_session():
    first = tx_event("STARTED", 0, tx="100", meter="0", received=0.1)
    retry = {**first, "transaction_id": "200", "message_id": "retry", "received_at": at(0.5)}
    mid = tx_event("UPDATED", 5, tx="200", samples=[sample(5, "300")])
    stop = tx_event("ENDED", 10, tx="200", meter="600")
    for order in ([first, retry, mid, stop], [stop, mid, retry, first], [retry, stop, first, mid]):
        state, [record], _ = run(order)
        assert record["transaction_id"] == "100" and record["session_id"] == "CP1-100"
        assert [p["energy_wh"] for p in record["samples"]] == ["0", "300", "600"]
        assert record["flags"] == [] and record["estimated"] is False
        assert state["alias"] == {"200": "100"}


def test_samples_are_deduplicated_by_time_measurand_and_phase_across_contexts():
    events = session_16(stop=30)
    events[-1]["samples"] = [sample(30, "4000", context="Transaction.End"), sample(20, "3000")]
    _, [record], _ = run(events)
    assert [p["energy_wh"] for p in record["samples"]] == ["0", "1000", "2000", "3000"]


def test_conflicting_duplicate_samples_keep_the_larger_value_and_are_flagged():
    events = session_16(stop=30)
    late = tx_event("UPDATED", 10, samples=[sample(10, "2050")])
    _, [one], _ = run([*events, late])
    _, [other], _ = run([late, *events])
    assert one == other and "conflicting_samples" in one["flags"]
    assert one["samples"][1]["energy_wh"] == "1050"


def test_offline_meter_values_delivered_after_the_stop_still_count():
    events = session_16(stop=30)
    periodic = events[1:-1]
    _, completed, _ = run_stepwise([events[0], events[-1], *reversed(periodic)])
    assert completed == run(events)[1]
    assert len(completed[0]["samples"]) == 4


def test_end_meter_values_after_the_stop_change_nothing():
    events = session_16(stop=30)
    after = tx_event("UPDATED", 30.1, samples=[sample(30, "4000", context="Transaction.End")])
    assert run_stepwise([*events, after])[1] == run(events)[1]


def test_an_emitted_session_is_never_reopened_or_changed():
    params = Params()
    state = initial(CP)
    for event in session_16(stop=30):
        apply(state, event)
    state, outputs = drain(expire(state, at(30) + SETTLED, params), params)
    assert [o.kind for o in outputs] == ["snapshot", "completed"]
    for late in (tx_event("UPDATED", 15, samples=[sample(15, "1500")], offline=True),
                 tx_event("ENDED", 31, meter="9999", message_id="again"),
                 tx_event("STARTED", 0, meter="1000", message_id="again")):
        state, outputs = drain(apply(state, late), params)
        assert outputs == []
    assert state["open"] == {} and state["stats"]["late"] == 3


def test_late_events_for_the_span_count_until_the_session_is_completed():
    events = session_16(stop=30)
    state = initial(CP)
    for event in events[:1] + events[-1:]:
        state, outputs = drain(apply(state, event), Params())
        assert not [o for o in outputs if o.kind == "completed"]
    for event in events[1:-1]:
        apply(state, event)
    state, outputs = drain(expire(state, at(30) + SETTLED), Params())
    [record] = [o.record for o in outputs if o.kind == "completed"]
    assert [p["energy_wh"] for p in record["samples"]] == ["0", "1000", "2000", "3000"]


def test_201_two_started_events_keep_the_first_by_time_and_seq_no():
    events = [_201("STARTED", 0, 0, meter="100"), _201("STARTED", 0, 1, meter="099"),
              _201("ENDED", 10, 2, meter="1000"), status(10, "Available", evse=1)]
    for order in (events, events[::-1]):
        _, [record], _ = run(order)
        assert record["meter_start_wh"] == "100" and "duplicate_start" in record["flags"]
