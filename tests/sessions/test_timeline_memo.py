"""The timeline memo (``timeline_memo.TimelineMemo``) is derived data: folding a session's events with no memo (every
snapshot's timeline made from the whole session, ``timeline.samples_so_far``), with a fresh memo and with one kept
from an earlier run of the same events (a replay) gives the same outputs, byte for byte (``repr``), whatever the
events: samples late or out of order, conflicting duplicates, register resets, pooled samples (1.6 MeterValues
without a transaction id), connector statuses and 2.0.1 charging states arriving at any time. The state goes
through JSON after every event, as the agent stores it."""

import json
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roamstream.sessions import Params, apply, drain, finish, initial, timeline_memo
from roamstream.sessions.timeline import complete, samples_so_far

from .fixtures import CP, sample, status, tx_event
from .test_properties import CHARGING_STATES, STATUSES

OFTEN = Params(snapshot_every=timedelta(minutes=1), snapshot_kwh=Decimal("0.001"))


@contextmanager
def _memo(memo):
    saved = timeline_memo.MEMO
    timeline_memo.MEMO = memo
    try:
        yield memo
    finally:
        timeline_memo.MEMO = saved


def _trace(events: list[dict], memo) -> list[str]:
    with _memo(memo):
        state, out = initial(CP), []
        for event in [*events, None]:
            state, outputs = finish(state, OFTEN) if event is None else drain(apply(state, event), OFTEN)
            out.extend(repr(output) for output in outputs)
            state = json.loads(json.dumps(state))
        return out


@st.composite
def long_session(draw):
    """One session's start and then samples, statuses and charging states, mostly later and later, some late."""
    version = draw(st.sampled_from(["1.6", "2.0.1"]))
    seq = iter(range(1000))

    def ev(kind, minute, **kw):
        if version == "2.0.1":
            kw.update(evse=1, connector=None, seq=next(seq), charging_state=draw(st.sampled_from(CHARGING_STATES)))
        return tx_event(kind, minute, version=version, **kw)

    meter = draw(st.integers(0, 10_000))
    start_meter = draw(st.sampled_from([str(meter), None]))
    events = [ev("STARTED", 10, meter=start_meter, samples=[sample(10, str(meter))] if draw(st.booleans()) else [])]
    minute = 10
    steps = st.tuples(st.sampled_from(["sample", "sample", "sample", "status"]), st.integers(-4, 6),
                      st.one_of(st.just(0), st.integers(-500, 900)), st.booleans(), st.booleans())
    for what, gap, step, power, without_tx in draw(st.lists(steps, min_size=5, max_size=30)):
        at_minute = max(0, minute + gap)
        minute = max(minute, at_minute)
        if what == "status":
            events.append(status(at_minute, draw(st.sampled_from(STATUSES)), evse=1 if version == "2.0.1" else None))
            continue
        meter = max(0, meter + step)
        samples = [sample(at_minute, str(meter))]
        if power:
            samples.append(sample(at_minute, str(draw(st.integers(0, 22_000))), "Power.Active.Import"))
        extra = {"tx": None} if without_tx and version == "1.6" else {}
        events.append(ev("UPDATED", at_minute, samples=samples, **extra))
    if draw(st.booleans()):
        # a 1.6 stop's transaction data: registers at the start (a power sample there too, at times) and the stop
        data = draw(st.sampled_from([[], [sample(10, str(events[0]["meter_wh"] or 0))],
                                     [sample(10, "0"), sample(10, "7000", "Power.Active.Import")]]))
        stop_meter = draw(st.sampled_from([str(meter + 10), None]))
        events.append(ev("ENDED", minute + 1, meter=stop_meter, stop_reason="Local",
                         samples=[*data, sample(minute + 1, str(meter + 10))] if data else []))
    return events


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=long_session())
def test_timelines_do_not_depend_on_the_memo(events):
    cold = _trace(events, None)
    memo = timeline_memo.TimelineMemo()
    assert _trace(events, memo) == cold
    assert _trace(events, memo) == cold  # a replay with the memo still holding the first run's timelines
    assert _trace(events, timeline_memo.TimelineMemo(max_items=8)) == cold  # held timelines dropped early


def _steady(minutes: int, late_at: int | None = None) -> list[dict]:
    """A 1.6 session with a register reading and a power sample every minute; with ``late_at``, the reading of
    minute 5 corrected (a larger value at the same time) at that minute."""
    events = [tx_event("STARTED", 0, meter="1000")]
    for minute in range(1, minutes):
        events.append(tx_event("UPDATED", minute, samples=[sample(minute, str(1000 + 100 * minute)),
                                                           sample(minute, "7000", "Power.Active.Import")]))
        if minute == late_at:
            events.append(tx_event("UPDATED", minute, samples=[sample(5, "1550")]))
    return events


