"""TariffRestrictions: bounds, local time, wrapping windows, unknown power/current."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from tariff_data import component

from roamstream.tariffs import ChargingPeriod, compile_tariff, price_periods
from roamstream.tariffs import restrictions as r
from roamstream.tariffs.model import Moment

AMS = ZoneInfo("Europe/Amsterdam")


def at(minute=0, day=date(2024, 1, 15), kwh=0, seconds=0, current=None, power=None) -> Moment:
    return Moment(minute, day, day.weekday(), D(kwh), timedelta(seconds=seconds), current, current, power, power)


def hhmm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


@pytest.mark.parametrize(
    ("start", "end", "inside", "outside"),
    [
        ("09:00", "18:00", ["09:00", "17:59"], ["08:59", "18:00", "00:00"]),
        ("22:00", "06:00", ["22:00", "23:59", "00:00", "05:59"], ["06:00", "21:59", "12:00"]),  # wraps
        ("20:00", "00:00", ["20:00", "23:59"], ["00:00", "19:59"]),  # 00:00 = end of the day
        (None, "17:00", ["00:00", "16:59"], ["17:00"]),
        ("17:00", None, ["17:00", "23:59"], ["16:59"]),
        ("10:00", "10:00", ["00:00", "10:00", "23:59"], []),  # equal: the whole day
    ],
)
def test_time_window(start, end, inside, outside):
    check = r.time_window(start and hhmm(start), end and hhmm(end))
    assert all(check(at(hhmm(t))) for t in inside)
    assert not any(check(at(hhmm(t))) for t in outside)


def test_dates_start_inclusive_end_exclusive():
    check = r.date_window(date(2015, 12, 24), date(2015, 12, 27))
    assert [check(at(day=date(2015, 12, d))) for d in (23, 24, 26, 27)] == [False, True, True, False]


def test_kwh_and_duration_min_inclusive_max_exclusive():
    assert r.min_kwh(D(20))(at(kwh=20)) and not r.min_kwh(D(20))(at(kwh="19.9999"))
    assert r.max_kwh(D(50))(at(kwh="49.9999")) and not r.max_kwh(D(50))(at(kwh=50))
    assert r.min_duration(timedelta(seconds=1800))(at(seconds=1800))
    assert not r.max_duration(timedelta(seconds=1800))(at(seconds=1800))


def test_power_and_current_bounds_and_unknown_values():
    assert r.min_current(D(32))(at(current=D(32))) and not r.min_current(D(32))(at(current=D(31)))
    assert r.max_power(D(16))(at(power=D("15.99"))) and not r.max_power(D(16))(at(power=D(16)))
    assert not r.max_power(D(16))(at()) and not r.min_current(D(5))(at())  # unknown: does not hold


def test_min_and_max_of_a_period_are_both_respected():
    t = compile_tariff({"id": "P", "currency": "EUR", "elements": [
        {"price_components": [component("ENERGY 0.20 step=1")], "restrictions": {"max_power": D(16)}},
        {"price_components": [component("ENERGY 0.50 step=1")]},
    ]})  # fmt: skip
    start = datetime(2024, 1, 15, tzinfo=UTC)
    below = ChargingPeriod(start=start, energy=D(1), min_power=D(4), max_power=D(15))
    crossing = ChargingPeriod(start=start, energy=D(1), min_power=D(4), max_power=D(20))
    assert price_periods(t, [below], start=start).total_cost.excl_vat == D("0.20")
    assert price_periods(t, [crossing], start=start).total_cost.excl_vat == D("0.50")


def _weekday_parking_tariff():
    return compile_tariff({"id": "W", "currency": "EUR", "elements": [
        {"price_components": [component("PARKING_TIME 1.00 step=1")],
         "restrictions": {"start_time": "02:30", "end_time": "03:30", "day_of_week": ["SUNDAY"]}},
        {"price_components": [component("PARKING_TIME 9.00 step=1")]},
    ]})  # fmt: skip


@pytest.mark.parametrize(
    ("utc", "local", "cheap"),
    [
        # 2024-03-31, clocks go forward 02:00 CET -> 03:00 CEST (01:00 UTC)
        ("2024-03-31T00:45:00Z", "01:45 CET", False),
        ("2024-03-31T01:00:00Z", "03:00 CEST", True),
        ("2024-03-31T01:30:00Z", "03:30 CEST", False),
        # 2024-10-27, clocks go back 03:00 CEST -> 02:00 CET (01:00 UTC): 02:30 happens twice
        ("2024-10-27T00:30:00Z", "02:30 CEST", True),
        ("2024-10-27T01:00:00Z", "02:00 CET", False),
        ("2024-10-27T01:30:00Z", "02:30 CET", True),
        ("2024-10-27T02:30:00Z", "03:30 CET", False),
    ],
)
def test_local_time_across_daylight_saving_changes(utc, local, cheap):
    start = datetime.fromisoformat(utc)
    period = ChargingPeriod(start=start, parking=D("0.25"))
    priced = price_periods(_weekday_parking_tariff(), [period], start=start, tz=AMS)
    assert start.astimezone(AMS).strftime("%H:%M %Z") == local
    assert priced.total_cost.excl_vat == (D("0.25") if cheap else D("2.25"))


def test_day_of_week_is_the_local_day():
    start = datetime(2024, 3, 30, 23, 30, tzinfo=UTC)  # Saturday in UTC, Sunday 00:30 in Amsterdam
    t = compile_tariff({"id": "S", "currency": "EUR", "elements": [
        {"price_components": [component("ENERGY 0.10 step=1")], "restrictions": {"day_of_week": ["SUNDAY"]}},
        {"price_components": [component("ENERGY 0.90 step=1")]},
    ]})  # fmt: skip
    period = ChargingPeriod(start=start, energy=D(1))
    assert price_periods(t, [period], start=start, tz=AMS).total_cost.excl_vat == D("0.10")
    assert price_periods(t, [period], start=start, tz=UTC).total_cost.excl_vat == D("0.90")
