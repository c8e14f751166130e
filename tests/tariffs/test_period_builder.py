"""The resumable charging-period builder: a timeline taken a stretch at a time (its open end revised meanwhile, as a
session's snapshots revise it) gives exactly the periods of a build from the whole timeline, at every step.

Compared as ``repr``, which tells Decimal('1.0') from Decimal('1.00'): the periods must be the same, digit for
digit, or a Session record would change bytes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tariff_data import tariffs
from test_tariff_properties import night_tariffs, windowed_tariffs

from roamstream.ocpi.numbers import round4
from roamstream.tariffs import InvalidSessionDataError, MeterSample, build_charging_periods, compile_tariff
from roamstream.tariffs.build import PeriodBuilder

#: a plain day, and the evenings before the two days a year Amsterdam's clock jumps
DAYS = [datetime(2024, 1, 15, 6, tzinfo=UTC), datetime(2024, 3, 30, 20, tzinfo=UTC),
        datetime(2024, 10, 26, 20, tzinfo=UTC)]
#: the data's tariffs that the engine prices (time, energy, power, duration restrictions, steps)
NAMED = [t for t in tariffs().values() if "tax_included" not in t]
ZONES = ["UTC", "Europe/Amsterdam", "America/New_York"]
amperes = st.none() | st.sampled_from([D(6), D(16), D("16.0"), D(32)])
kilowatts = st.none() | st.integers(0, 22_000).map(lambda n: D(n) / 1000)


@st.composite
def timelines(draw):
    """(session start, samples, session end or None): samples 1 min to 4 h apart over a day or across a DST jump,
    charging or not, with or without power and current; the start at or before the first sample."""
    at = draw(st.sampled_from(DAYS)) + timedelta(minutes=draw(st.integers(0, 1440)), seconds=draw(st.integers(0, 59)),
                                                 microseconds=draw(st.integers(0, 999_999)))
    start = at - timedelta(minutes=draw(st.integers(0, 3)))
    energy = D(draw(st.integers(0, 10**6))) / 1000
    samples = []
    for _ in range(draw(st.integers(1, 14))):
        charging = draw(st.booleans())
        samples.append(MeterSample(at, energy, charging, draw(kilowatts), draw(amperes)))
        minutes = draw(st.integers(1, 240))
        if charging:
            energy += (D(draw(st.integers(0, 22_000))) * minutes / 60 / 1000).quantize(D("0.001"))
        at += timedelta(minutes=minutes, seconds=draw(st.integers(0, 59)))
    end = draw(st.none() | st.integers(0, 300).map(lambda m: samples[-1].timestamp + timedelta(minutes=m)))
    return start, samples, end


def _built(tariff, samples, tz, start, end=None) -> str:
    try:
        return repr(build_charging_periods(tariff, samples, tz, start, end))
    except InvalidSessionDataError as exc:
        return f"error {exc}"


def _stepwise(tariff, samples, tz, start, end, cuts, revisions) -> list[str]:
    """The builder given ``samples`` in stretches ending at ``cuts``; each stretch's last sample first as a
    provisional version (another charging state, power, current), revised when the next stretch comes. The
    periods after each stretch, and at the end with ``end``."""
    builder = PeriodBuilder(tariff, tz, start)
    out, taken, revise = [], 0, False
    for cut, provisional in zip([*cuts, len(samples)], [*revisions, None], strict=True):
        if revise and builder.revise_last(samples[taken - 1]) is not True:
            return out + ["not revised"]
        revise = provisional is not None
        stretch = samples[taken:cut]
        if provisional is not None:
            stretch = [*stretch[:-1], provisional(stretch[-1])]
        builder.extend(stretch)
        taken = cut
        out.append(repr(builder.periods()))
    out.append(repr(builder.periods(end)))
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tariff=windowed_tariffs() | night_tariffs() | st.sampled_from(NAMED), timeline=timelines(),
       zone=st.sampled_from(ZONES), data=st.data())
def test_a_timeline_taken_in_stretches_gives_the_periods_of_each_whole_prefix(tariff, timeline, zone, data):
    start, samples, end = timeline
    compiled, tz = compile_tariff(tariff), ZoneInfo(zone)
    cuts = sorted(data.draw(st.sets(st.integers(1, len(samples) - 1), max_size=5))) if len(samples) > 1 else []
    revisions = [None if taken == 1 and start < samples[0].timestamp  # in force from the start: never revised
                 else data.draw(st.none() | st.builds(lambda c, p, a: lambda s: replace(s, charging=c, power_kw=p,
                                                                                         current_a=a),
                                                          st.booleans(), kilowatts, amperes))
                 for taken in cuts]
    expected = [_built(compiled, samples[:cut], tz, start) for cut in [*cuts, len(samples)]]
    expected.append(_built(compiled, samples, tz, start, end))
    assert _stepwise(compiled, samples, tz, start, end, cuts, revisions) == expected


def test_the_last_sample_is_revised_only_while_nothing_follows_it_at_its_instant_and_reading():
    tariff = compile_tariff(NAMED[0])
    t0 = DAYS[0]
    first, second = MeterSample(t0, D("1.000")), MeterSample(t0 + timedelta(minutes=5), D("2.000"))
    late = PeriodBuilder(tariff, UTC, t0 - timedelta(minutes=1))  # the first sample is in force from the start
    late.extend([first])
    assert late.revise_last(replace(first, charging=False)) is False
    builder = PeriodBuilder(tariff, UTC, t0)
    builder.extend([first, second])
    before = repr(builder.periods())
    assert builder.revise_last(replace(second, energy_kwh=D("2.001"))) is False
    assert builder.revise_last(replace(second, energy_kwh=D("2.00"))) is False  # the same value, other digits
    assert builder.revise_last(replace(second, timestamp=second.timestamp + timedelta(seconds=1))) is False
    assert repr(builder.periods()) == before
    assert builder.revise_last(replace(second, charging=False, current_a=D(16))) is True
    after = MeterSample(second.timestamp + timedelta(minutes=5), D("2.000"))
    builder.extend([after])
    assert repr(builder.periods()) == _built(tariff, [first, replace(second, charging=False, current_a=D(16)), after],
                                             UTC, t0)


def test_a_stretch_with_a_bad_sample_is_refused_whole_with_the_error_of_a_whole_build():
    tariff = compile_tariff(NAMED[0])
    t0 = DAYS[0]
    samples = [MeterSample(t0 + timedelta(minutes=m), D(m)) for m in range(4)]
    builder = PeriodBuilder(tariff, UTC, t0)
    builder.extend(samples[:2])
    bad = [samples[2], MeterSample(samples[1].timestamp, D(9))]
    with pytest.raises(InvalidSessionDataError) as raised:
        builder.extend(bad)
    assert str(raised.value) == _built(tariff, [*samples[:2], *bad], UTC, t0).removeprefix("error ")
    assert builder.taken == 2
    builder.extend(samples[2:])
    assert repr(builder.periods()) == _built(tariff, samples, UTC, t0)
    with pytest.raises(InvalidSessionDataError, match="session_end"):
        builder.periods(t0)


@settings(max_examples=100, deadline=None)
@given(tariff=windowed_tariffs() | night_tariffs(), timeline=timelines(), zone=st.sampled_from(ZONES))
def test_each_period_has_the_lowest_and_highest_current_and_power_of_the_samples_in_force_in_it(tariff, timeline,
                                                                                                 zone):
    """Each period's MIN_/MAX_ values are those of its own stretch of the timeline (a sample is in force from
    its instant to the next sample's; the first one also from the session start)."""
    start, samples, end = timeline
    periods = build_charging_periods(compile_tariff(tariff), samples, ZoneInfo(zone), start, end)
    ends = [s.timestamp for s in samples[1:]] + [end or samples[-1].timestamp]
    froms = [start, *ends[:-1]]
    for period, until in zip(periods, [p.start for p in periods[1:]] + [ends[-1]][:len(periods)], strict=True):
        in_force = [s for s, a, b in zip(samples, froms, ends, strict=True) if a < until and b > period.start]
        for low, high, values in ((period.min_current, period.max_current, [s.current_a for s in in_force]),
                                  (period.min_power, period.max_power, [s.power_kw for s in in_force])):
            known = [v for v in values if v is not None]
            assert (low, high) == ((round4(min(known)), round4(max(known))) if known else (None, None))
