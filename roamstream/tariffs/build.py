"""Charging periods from a session's meter samples, split at every tariff-relevant boundary (mod_cdrs,
"ChargingPeriod": a new period at every moment that is relevant for the costs).

The input is a plain timeline of ``MeterSample``: the cumulative meter reading at an instant, whether
the vehicle was charging (requesting power) from that instant until the next sample, and optionally the
power and current from that instant on. Energy between two samples is interpolated linearly.

A boundary is any instant at which a restriction of the tariff can change its answer: a local time of
day of a ``start_time``/``end_time`` (both occurrences on the day clocks go back, and the transition
itself on the day they go forward), local midnight for date and weekday restrictions, the instants at
which the session reaches a ``min_/max_duration`` or its energy reaches a ``min_/max_kwh`` (interpolated
between samples, rounded up to the millisecond), and every sample, where charging state, power and
current change. The session is cut at all of them, the price components active in each piece are
looked up, and neighbouring pieces in which the same components apply are joined again: one period per
run of identical pricing.

Volumes are OCPI's (kWh, hours) with 4 decimals, taken as differences of rounded running totals, so
the periods add up to the rounded session totals and a period that starts at a kWh threshold starts at
exactly that many kWh. Pricing these periods gives what an eMSP recomputing the CDR gets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from decimal import ROUND_CEILING, Decimal, localcontext
from typing import Any

from roamstream.ocpi.numbers import round4
from roamstream.ocpi.timefmt import as_utc
from roamstream.tariffs.compile import compile_tariff
from roamstream.tariffs.exceptions import InvalidSessionDataError
from roamstream.tariffs.model import ENERGY, FLAT, PARKING, TIME, CompiledTariff, Moment
from roamstream.tariffs.periods import ChargingPeriod
from roamstream.tariffs.pricing import moment_at, select

_HOUR = Decimal(3_600_000_000)  # microseconds
_MS = timedelta(milliseconds=1)
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class MeterSample:
    timestamp: datetime
    energy_kwh: Decimal  # cumulative meter reading
    charging: bool = True  # the vehicle requests power from this sample until the next one
    power_kw: Decimal | None = None
    current_a: Decimal | None = None


@dataclass(slots=True)
class _Piece:
    start: datetime
    end: datetime
    energy_start: Decimal  # since session start
    energy_end: Decimal
    sample: MeterSample
    power: Decimal | None


def build_charging_periods(
    tariff: CompiledTariff | Mapping[str, Any],
    samples: Sequence[MeterSample],
    tz: tzinfo,
    session_start: datetime,
    session_end: datetime | None = None,
    *,
    reservation_start: datetime | None = None,
) -> list[ChargingPeriod]:
    """The CDR charging periods of a session (preceded by a reservation period if ``reservation_start``)."""
    compiled = tariff if isinstance(tariff, CompiledTariff) else compile_tariff(tariff)
    start = as_utc(session_start)
    samples = _checked(samples, start)
    end = as_utc(session_end) if session_end is not None else as_utc(samples[-1].timestamp)
    if end < as_utc(samples[-1].timestamp):
        raise InvalidSessionDataError("session_end", "is before the last meter sample")
    with localcontext() as ctx:
        ctx.prec = 34
        pieces = _pieces(compiled, samples, tz, start, end)
        periods = _periods(compiled, pieces, tz, start)
    if reservation_start is not None:
        reserved = as_utc(reservation_start)
        if reserved > start:
            raise InvalidSessionDataError("reservation_start", "is after the session start")
        if reserved < start:
            periods.insert(0, ChargingPeriod(start=reserved, reservation=round4(_hours(start - reserved))))
    return periods


def _checked(samples: Sequence[MeterSample], start: datetime) -> list[MeterSample]:
    if not samples:
        raise InvalidSessionDataError("samples", "at least one meter sample is needed")
    out = []
    for i, sample in enumerate(samples):
        at = as_utc(sample.timestamp)
        if at < start:
            raise InvalidSessionDataError(f"samples[{i}].timestamp", "is before the session start")
        if out and at <= out[-1].timestamp:
            raise InvalidSessionDataError(f"samples[{i}].timestamp", "is not after the previous sample")
        if not isinstance(sample.energy_kwh, Decimal | int) or isinstance(sample.energy_kwh, bool):
            raise InvalidSessionDataError(f"samples[{i}].energy_kwh", "must be a Decimal")
        out.append(sample if at is sample.timestamp else _replace_time(sample, at))
    return out


def _replace_time(sample: MeterSample, at: datetime) -> MeterSample:
    return MeterSample(at, Decimal(sample.energy_kwh), sample.charging, sample.power_kw, sample.current_a)


def _pieces(
    tariff: CompiledTariff, samples: list[MeterSample], tz: tzinfo, start: datetime, end: datetime
) -> list[_Piece]:
    """The session cut at every sample and every candidate boundary, with interpolated energy."""
    base = Decimal(samples[0].energy_kwh)
    # intervals between knots: (from, to, energy from, energy to, sample in force)
    knots = [(start, base, samples[0])] if start < samples[0].timestamp else []
    knots += [(s.timestamp, Decimal(s.energy_kwh), s) for s in samples]
    if end > knots[-1][0]:
        knots.append((end, knots[-1][1], knots[-1][2]))
    cuts = _time_cuts(tariff, tz, start, end)
    thresholds = _kwh_thresholds(tariff)
    pieces = []
    for (a, ea, sample), (b, eb, _) in zip(knots, knots[1:], strict=False):
        span = _micros(b - a)
        power = sample.power_kw
        if power is None and tariff.uses_power and sample.charging:
            power = (eb - ea) * _HOUR / span  # average kW over the interval
        inner: dict[datetime, Decimal | None] = {t: None for t in cuts if a < t < b} if cuts else {}
        for threshold in thresholds:
            target = base + threshold
            if ea < target <= eb and eb != ea:
                at = a + timedelta(
                    microseconds=int(((target - ea) * span / (eb - ea)).to_integral_value(ROUND_CEILING))
                )
                at = _ceil_ms(at)
                if a < at < b:
                    inner[at] = target
        points = [(a, ea)]
        for t in sorted(inner):
            e = inner[t]
            points.append((t, e if e is not None else ea + (eb - ea) * _micros(t - a) / span))
        points.append((b, eb))
        for (p, ep), (q, eq) in zip(points, points[1:], strict=False):
            pieces.append(_Piece(p, q, ep - base, eq - base, sample, power))
    return pieces


def _periods(tariff: CompiledTariff, pieces: list[_Piece], tz: tzinfo, start: datetime) -> list[ChargingPeriod]:
    """Join neighbouring pieces priced by the same components; volumes from rounded running totals."""
    groups: list[list[_Piece]] = []
    last_key = None
    for piece in pieces:
        key = _pricing_key(tariff, piece, tz, start)
        if groups and key == last_key:
            groups[-1].append(piece)
        else:
            groups.append([piece])
        last_key = key
    periods = []
    energy_done = charging_done = parking_done = Decimal(0)
    charging_time = parking_time = timedelta(0)
    for group in groups:
        for piece in group:
            if piece.sample.charging:
                charging_time += piece.end - piece.start
            else:
                parking_time += piece.end - piece.start
        energy = round4(group[-1].energy_end)
        charging = round4(_hours(charging_time))
        parking = round4(_hours(parking_time))
        currents = [p.sample.current_a for p in group if p.sample.current_a is not None]
        powers = [p.power for p in group if p.power is not None]
        periods.append(
            ChargingPeriod(
                start=group[0].start,
                energy=energy - energy_done,
                time=charging - charging_done,
                parking=parking - parking_done,
                min_current=round4(min(currents)) if currents else None,
                max_current=round4(max(currents)) if currents else None,
                min_power=round4(min(powers)) if powers else None,
                max_power=round4(max(powers)) if powers else None,
            )
        )
        energy_done, charging_done, parking_done = energy, charging, parking
    return periods


def _pricing_key(tariff: CompiledTariff, piece: _Piece, tz: tzinfo, start: datetime) -> tuple:
    period = ChargingPeriod(
        start=piece.start,
        min_current=piece.sample.current_a,
        max_current=piece.sample.current_a,
        min_power=piece.power,
        max_power=piece.power,
    )

    moment: Moment = moment_at(tariff, period, tz, piece.energy_start, piece.start - start)
    seen: dict[int, bool] = {}
    candidates = tariff.session_candidates
    dims = (ENERGY, TIME) if piece.sample.charging else (ENERGY, PARKING)
    return (piece.sample.charging, *(id(select(candidates[d], d, moment, seen)) for d in (*dims, FLAT)))


def _time_cuts(tariff: CompiledTariff, tz: tzinfo, start: datetime, end: datetime) -> set[datetime]:
    """Boundaries that depend only on the clock: times of day, midnights, DST jumps, durations."""
    cuts: set[datetime] = set()
    for element in tariff.elements:
        for threshold in element.duration_thresholds:
            cuts.add(start + threshold)
    minutes = {m for e in tariff.elements for m in e.times_of_day}
    if any(e.needs_midnight for e in tariff.elements):
        minutes.add(0)
    if minutes:
        day = start.astimezone(tz).date() - timedelta(days=1)
        last_day = end.astimezone(tz).date() + timedelta(days=1)
        while day <= last_day:
            for minute in minutes:
                wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
                for fold in (0, 1):
                    cuts.add(wall.replace(fold=fold).astimezone(UTC))
            day += timedelta(days=1)
        cuts.update(_offset_changes(tz, start, end))
    return {t for t in cuts if start < t < end}


def _offset_changes(tz: tzinfo, start: datetime, end: datetime) -> list[datetime]:
    """The instants in ``[start, end]`` at which ``tz`` changes its UTC offset (DST), to the second."""
    changes = []
    a = start.replace(microsecond=0)
    chunk = timedelta(hours=6)  # shorter than any gap between two offset changes
    while a < end:
        b = min(a + chunk, end)
        before, after = a.astimezone(tz).utcoffset(), b.astimezone(tz).utcoffset()
        if before != after:
            lo, hi = 0, -(-(b - a) // _SECOND)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if (a + mid * _SECOND).astimezone(tz).utcoffset() == before:
                    lo = mid
                else:
                    hi = mid
            changes.append(a + hi * _SECOND)
        a = b
    return changes


def _kwh_thresholds(tariff: CompiledTariff) -> set[Decimal]:
    return {k for e in tariff.elements for k in e.kwh_thresholds}


def _ceil_ms(at: datetime) -> datetime:
    extra = at.microsecond % 1000
    return at + timedelta(microseconds=1000 - extra) if extra else at


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _hours(delta: timedelta) -> Decimal:
    return Decimal(_micros(delta)) / _HOUR
