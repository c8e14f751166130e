"""Charging periods from a session's meter samples, split at every tariff-relevant boundary (mod_cdrs,
"ChargingPeriod": a new period at every moment that is relevant for the costs).

The input is a plain timeline of ``MeterSample``: the cumulative meter reading at an instant, whether
the vehicle was charging (requesting power) from that instant until the next sample, and optionally the
power and current from that instant on. Energy between two samples is interpolated linearly.

A boundary is any instant at which a restriction of the tariff can change its answer (``cuts``): a local
time of day, local midnight, a DST jump, the instants at which the session reaches a ``min_/max_duration``
or its energy reaches a ``min_/max_kwh`` (interpolated between samples, rounded up to the millisecond), and
every sample, where charging state, power and current change. The session is cut at all of them, the price
components active in each piece are looked up, and neighbouring pieces in which the same components apply
are joined again: one period per run of identical pricing.

Volumes are OCPI's (kWh, hours) with 4 decimals, taken as differences of rounded running totals, so
the periods add up to the rounded session totals and a period that starts at a kWh threshold starts at
exactly that many kWh. Pricing these periods gives what an eMSP recomputing the CDR gets.

The pieces between two samples depend on those two samples only, and a period ends where the pricing of
the next piece differs: every period but the last is closed once its samples are known, later samples
never change it. ``PeriodBuilder`` keeps that state, so a session that grows sample by sample (its
snapshots) is cut one new stretch at a time, with the periods a build from the whole timeline gives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import ROUND_CEILING, Decimal, localcontext
from typing import Any

from roamstream.ocpi.numbers import round4
from roamstream.ocpi.timefmt import as_utc
from roamstream.tariffs.compile import compile_tariff
from roamstream.tariffs.cuts import kwh_thresholds, time_cuts
from roamstream.tariffs.exceptions import InvalidSessionDataError
from roamstream.tariffs.joined import HOUR, Joined, hours, micros
from roamstream.tariffs.model import ENERGY, FLAT, PARKING, TIME, CompiledTariff, Moment
from roamstream.tariffs.periods import ChargingPeriod
from roamstream.tariffs.pricing import moment_at, select

_ZERO = Decimal(0)
_NO_CUTS: frozenset[datetime] = frozenset()


@dataclass(frozen=True, slots=True)
class MeterSample:
    timestamp: datetime
    energy_kwh: Decimal  # cumulative meter reading
    charging: bool = True  # the vehicle requests power from this sample until the next one
    power_kw: Decimal | None = None
    current_a: Decimal | None = None


_new = object.__new__
_set_timestamp, _set_energy, _set_charging, _set_power, _set_current = (
    MeterSample.__dict__[name].__set__ for name in ("timestamp", "energy_kwh", "charging", "power_kw", "current_a")
)


def new_sample(timestamp: datetime, energy_kwh: Decimal, charging: bool, power_kw: Decimal | None,
               current_a: Decimal | None) -> MeterSample:
    """``MeterSample(timestamp, energy_kwh, charging, power_kw, current_a)``, its fields set through their slots
    rather than the frozen dataclass's ``__init__`` (an ``object.__setattr__`` call per field): for the timelines
    made one sample at a time (``cdrs.assemble.meter_samples``)."""
    sample = _new(MeterSample)
    _set_timestamp(sample, timestamp)
    _set_energy(sample, energy_kwh)
    _set_charging(sample, charging)
    _set_power(sample, power_kw)
    _set_current(sample, current_a)
    return sample


#: a knot of the timeline: (instant, meter reading, the sample in force from that instant)
_Knot = tuple[datetime, Decimal, MeterSample]


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
    builder = PeriodBuilder(compiled, tz, session_start)
    builder.extend(samples)
    periods = builder.periods(session_end)
    if reservation_start is not None:
        start = builder.start
        reserved = as_utc(reservation_start)
        if reserved > start:
            raise InvalidSessionDataError("reservation_start", "is after the session start")
        if reserved < start:
            periods.insert(0, ChargingPeriod(start=reserved, reservation=round4(hours(start - reserved))))
    return periods


class PeriodBuilder:
    """``build_charging_periods`` one stretch of samples at a time: ``extend`` with the samples that follow the
    ones taken, ``periods`` for the periods of the samples taken so far (the closed ones are kept, the last one
    is made again from the state kept for it)."""

    __slots__ = ("tariff", "tz", "start", "taken", "_thresholds", "_clock", "_base", "_last", "_joined", "_keys")

    def __init__(self, tariff: CompiledTariff, tz: tzinfo, session_start: datetime) -> None:
        self.tariff, self.tz, self.start = tariff, tz, as_utc(session_start)
        self.taken = 0  # samples taken
        self._thresholds = kwh_thresholds(tariff)
        #: whether the tariff has clock boundaries (``time_cuts``: times of day, midnights, durations); else none
        self._clock = any(e.times_of_day or e.needs_midnight or e.duration_thresholds for e in tariff.elements)
        self._base = _ZERO  # the first sample's reading
        self._last: _Knot | None = None  # the last sample taken, as a knot
        self._joined = Joined([])
        #: pricing keys by charging state, when no restriction can tell one piece from another (else None)
        self._keys: dict[bool, tuple] | None = (
            {} if not any(e.checks for candidates in tariff.session_candidates for e in candidates) else None
        )

    def extend(self, samples: Sequence[MeterSample]) -> None:
        """Take ``samples``, which follow the ones taken; all are checked first (an error takes none)."""
        if not samples:
            if self._last is None:
                raise InvalidSessionDataError("samples", "at least one meter sample is needed")
            return
        new = _knots(samples, self.start, self._last[2] if self._last else None, self.taken)
        if self._last is None:
            at, energy, sample = new[0]
            self._base = energy
            knots = [(self.start, energy, sample), *new] if self.start < at else new
        else:
            knots = [self._last, *new]
        with localcontext() as ctx:
            ctx.prec = 34
            self._cut(knots, self._joined)
        self._last = knots[-1]
        self.taken += len(samples)

    def revise_last(self, sample: MeterSample) -> bool:
        """Put ``sample`` in place of the last sample taken if that one is in force over no stretch yet (nothing
        after it) and ``sample`` has its instant and reading: what the open end of a growing timeline may
        revise is whether the vehicle charges from there on, and at what power and current. False (and
        nothing changed) otherwise."""
        last = self._last
        if last is None or (self.taken == 1 and self.start < last[0]):  # it is in force from the session start
            return False
        at = as_utc(sample.timestamp)
        energy = sample.energy_kwh
        if at != last[0] or not isinstance(energy, Decimal) or energy.as_tuple() != last[1].as_tuple():
            return False
        if at is not sample.timestamp:
            sample = _replace_time(sample, at)
        self._last = (last[0], last[1], sample)
        return True

    def periods(self, session_end: datetime | None = None) -> list[ChargingPeriod]:
        """The periods of the samples taken, of a session that ends at ``session_end`` (default: at the last
        sample, no later than which it may end); the builder is not changed."""
        if self._last is None:
            raise InvalidSessionDataError("samples", "at least one meter sample is needed")
        last = self._last
        end = as_utc(session_end) if session_end is not None else last[0]
        if end < last[0]:
            raise InvalidSessionDataError("session_end", "is before the last meter sample")
        joined, periods = self._joined, list(self._joined.closed)
        with localcontext() as ctx:
            ctx.prec = 34
            if end > last[0]:  # the last sample's stretch to the end, cut on a copy
                joined = joined.fork()
                self._cut([last, (end, last[1], last[2])], joined)
                periods += joined.closed
            if joined.key is not None:
                periods.append(joined.period()[0])
        return periods

    def _cut(self, knots: list[_Knot], joined: Joined) -> None:
        """The pieces between consecutive ``knots`` (cut at every boundary, energy interpolated), joined."""
        if len(knots) < 2:
            return
        tariff, base, keys = self.tariff, self._base, self._keys
        cuts = time_cuts(tariff, self.tz, self.start, knots[0][0], knots[-1][0]) if self._clock else _NO_CUTS
        thresholds = self._thresholds
        uses_power, between = tariff.uses_power, bool(cuts or thresholds)
        for (a, ea, sample), (b, eb, _) in zip(knots, knots[1:], strict=False):
            charging, power = sample.charging, sample.power_kw
            if power is None and uses_power and charging:
                power = (eb - ea) * HOUR / micros(b - a)  # average kW over the interval
            points = _points(a, ea, b, eb, cuts, thresholds, base) if between else None
            if points is None:  # nothing between the two samples: one piece
                if keys is None or (key := keys.get(charging)) is None:
                    key = self._key(a, ea - base, sample, power)
                joined.add(key, a, b, eb - base, sample, power)
                continue
            for (p, ep), (q, eq) in zip(points, points[1:], strict=False):
                if keys is None or (key := keys.get(charging)) is None:
                    key = self._key(p, ep - base, sample, power)
                joined.add(key, p, q, eq - base, sample, power)

    def _key(self, at: datetime, energy: Decimal, sample: MeterSample, power: Decimal | None) -> tuple:
        """The pricing key of the piece from ``at`` (``_pricing_key``), kept by charging state if no restriction
        can tell one piece from another."""
        key = _pricing_key(self.tariff, at, energy, sample, power, self.tz, self.start)
        if self._keys is not None:
            self._keys[sample.charging] = key
        return key


def _points(a: datetime, ea: Decimal, b: datetime, eb: Decimal, cuts: Set[datetime], thresholds: set[Decimal],
            base: Decimal) -> list[tuple[datetime, Decimal]] | None:
    """The (instant, reading) points from sample ``a`` to sample ``b`` with every boundary strictly between them: the
    ``cuts`` there and the instants the energy reaches ``base`` + a kWh threshold (interpolated, rounded up to the
    millisecond); None if there is none."""
    span = micros(b - a)
    inner: dict[datetime, Decimal | None] = {t: None for t in cuts if a < t < b} if cuts else {}
    for threshold in thresholds:
        target = base + threshold
        if ea < target <= eb and eb != ea:
            at = a + timedelta(microseconds=int(((target - ea) * span / (eb - ea)).to_integral_value(ROUND_CEILING)))
            at = _ceil_ms(at)
            if a < at < b:
                inner[at] = target
    if not inner:
        return None
    points = [(a, ea)]
    for t in sorted(inner):
        e = inner[t]
        points.append((t, e if e is not None else ea + (eb - ea) * micros(t - a) / span))
    points.append((b, eb))
    return points


def _knots(samples: Sequence[MeterSample], start: datetime, previous: MeterSample | None,
           first: int) -> list[_Knot]:
    """``samples`` (numbered from ``first``, after ``previous``) checked, as knots with UTC timestamps."""
    out = []
    for i, sample in enumerate(samples, first):
        at, energy = sample.timestamp, sample.energy_kwh
        if at.tzinfo is not UTC:  # a UTC time is its own as_utc
            at = as_utc(at)
        if at < start:
            raise InvalidSessionDataError(f"samples[{i}].timestamp", "is before the session start")
        if previous is not None and at <= previous.timestamp:
            raise InvalidSessionDataError(f"samples[{i}].timestamp", "is not after the previous sample")
        if type(energy) is not Decimal:
            if not isinstance(energy, (Decimal, int)) or isinstance(energy, bool):
                raise InvalidSessionDataError(f"samples[{i}].energy_kwh", "must be a Decimal")
            energy = Decimal(energy)
        previous = sample if at is sample.timestamp else _replace_time(sample, at)
        out.append((at, energy, previous))
    return out


def _replace_time(sample: MeterSample, at: datetime) -> MeterSample:
    return MeterSample(at, Decimal(sample.energy_kwh), sample.charging, sample.power_kw, sample.current_a)


def _pricing_key(tariff: CompiledTariff, at: datetime, energy: Decimal, sample: MeterSample, power: Decimal | None,
                 tz: tzinfo, start: datetime) -> tuple:
    """The pricing of the piece from ``at`` (``energy`` since the session start there), with ``sample`` in force and
    ``power``: the charging state and the components that price it."""
    period = ChargingPeriod(
        start=at,
        min_current=sample.current_a,
        max_current=sample.current_a,
        min_power=power,
        max_power=power,
    )

    moment: Moment = moment_at(tariff, period, tz, energy, at - start)
    seen: dict[int, bool] = {}
    candidates = tariff.session_candidates
    dims = (ENERGY, TIME) if sample.charging else (ENERGY, PARKING)
    return (sample.charging, *(id(select(candidates[d], d, moment, seen)) for d in (*dims, FLAT)))


def _ceil_ms(at: datetime) -> datetime:
    extra = at.microsecond % 1000
    return at + timedelta(microseconds=1000 - extra) if extra else at