def test_each_snapshot_takes_up_the_previous_timeline():
    events = _steady(30)
    cold = _trace(events, None)
    memo = timeline_memo.TimelineMemo()
    assert _trace(events, memo) == cold
    # made in full: the start's (no register yet), minute 1's (its only register is its last event: whether it
    # charged is told by the energy delivered in all, not held), minute 2's (the first held)
    assert memo.built == 3 and memo.resumed == 27
    assert len(memo._held) == 0  # the completed session was let go


def _stopped(data: list[dict]) -> list[dict]:
    """``_steady(12)`` and its stop at minute 13, with ``data`` (transaction data) on the stop."""
    return [*_steady(12), tx_event("ENDED", 13, meter="2300", stop_reason="Local", samples=data)]


def test_the_completed_record_takes_up_the_timeline():
    """A 1.6 stop's transaction data repeats the start's register: the held timeline is taken up all the same (the
    start's meter value is the start's energy), and the record is the one made from the whole session."""
    for data in ([], [sample(0, "1000"), sample(13, "2300")]):
        events = _stopped(data)
        cold = _trace(events, None)
        memo = timeline_memo.TimelineMemo()
        assert _trace(events, memo) == cold
        assert memo.completed == 1 and len(memo._held) == 0


def test_a_power_sample_at_the_start_makes_the_completed_record_again():
    """A stop bringing the start's power: the start's point changes, so the record is made from the whole session."""
    events = _stopped([sample(0, "1000"), sample(0, "7000", "Power.Active.Import")])
    cold = _trace(events, None)
    memo = timeline_memo.TimelineMemo()
    assert _trace(events, memo) == cold
    assert memo.completed == 0
    assert "'power_w': '7000'" in cold[-1].split("'samples': [", 1)[1].split("}", 1)[0]


def test_a_register_at_a_start_without_meter_value_makes_the_completed_record_again():
    """A start without a meter value starts at the first register reading: one at the start, on the stop, is that."""
    events = _stopped([sample(0, "900")])
    events[0] = tx_event("STARTED", 0)
    cold = _trace(events, None)
    memo = timeline_memo.TimelineMemo()
    assert _trace(events, memo) == cold
    assert memo.completed == 0
    assert "'meter_start_wh': '900'" in cold[-1]


def test_the_memo_completes_what_complete_does():
    state = initial(CP)
    memo = timeline_memo.TimelineMemo()
    for event in _stopped([sample(0, "1000")]):
        state = apply(state, event)
        session = state["open"]["1"]
        if session["stop"] is None:
            memo.samples(state, session)
    assert repr(memo.complete(state, session)) == repr(complete(state, session))
    assert memo.completed == 1


def test_a_late_correction_makes_the_timeline_again():
    events = _steady(30, late_at=20)
    cold = _trace(events, None)
    memo = timeline_memo.TimelineMemo()
    assert _trace(events, memo) == cold
    assert memo.built == 4  # also minute 21's, the snapshot after the correction of minute 5
    assert any("energy_wh': '550'" in line for line in cold)  # the correction is in the timeline


def test_the_memo_answers_what_samples_so_far_does():
    state = initial(CP)
    memo = timeline_memo.TimelineMemo()
    for event in _steady(12):
        state = apply(state, event)
        session = state["open"]["1"]
        assert memo.samples(state, session) == samples_so_far(state, session)
    assert memo.built == 3 and memo.resumed == 9


def test_a_first_status_changes_how_the_earlier_points_charge():
    """Before any connector status, a flat register is parking; once one says Charging, every point before it
    charges (rule 1 over rule 2): the held points are made again."""
    events = [tx_event("STARTED", 0, meter="1000")]
    for minute in range(1, 15):
        value = 1000 if minute < 6 else 1000 + 100 * minute
        events.append(tx_event("UPDATED", minute, samples=[sample(minute, str(value))]))
        if minute == 12:
            events.append(status(12, "Charging"))
    cold = _trace(events, None)
    # minute 8's snapshot: parked until minute 5, and its last point; minute 14's: its last point only
    assert cold[8].count("'charging': False") == 6 and cold[14].count("'charging': False") == 1
    memo = timeline_memo.TimelineMemo()
    assert _trace(events, memo) == cold


def test_sessions_beyond_the_bound_are_let_go_and_made_again():
    """Two sessions side by side on two connectors; a memo that holds only one's timeline at a time."""
    events = []
    for tx, connector in (("1", 1), ("2", 2)):
        events.append(tx_event("STARTED", 0, tx=tx, connector=connector, meter="1000"))
    for minute in range(1, 12):
        for tx, connector in (("1", 1), ("2", 2)):
            events.append(tx_event("UPDATED", minute, tx=tx, connector=connector,
                                   samples=[sample(minute, str(1000 + 100 * minute * connector))]))
    cold = _trace(events, None)
    roomy, tight = timeline_memo.TimelineMemo(), timeline_memo.TimelineMemo(max_items=12)
    assert _trace(events, roomy) == cold
    assert _trace(events, tight) == cold
    assert roomy.built == 6 and roomy.resumed == 18
    assert tight.built > roomy.built and tight.resumed > 0 and len(tight._held) <= 1
