"""Properties of pricing that must hold for any tariff and session (hypothesis)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tariff_data import tariffs

from roamstream.ocpi import jsonio
from roamstream.ocpi.timefmt import format_datetime
from roamstream.tariffs import (
    ChargingPeriod,
    MeterSample,
    build_charging_periods,
    compile_tariff,
    price_cdr,
    price_periods,
)
from roamstream.tariffs.pricing import moment_at, select

T0 = datetime(2024, 1, 15, 6, 0, tzinfo=UTC)
SUBTOTALS = ("total_cost", "total_energy_cost", "total_time_cost", "total_parking_cost", "total_fixed_cost")

amounts = st.integers(0, 5000).map(lambda n: D(n) / 100)  # 0.00 .. 50.00
vats = st.none() | st.integers(0, 270).map(lambda n: D(n) / 10)  # omitted, or 0.0 .. 27.0 %
energy_steps = st.sampled_from([1, 25, 100, 500, 1000, 5000])
time_steps = st.sampled_from([1, 60, 300, 600, 900, 1800])
volumes = st.integers(1, 500_000).map(lambda n: D(n) / 10_000)  # 0.0001 .. 50.0000


@st.composite
def components(draw, kinds=("ENERGY", "TIME", "PARKING_TIME", "FLAT")):
    chosen = draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=len(kinds), unique=True))
    out = []
    for kind in chosen:
        step = draw(energy_steps if kind == "ENERGY" else time_steps)
        component = {"type": kind, "price": draw(amounts), "step_size": step}
        vat = draw(vats)
        if vat is not None:
            component["vat"] = vat
        out.append(component)
    return out


@st.composite
def windowed_tariffs(draw, kinds=("ENERGY", "TIME", "PARKING_TIME", "FLAT")):
    """Elements valid before/after a boundary hour (UTC), then a fallback element or none."""
    hour = draw(st.integers(7, 20))
    elements = [
        {"price_components": draw(components(kinds)), "restrictions": {"end_time": f"{hour:02d}:00"}},
        {"price_components": draw(components(kinds)), "restrictions": {"start_time": f"{hour:02d}:00"}},
    ]
    if draw(st.booleans()):
        elements.append({"price_components": draw(components(kinds))})
    return {"id": "P", "currency": "EUR", "elements": draw(st.permutations(elements))}


@st.composite
def sessions(draw, energy_only=False):
    """Charging and parking periods, in time order, starting at 06:00 UTC or later."""
    count = draw(st.integers(1, 6))
    at = T0 + timedelta(minutes=draw(st.integers(0, 600)))
    periods = []
    for _ in range(count):
        minutes = draw(st.integers(1, 240))
        hours = (D(minutes) / 60).quantize(D("0.0001"))
        if energy_only or draw(st.booleans()):
            periods.append(ChargingPeriod(start=at, energy=draw(volumes), time=hours))
        else:
            periods.append(ChargingPeriod(start=at, parking=hours))
        at += timedelta(minutes=minutes)
    return periods


def _boundary_hour(tariff) -> int:
    restrictions = next(e["restrictions"] for e in tariff["elements"] if "restrictions" in e)
    return int(restrictions.get("start_time", restrictions.get("end_time"))[:2])


def _price(tariff, periods):
    return price_periods(tariff, periods, start=periods[0].start)


@settings(max_examples=200, deadline=None)
@given(tariff=windowed_tariffs(), periods=sessions(), data=st.data())
def test_splitting_a_period_where_no_restriction_changes_leaves_the_price_unchanged(tariff, periods, data):
    compiled = compile_tariff(tariff)
    k = data.draw(st.integers(0, len(periods) - 1))
    p = periods[k]
    boundary = _boundary_hour(tariff)
    split_at = p.start + timedelta(minutes=data.draw(st.integers(1, 59)))
    assume((p.start.hour < boundary) == (split_at.hour < boundary) and split_at.date() == p.start.date())
    part = D(data.draw(st.integers(0, 10_000))) / 10_000
    first = ChargingPeriod(start=p.start, energy=(p.energy * part).quantize(D("0.0001")),
                           time=(p.time * part).quantize(D("0.0001")),
                           parking=(p.parking * part).quantize(D("0.0001")))  # fmt: skip
    second = ChargingPeriod(start=split_at, energy=p.energy - first.energy, time=p.time - first.time,
                            parking=p.parking - first.parking)  # fmt: skip
    split = [*periods[:k], first, second, *periods[k + 1 :]]
    assume(k + 1 == len(periods) or split_at < periods[k + 1].start)
    whole, halves = _price(compiled, periods), _price(compiled, split)
    for name in SUBTOTALS:
        assert getattr(whole, name) == getattr(halves, name), name


@st.composite
def bounded_tariffs(draw):
    tariff = draw(windowed_tariffs())
    low, high = sorted(draw(st.lists(amounts, min_size=2, max_size=2)))
    low_incl, high_incl = sorted(draw(st.lists(amounts, min_size=2, max_size=2)))
    if draw(st.booleans()):
        tariff["min_price"] = {"excl_vat": low, "incl_vat": low_incl}
    if draw(st.booleans()):
        tariff["max_price"] = {"excl_vat": high, "incl_vat": high_incl}
    return tariff


@settings(max_examples=200, deadline=None)
@given(tariff=bounded_tariffs(), periods=sessions())
def test_total_lies_between_min_and_max_price(tariff, periods):
    total = _price(compile_tariff(tariff), periods).total_cost
    if "min_price" in tariff:
        assert total.excl_vat >= tariff["min_price"]["excl_vat"]
        assert total.incl_vat >= tariff["min_price"]["incl_vat"]
    if "max_price" in tariff:
        assert total.excl_vat <= tariff["max_price"]["excl_vat"]
        assert total.incl_vat <= tariff["max_price"]["incl_vat"]


@settings(max_examples=200, deadline=None)
@given(tariff=windowed_tariffs(kinds=("ENERGY",)), periods=sessions(energy_only=True), extra=volumes)
def test_more_energy_in_the_last_period_never_costs_less(tariff, periods, extra):
    compiled = compile_tariff(tariff)
    more = [*periods[:-1], ChargingPeriod(start=periods[-1].start, energy=periods[-1].energy + extra)]
    less = [*periods[:-1], ChargingPeriod(start=periods[-1].start, energy=periods[-1].energy)]
    assert _price(compiled, more).total_cost.excl_vat >= _price(compiled, less).total_cost.excl_vat


@settings(max_examples=200, deadline=None)
@given(price=amounts, step=energy_steps, hour=st.integers(7, 20), periods=sessions(energy_only=True),
       data=st.data())  # fmt: skip
def test_more_energy_anywhere_never_costs_less_with_one_energy_price(price, step, hour, periods, data):
    tariff = compile_tariff({"id": "E", "currency": "EUR", "elements": [
        {"price_components": [{"type": "ENERGY", "price": price, "step_size": step}],
         "restrictions": {"start_time": f"{hour:02d}:00"}},  # before `hour` energy is free
    ]})  # fmt: skip
    k = data.draw(st.integers(0, len(periods) - 1))
    more = list(periods)
    more[k] = ChargingPeriod(start=periods[k].start, energy=periods[k].energy + data.draw(volumes))
    assert _price(tariff, more).total_cost.excl_vat >= _price(tariff, periods).total_cost.excl_vat


def test_extra_energy_early_can_lower_the_price_under_the_last_period_rule():
    """Not a property: with several prices, the step_size extra is billed at the last period's price
    (mod_cdrs), so more (cheap) energy early shrinks the (dear) extra. Shown here so that nobody
    "fixes" the monotonicity tests above into something the spec does not promise."""
    tariff = compile_tariff({"id": "E", "currency": "EUR", "elements": [
        {"price_components": [{"type": "ENERGY", "price": D("0.10"), "step_size": 10_000}],
         "restrictions": {"end_time": "12:00"}},
        {"price_components": [{"type": "ENERGY", "price": D("1.00"), "step_size": 10_000}]},
    ]})  # fmt: skip

    def session(early):  # noqa: E306
        return [ChargingPeriod(start=T0, energy=D(early)), ChargingPeriod(start=T0 + timedelta(hours=7),
                                                                          energy=D(1))]  # fmt: skip

    assert _price(tariff, session(1)).total_cost.excl_vat == D("0.10") + 9 * D("1.00")
    assert _price(tariff, session(5)).total_cost.excl_vat == D("0.50") + 5 * D("1.00")


@settings(max_examples=200, deadline=None)
@given(tariff=bounded_tariffs(), periods=sessions())
def test_excl_vat_never_exceeds_incl_vat_when_vat_is_not_negative(tariff, periods):
    for bound in ("min_price", "max_price"):
        if bound in tariff:
            assume(tariff[bound]["incl_vat"] >= tariff[bound]["excl_vat"])
    priced = _price(compile_tariff(tariff), periods)
    for name in (*SUBTOTALS, "total_reservation_cost"):
        cost = getattr(priced, name)
        assert cost.excl_vat <= cost.incl_vat, name


@st.composite
def meter_timelines(draw):
    """Samples every 1-30 min with 0-22 kW of charging, some idle stretches, 16-32 A."""
    at = T0 + timedelta(minutes=draw(st.integers(0, 1440)), seconds=draw(st.integers(0, 59)))
    energy = D(draw(st.integers(0, 10**6))) / 1000
    samples = []
    for _ in range(draw(st.integers(2, 12))):
        charging = draw(st.booleans())
        samples.append(MeterSample(at, energy, charging=charging, current_a=D(draw(st.sampled_from([6, 16, 32])))))
        minutes = draw(st.integers(1, 30))
        if charging:
            energy += (D(draw(st.integers(0, 22_000))) * minutes / 60 / 1000).quantize(D("0.001"))
        at += timedelta(minutes=minutes)
    samples.append(MeterSample(at, energy, charging=False))
    return samples


@settings(max_examples=150, deadline=None)
@given(
    tariff=windowed_tariffs() | st.sampled_from([tariffs()[name] for name in ("complex", "max_power", "step_size")]),
    samples=meter_timelines(),
    zone=st.sampled_from(["UTC", "Europe/Amsterdam"]),
)
def test_a_built_cdr_prices_the_same_when_recomputed_from_its_json(tariff, samples, zone):
    """What we publish is what we billed: pricing the periods we built equals pricing the OCPI CDR JSON
    made of them (4-decimal volumes, millisecond timestamps), as an eMSP recomputing it would."""
    compiled = compile_tariff(tariff)
    tz = ZoneInfo(zone)
    start = samples[0].timestamp
    periods = build_charging_periods(compiled, samples, tz, start)
    ours = price_periods(compiled, periods, start=start, tz=tz)
    cdr = {"start_date_time": format_datetime(start), "end_date_time": format_datetime(samples[-1].timestamp),
           "charging_periods": [p.to_ocpi(compiled.id) for p in periods]}  # fmt: skip
    theirs = price_cdr(compiled, json.loads(jsonio.dumps(cdr), parse_float=D), tz=tz)
    assert ours.totals_to_ocpi() == theirs.totals_to_ocpi()
    assert sum(p.energy for p in periods) == (samples[-1].energy_kwh - samples[0].energy_kwh).quantize(D("0.0001"))


@st.composite
def night_tariffs(draw):
    """TIME and PARKING_TIME priced differently inside and outside a window of local hours (maybe wrapping),
    mostly near the hours at which the clock jumps."""
    hours = st.integers(0, 5) | st.integers(0, 23)
    start, end = draw(hours), draw(hours)
    assume(start != end)
    window = {"start_time": f"{start:02d}:{draw(st.sampled_from([0, 30])):02d}", "end_time": f"{end:02d}:00"}
    return {"id": "N", "currency": "EUR", "elements": [
        {"price_components": [{"type": "TIME", "price": D(1), "step_size": 1},
                              {"type": "PARKING_TIME", "price": D(3), "step_size": 1}], "restrictions": window},
        {"price_components": [{"type": "TIME", "price": D(2), "step_size": 1}]},
    ]}  # fmt: skip


AMS = ZoneInfo("Europe/Amsterdam")
DST_DAYS = [datetime(2024, 3, 30, 20, tzinfo=UTC), datetime(2024, 10, 26, 20, tzinfo=UTC)]


@settings(max_examples=200, deadline=None)
@given(tariff=night_tariffs(), day=st.sampled_from(DST_DAYS), offset=st.integers(0, 600), data=st.data())
def test_built_periods_are_uniform_minute_by_minute_across_dst(tariff, day, offset, data):
    """Every minute of every built period is priced by the component that prices the period's start:
    the builder misses no boundary, also on the two days a year the clock jumps."""
    compiled = compile_tariff(tariff)
    start = day + timedelta(minutes=offset)
    hours = data.draw(st.integers(1, 10))
    switch = start + timedelta(minutes=data.draw(st.integers(1, hours * 60 - 1)))
    samples = [MeterSample(start, D(0)), MeterSample(switch, D(5), charging=False)]
    end = start + timedelta(hours=hours)
    periods = build_charging_periods(compiled, samples, AMS, start, end)
    bounds = [p.start for p in periods[1:]] + [end]
    for period, period_end in zip(periods, bounds, strict=True):
        dimension = 1 if period.time else 2  # TIME while charging, PARKING_TIME after `switch`
        candidates = compiled.session_candidates[dimension]
        expected = select(candidates, dimension, moment_at(compiled, period, AMS, D(0), period.start - start), {})
        at = period.start
        while at < period_end:
            probe = ChargingPeriod(start=at)
            assert select(candidates, dimension, moment_at(compiled, probe, AMS, D(0), at - start), {}) is expected, (
                f"{at.astimezone(AMS)} in the period from {period.start.astimezone(AMS)}"
            )
            at += timedelta(minutes=1)
