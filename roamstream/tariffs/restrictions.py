"""TariffRestrictions as checks on a ``Moment`` (mod_tariffs, TariffRestrictions class).

Bounds as the spec defines them: ``start_*``/``min_*`` inclusive, ``end_*``/``max_*`` exclusive. Times
and dates are the location's local time. ``end_time`` before ``start_time`` wraps past midnight and
``end_time`` 00:00 means the end of the day; equal start and end times mean the whole day.
Power and current restrictions hold only when the period's power/current is known: ``min_*`` is compared
with the lowest value in the period, ``max_*`` with the highest, so a restriction holds for a period only
if it holds throughout it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from roamstream.tariffs.model import Check

DAY = 24 * 60


def time_window(start: int | None, end: int | None) -> Check:
    """Local minute-of-day window ``[start, end)``; wraps when end <= start."""
    s = 0 if start is None else start
    e = DAY if end is None or end == 0 else end
    if s < e:
        return lambda m: s <= m.minute < e
    if s == e:
        return lambda m: True
    return lambda m: m.minute >= s or m.minute < e


def date_window(start: date | None, end: date | None) -> Check:
    if start is not None and end is not None:
        return lambda m: start <= m.day < end
    if start is not None:
        return lambda m: m.day >= start
    return lambda m: m.day < end


def weekdays(days: frozenset[int]) -> Check:
    return lambda m: m.weekday in days


def min_kwh(bound: Decimal) -> Check:
    return lambda m: m.kwh >= bound


def max_kwh(bound: Decimal) -> Check:
    return lambda m: m.kwh < bound


def min_duration(bound: timedelta) -> Check:
    return lambda m: m.duration >= bound


def max_duration(bound: timedelta) -> Check:
    return lambda m: m.duration < bound


def min_current(bound: Decimal) -> Check:
    return lambda m: m.min_current is not None and m.min_current >= bound


def max_current(bound: Decimal) -> Check:
    return lambda m: m.max_current is not None and m.max_current < bound


def min_power(bound: Decimal) -> Check:
    return lambda m: m.min_power is not None and m.min_power >= bound


def max_power(bound: Decimal) -> Check:
    return lambda m: m.max_power is not None and m.max_power < bound
