"""Any permutation and duplication of a session's events yields the same completed session."""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .fixtures import at, run, run_stepwise, sample, status, tx_event

CHARGING_STATES = ["Charging", "EVConnected", "SuspendedEV", "SuspendedEVSE", "Idle", None]
STATUSES = ["Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Preparing"]


@st.composite
def session_events(draw):
    """One session's events as faulty chargers send them (plus its connector's statuses)."""
    version = draw(st.sampled_from(["1.6", "2.0.1"]))
    start = draw(st.integers(0, 60))
    meter = draw(st.integers(0, 10**6))
    seq = iter(range(1000))
    retry = version == "1.6" and draw(st.booleans())
    ids = ["100", "200"] if retry else ["100"]

    def ev(kind, minute, **kw):
        if version == "2.0.1":
            kw.update(evse=1, seq=next(seq), charging_state=draw(st.sampled_from(CHARGING_STATES)))
            kw.setdefault("tx", "100")
        else:
            kw.setdefault("tx", draw(st.sampled_from(ids)))
        return tx_event(kind, minute, version=version, **kw)

    start_meter = str(meter) if version == "1.6" or draw(st.booleans()) else None
    events = [ev("STARTED", start, tx="100", meter=start_meter, received=start + 0.1,
                 samples=[sample(start, str(meter), context="Transaction.Begin")])]
    if retry:
        events.append({**events[0], "transaction_id": "200", "message_id": "retry",
                       "received_at": at(start + 1)})
    t = start
    for gap, step in draw(st.lists(st.tuples(st.integers(1, 20), st.integers(-3000, 5000)), max_size=6)):
        t, meter = t + gap, max(0, meter + step)
        samples = [sample(t, str(meter))]
        if draw(st.booleans()):
            samples.append(sample(t, str(draw(st.integers(0, 22000))), "Power.Active.Import"))
        without_tx = version == "1.6" and draw(st.booleans())  # 1.6 MeterValues may lack it
        events.append(ev("UPDATED", t, samples=samples, **({"tx": None} if without_tx else {})))
    stop = t + draw(st.integers(1, 20))
    meter += draw(st.integers(0, 3000))
    stop_meter = str(meter) if version == "1.6" or draw(st.booleans()) else None
    events.append(ev("ENDED", stop, meter=stop_meter, stop_reason="EVDisconnected",
                     samples=[sample(stop, str(meter), context="Transaction.End")]))
    if draw(st.booleans()):  # a second stop: 1.6 a retry, 2.0.1 another Ended with the next seqNo
        if version == "2.0.1":
            later = stop + draw(st.integers(0, 2))
            events.append({**events[-1], "message_id": "again", "seq_no": next(seq), "timestamp": at(later),
                           "received_at": at(later + 0.2)})
        else:
            events.append({**events[-1], "message_id": "again", "received_at": at(stop + 0.2)})
    if draw(st.booleans()):  # Transaction.End MeterValues after the stop
        end_sample = sample(stop, str(meter), context="Transaction.End")
        events.append(ev("UPDATED", stop + 0.1, samples=[end_sample]))
    for minute in draw(st.lists(st.integers(start, stop), max_size=3)):
        events.append(status(minute, draw(st.sampled_from(STATUSES))))
    if draw(st.booleans()):
        events.append(status(stop + draw(st.integers(0, 30)), "Available"))
    return events


def _retried(event, n):
    """The same event sent again: new message id, received later, offline."""
    return {**event, "message_id": f"dup{n}", "received_at": event["received_at"] + timedelta(seconds=n + 1),
            "offline": True}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_permutation_and_duplication_yields_the_same_completed_session(data):
    events = data.draw(session_events())
    now = max(e["timestamp"] for e in events) + timedelta(hours=5)
    _, reference, _ = run(events, now=now)
    assert len(reference) == 1
    again = data.draw(st.lists(st.sampled_from(events), max_size=4))
    duplicates = [_retried(e, n) for n, e in enumerate(again)]
    mixed = data.draw(st.permutations(events + duplicates))
    assert run(mixed, now=now)[1] == reference
    assert run_stepwise(mixed, now=now)[1] == reference
