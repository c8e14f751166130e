"""The memos that spare a session's snapshots the work the previous ones did (the meter table's parsed entries,
``from_us``, the running kWh, each open session's timeline so far: ``TimelineMemo``, the charging periods built so far:
``PeriodsMemo``) are derived data: with no memo at all (as the code was before them) and with them kept (warm, also
from earlier runs of the same sessions: a replay), the fold's outputs and the snapshots' periods and cost are the
same, byte for byte (``repr`` tells Decimal('1.0') from Decimal('1.00')); the state goes through JSON after every
event, as the agent stores it."""

import json
import sys
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roamstream.cdrs.session_periods import PeriodsMemo, session_periods
from roamstream.ocpi import jsonio
from roamstream.sessions import Params, apply, drain, finish, initial, samples, timeline_memo
from roamstream.sessions.state import from_us
from roamstream.tariffs import TariffCache
from roamstream.tariffs.exceptions import TariffEngineError
from tests.cdrs.cdr_fixtures import location_model, tariff

from .fixtures import CP, sample, status, tx_event
from .test_properties import session_events

OFTEN = Params(snapshot_every=timedelta(minutes=1), snapshot_kwh=Decimal("0.001"))
COMPILED = TariffCache().get(tariff())  # its peak starts at minute 120 of the fixtures' clock: a time cut
LOCATION = location_model()
#: the warm traces' periods memo, kept across them (and across examples, whose sessions share their ids)
PERIODS = PeriodsMemo()


@contextmanager
def _no_memo():
    """The memoised parsing replaced by what it memoises (``from_us``'s memo cleared at every step), no timeline
    memo."""
    drain_module = sys.modules["roamstream.sessions.drain"]
    saved, saved_timelines = samples.entry_readings, timeline_memo.MEMO
    saved_kwh, saved_decimal = drain_module._kwh, drain_module._decimal
    samples.entry_readings = samples.entry_readings.__wrapped__
    drain_module._kwh, drain_module._decimal = saved_kwh.__wrapped__, saved_decimal.__wrapped__
    timeline_memo.MEMO = None
    try:
        yield
    finally:
        samples.entry_readings, timeline_memo.MEMO = saved, saved_timelines
        drain_module._kwh, drain_module._decimal = saved_kwh, saved_decimal


def _periods(snapshot: dict, memo: PeriodsMemo | None) -> str:
    try:
        built = session_periods(snapshot, LOCATION, COMPILED, memo)
    except TariffEngineError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "None" if built is None else jsonio.dumps({"periods": built[0], "cost": built[1]})


def _trace(events: list[dict], memo: bool) -> list[str]:
    """Every output of folding ``events`` as the agent does (state through JSON after each event), then finish;
    each snapshot's periods and cost; without any memo unless ``memo``."""
    if not memo:
        with _no_memo():
            return _fold(events, forget=True, periods=None)
    return _fold(events, forget=False, periods=PERIODS)


def _fold(events: list[dict], forget: bool, periods: PeriodsMemo | None) -> list[str]:
    state, out = initial(CP), []
    for event in [*events, None]:
        if forget:
            from_us.cache_clear()
        if event is None:
            state, outputs = finish(state, OFTEN)
        else:
            state, outputs = drain(apply(state, event), OFTEN)
        for output in outputs:
            out.append(repr(output))
            if output.kind == "snapshot":
                out.append(_periods(output.record, periods))
        state = json.loads(json.dumps(state))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_outputs_do_not_depend_on_what_is_memoised(data):
    events = data.draw(session_events())
    cold = _trace(events, memo=False)
    assert _trace(events, memo=True) == cold
    assert _trace(events, memo=True) == cold  # everything memoised by now


def test_a_long_session_across_a_time_cut_with_pooled_samples_and_phases(monkeypatch):
    events = [tx_event("STARTED", 60, meter="1000")]
    meter = 1000
    for minute in range(61, 200, 3):
        meter += 150
        samples = [sample(minute, str(meter)), sample(minute, "7.5", "Current.Import", phase="L1"),
                   sample(minute, "7.50", "Current.Import", phase="L2")]
        events.append(tx_event("UPDATED", minute, tx=None if minute % 2 else "1", samples=samples))
        if minute == 121:
            events.append(status(121, "SuspendedEV"))
        if minute == 151:
            events.append(status(151, "Charging"))
    events.append(tx_event("ENDED", 200, meter=str(meter + 100), stop_reason="Local"))
    cold = _trace(events, memo=False)
    assert sum(line.startswith("Output(kind='snapshot'") for line in cold) > 20
    assert sum(line.startswith('{"periods": [{') for line in cold) > 10
    memo = PeriodsMemo()
    monkeypatch.setattr(sys.modules[__name__], "PERIODS", memo)
    assert _trace(events, memo=True) == cold
    assert memo.built == 1 and memo.resumed > 40  # each snapshot took up the last one's builder
