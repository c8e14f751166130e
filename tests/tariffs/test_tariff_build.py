"""Charging periods from meter samples: a new period at every tariff-relevant boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from tariff_data import component, tariffs

from roamstream.ocpi.common import SESSION_ONLY_DIMENSIONS
from roamstream.tariffs import (
    InvalidSessionDataError,
    MeterSample,
    build_charging_periods,
    compile_tariff,
    price_periods,
)

AMS = ZoneInfo("Europe/Amsterdam")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def linear(start: datetime, minutes: int, kwh: str, every: int = 60, **extra) -> list[MeterSample]:
    """Samples every ``every`` minutes of a session charging ``kwh`` at a constant rate."""
    return [
        MeterSample(start + timedelta(minutes=m), D(kwh) * m / minutes, **extra)
        for m in [*range(0, minutes, every), minutes]
    ]


def starts(periods) -> list[str]:
    return [p.start.strftime("%H:%M:%S.%f")[:-3] for p in periods]


def test_split_at_time_of_day_boundary_with_interpolated_energy():
    t = compile_tariff(tariffs()["step_size"])  # TIME 1.20/h until 17:00 local, 2.40/h after
    start = utc("2024-01-15T15:35:00Z")  # 16:35 in Amsterdam
    periods = build_charging_periods(t, linear(start, 35, "7", every=35), AMS, start)
    assert starts(periods) == ["15:35:00.000", "16:00:00.000"]
    assert [p.energy for p in periods] == [D(5), D(2)]  # 25 and 10 of 35 minutes
    assert [p.time for p in periods] == [D("0.4167"), D("0.1666")]  # running totals rounded: 0.4167, 0.5833


def test_kwh_threshold_between_samples_is_interpolated():
    t = compile_tariff(tariffs()["first_hour_kwh_free"])  # ENERGY free below 1 kWh, 0.20 from 1 kWh
    start = utc("2024-01-15T10:00:00Z")
    samples = [MeterSample(start, D("100")), MeterSample(start + timedelta(seconds=1000), D("103"))]
    periods = build_charging_periods(t, samples, UTC, start)
    # 1 kWh of 3 is reached after 333.333 s; the new period starts at the next millisecond, at 1 kWh exactly
    assert starts(periods) == ["10:00:00.000", "10:05:33.334"]
    assert [p.energy for p in periods] == [D(1), D(2)]
    priced = price_periods(t, periods, start=start)
    assert priced.total_energy_cost.excl_vat == D("0.40")


def test_duration_thresholds_split_from_session_start():
    t = compile_tariff(tariffs()["max_duration"])  # ENERGY free < 30 min, 0.25 < 60 min, then 0.40
    start = utc("2024-01-15T10:00:00Z")
    periods = build_charging_periods(t, linear(start, 80, "8", every=20), UTC, start)
    assert starts(periods) == ["10:00:00.000", "10:30:00.000", "11:00:00.000"]
    assert [p.energy for p in periods] == [D(3), D(3), D(2)]
    assert price_periods(t, periods, start=start).total_cost.excl_vat == D("0.75") + D("0.80")


def _night_window_tariff():
    return compile_tariff({"id": "N", "currency": "EUR", "elements": [
        {"price_components": [component("ENERGY 0.10 step=1")],
         "restrictions": {"start_time": "02:30", "end_time": "03:30"}},
        {"price_components": [component("ENERGY 0.50 step=1")]},
    ]})  # fmt: skip


def test_dst_autumn_day_the_window_happens_twice():
    start = utc("2024-10-26T23:00:00Z")  # 01:00 CEST; clocks go back at 01:00 UTC
    periods = build_charging_periods(_night_window_tariff(), linear(start, 240, "24", every=240), AMS, start)
    # 02:30 CEST on, 02:00 CET (clocks back) off, 02:30 CET on again, 03:30 CET off
    assert starts(periods) == ["23:00:00.000", "00:30:00.000", "01:00:00.000", "01:30:00.000", "02:30:00.000"]
    assert [p.energy for p in periods] == [D(9), D(3), D(3), D(6), D(3)]


def test_dst_spring_day_the_window_starts_at_the_jump():
    start = utc("2024-03-31T00:00:00Z")  # 01:00 CET; at 01:00 UTC clocks jump from 02:00 to 03:00
    periods = build_charging_periods(_night_window_tariff(), linear(start, 180, "18", every=180), AMS, start)
    # 02:30 never happens: the window is on from the jump (03:00 CEST) to 03:30 CEST
    assert starts(periods) == ["00:00:00.000", "01:00:00.000", "01:30:00.000"]
    assert [p.energy for p in periods] == [D(6), D(3), D(9)]


def test_power_changes_split_only_where_the_price_changes():
    t = compile_tariff(tariffs()["max_power"])  # < 16 kW: 0.20, < 32 kW: 0.35, else 0.50
    start = utc("2024-01-15T10:00:00Z")
    kw = ["6", "10", "48", "4"]
    samples = [MeterSample(start + timedelta(minutes=10 * i), D(i * 2), power_kw=D(p)) for i, p in enumerate(kw)]
    samples.append(MeterSample(start + timedelta(minutes=40), D(8), charging=False))
    periods = build_charging_periods(t, samples, UTC, start)
    assert starts(periods) == ["10:00:00.000", "10:20:00.000", "10:30:00.000"]  # the last sample ends it
    first = periods[0]
    assert (first.energy, first.min_power, first.max_power) == (D(4), D(6), D(10))  # 6 and 10 kW: one period
    assert periods[1].max_power == D(48)


def test_average_power_from_energy_when_samples_have_none():
    t = compile_tariff(tariffs()["max_power"])
    start = utc("2024-01-15T10:00:00Z")
    samples = [MeterSample(start, D(0)), MeterSample(start + timedelta(minutes=30), D(5)),  # 10 kW
               MeterSample(start + timedelta(minutes=60), D(25))]  # 40 kW  # fmt: skip
    periods = build_charging_periods(t, samples, UTC, start)
    assert [(p.energy, p.max_power) for p in periods] == [(D(5), D(10)), (D(20), D(40))]
    assert price_periods(t, periods, start=start).total_cost.excl_vat == D("1.00") + D("10.00")


def test_spec_complex_monday_built_from_samples_prices_as_stated():
    t = compile_tariff(tariffs()["complex"])
    start = utc("2024-01-15T08:30:00Z")  # Monday 09:30
    samples = [MeterSample(start + timedelta(minutes=15 * i), D(i), current_a=D(16)) for i in range(11)]
    samples.append(MeterSample(start + timedelta(minutes=165), D(11), charging=False, current_a=D(0)))
    periods = build_charging_periods(t, samples, AMS, start, start + timedelta(minutes=207))
    assert [(p.time, p.parking) for p in periods] == [(D("2.75"), 0), (0, D("0.7"))]
    priced = price_periods(t, periods, start=start, tz=AMS)
    assert priced.total_cost.to_ocpi() == {"excl_vat": D("9.00"), "incl_vat": D("10.30")}


def test_unchanging_pricing_gives_one_period_per_state():
    t = compile_tariff(tariffs()["simple_3hour_5parking"])
    start = utc("2024-01-15T10:00:00Z")
    samples = linear(start, 120, "30", every=5) + [MeterSample(start + timedelta(minutes=150), D(30))]
    samples[-2] = MeterSample(samples[-2].timestamp, samples[-2].energy_kwh, charging=False)
    periods = build_charging_periods(t, samples, UTC, start)
    assert [(p.energy, p.time, p.parking) for p in periods] == [(D(30), D(2), 0), (0, 0, D("0.5"))]


def test_periods_are_ocpi_cdr_periods():
    t = compile_tariff(tariffs()["complex"])
    start = utc("2024-01-20T12:30:00Z")
    samples = [MeterSample(start + timedelta(minutes=7 * i), D(i) * D("1.2345"), current_a=D(40 + i % 3))
               for i in range(20)]  # fmt: skip
    periods = build_charging_periods(t, samples, AMS, start, reservation_start=start - timedelta(minutes=13))
    dims = [d for p in periods for d in p.to_ocpi("14")["dimensions"]]
    assert periods[0].reservation == D("0.2167") and periods[0].to_ocpi()["dimensions"][0]["type"] == "RESERVATION_TIME"
    assert not {d["type"] for d in dims} & {str(s) for s in SESSION_ONLY_DIMENSIONS}
    assert all(-d["volume"].as_tuple().exponent <= 4 for d in dims)
    assert sum(p.energy for p in periods) == D("23.4555")  # 19 x 1.2345: the periods add up exactly


def test_samples_must_be_in_time_order():
    t = compile_tariff(tariffs()["simple_025kwh"])
    start = utc("2024-01-15T10:00:00Z")
    samples = [MeterSample(start, D(0)), MeterSample(start, D(1))]
    with pytest.raises(InvalidSessionDataError) as raised:
        build_charging_periods(t, samples, UTC, start)
    assert raised.value.path == "samples[1].timestamp"
