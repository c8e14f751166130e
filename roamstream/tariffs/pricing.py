"""Price charging periods with a compiled tariff (mod_tariffs, mod_cdrs), exactly, in ``Decimal``.

Rules, in the order they apply:

1. **Element per dimension, per period.** For each period and each dimension with a volume, the price
   component is taken from the first element that has a component of that dimension and whose
   restrictions hold at the period's start. No such element: that volume is free. Restrictions see the
   local time of ``tz``, the energy consumed before the period and the time since the session started.
2. **Reservations.** A period with RESERVATION_TIME is priced only by elements with a ``reservation``
   restriction (its TIME component prices the reservation time); every other period only by elements
   without one. When the reservation expired, RESERVATION_EXPIRES elements come first, then RESERVATION
   elements (the spec's note on ReservationRestrictionType). A CDR that has reservation periods and no
   others is an expired reservation unless ``reservation_expired`` says otherwise.
3. **FLAT** components are charged once per session each: every distinct FLAT component that is active
   in at least one period is charged once (a reservation fee and a start fee can both apply).
4. **step_size**, once per session (``stepsize``): on the billable ENERGY total; on the billable
   PARKING_TIME total when any parking is billed, otherwise on the billable TIME total (the charging time
   is not rounded when parking follows it); on the RESERVATION_TIME total. "Billable" = priced by some
   component, so time in which no component is active does not count (spec example "switching to
   Free-of-Charge Tariff Element").
5. **VAT** per component: incl. VAT = excl. VAT x (1 + vat/100). An omitted ``vat`` means "no VAT
   applicable" (mod_tariffs PriceComponent), which is not a 0% rate but also adds no VAT, so by default
   (``OmittedVat.EXEMPT``) incl. VAT equals excl. VAT for that component. With ``OmittedVat.UNKNOWN`` the
   incl. VAT of any total such a component contributes to is unknown (``None``), for partners who read
   an omitted VAT as "not stated".
6. **min_price / max_price** clamp the total cost, excl. and incl. VAT independently (a bound without
   ``incl_vat`` clamps only excl. VAT); the per-dimension totals are left as computed.
7. **Rounding**: none here. Every total is exact; ``Cost.to_ocpi()`` rounds once, half-up, to 4 decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Context, Decimal, localcontext

from roamstream.tariffs.exceptions import TariffNotActiveError
from roamstream.tariffs.model import (
    ENERGY,
    FLAT,
    PARKING,
    TIME,
    CompiledTariff,
    Component,
    Element,
    Moment,
)
from roamstream.tariffs.periods import ChargingPeriod
from roamstream.tariffs.result import Cost, OmittedVat, PricedSession
from roamstream.tariffs.stepsize import energy_extra, time_extra

ZERO = Decimal(0)
_ONE = Decimal(1)
RESERVATION_TIME = 4
_LINE_NAMES = ("ENERGY", "TIME", "PARKING_TIME", "FLAT", "RESERVATION_TIME")
#: 34 significant digits: exact for every product of OCPI numbers; hour conversions carry 30+ digits
_CONTEXT = Context(prec=34)


def check_active(tariff: CompiledTariff, at: datetime) -> None:
    """Raise ``TariffNotActiveError`` unless ``start_date_time <= at <= end_date_time``."""
    if (tariff.start_date_time is not None and at < tariff.start_date_time) or (
        tariff.end_date_time is not None and at > tariff.end_date_time
    ):
        raise TariffNotActiveError(
            f"tariff {tariff.id!r} is not active at {at.isoformat()} "
            f"(start_date_time {tariff.start_date_time}, end_date_time {tariff.end_date_time})"
        )


def price_periods(
    tariff: CompiledTariff,
    periods: Sequence[ChargingPeriod],
    *,
    start: datetime,
    tz: tzinfo = UTC,
    reservation_expired: bool | None = None,
    omitted_vat: OmittedVat = OmittedVat.EXEMPT,
) -> PricedSession:
    """Price ``periods`` (in time order) of a session or reservation that started at ``start`` (UTC).

    ``start`` is the CDR's ``start_date_time``: the session start, or the reservation start when the CDR
    begins with a reservation. ``tz`` is the location's time zone.
    """
    check_active(tariff, start)
    with localcontext(_CONTEXT):
        return _price(tariff, periods, start, tz, reservation_expired, omitted_vat is OmittedVat.EXEMPT)


def select(candidates: tuple[Element, ...], dimension: int, moment: Moment, seen: dict) -> Component | None:
    """The component of ``dimension`` of the first candidate whose restrictions hold at ``moment``."""
    for element in candidates:
        if not element.checks:
            return element.components[dimension]
        holds = seen.get(element.index)
        if holds is None:
            holds = seen[element.index] = element.holds(moment)
        if holds:
            return element.components[dimension]
    return None


def moment_at(tariff: CompiledTariff, period: ChargingPeriod, tz: tzinfo, kwh: Decimal, duration: timedelta) -> Moment:
    """What the restrictions see at the start of ``period``: local time, energy and time so far, power."""
    if tariff.needs_local_time:
        local = period.start.astimezone(tz)
        return Moment(
            local.hour * 60 + local.minute,
            local.date(),
            local.weekday(),
            kwh,
            duration,
            period.min_current,
            period.max_current,
            period.min_power,
            period.max_power,
        )
    return Moment(0, None, 0, kwh, duration, period.min_current, period.max_current, period.min_power, period.max_power)


@dataclass(slots=True)
class _Assigned:
    """Step 1's result: each priced volume as a line (component, volume, period index), one list per dimension
    (indexed ENERGY, TIME, PARKING, FLAT (unused), RESERVATION_TIME); the distinct FLAT components active in
    some period with the first such period; and the session's totals."""

    lines: tuple[list[tuple], ...]
    flats: dict[int, tuple[Component, int]]
    kwh: Decimal
    total_time: Decimal
    total_parking: Decimal
    total_reservation: Decimal


def _price(
    tariff: CompiledTariff,
    periods: Sequence[ChargingPeriod],
    start: datetime,
    tz: tzinfo,
    reservation_expired: bool | None,
    exempt: bool,
) -> PricedSession:
    """Rules 1-3: give every period's volumes their components; rules 4-5: bill each dimension; rule 6: clamp
    the total."""
    assigned = _assign(tariff, periods, start, tz, reservation_expired)
    breakdown: list[tuple] = []
    energy, time, parking, reservation = _bill_dimensions(assigned.lines, exempt, breakdown)
    fixed, reservation = _bill_flats(tariff, assigned.flats, reservation, exempt, breakdown)
    costs = (energy, time, parking, reservation, fixed)
    total_excl = energy.excl_vat + time.excl_vat + parking.excl_vat + reservation.excl_vat + fixed.excl_vat
    total_incl = (
        None
        if any(c.incl_vat is None for c in costs)
        else energy.incl_vat + time.incl_vat + parking.incl_vat + reservation.incl_vat + fixed.incl_vat
    )
    total, min_applied, max_applied = _clamp(tariff, total_excl, total_incl)
    return PricedSession(
        total_cost=total,
        total_energy_cost=energy,
        total_time_cost=time,
        total_parking_cost=parking,
        total_fixed_cost=fixed,
        total_reservation_cost=reservation,
        total_energy=assigned.kwh,
        total_charging_time=assigned.total_time,
        total_parking_time=assigned.total_parking,
        total_reservation_time=assigned.total_reservation,
        breakdown=breakdown,
        min_price_applied=min_applied,
        max_price_applied=max_applied,
        vat_exempt_when_omitted=exempt,
    )


def _assign(
    tariff: CompiledTariff,
    periods: Sequence[ChargingPeriod],
    start: datetime,
    tz: tzinfo,
    reservation_expired: bool | None,
) -> _Assigned:
    """Rules 1-3: the component of each period's volume per dimension, and the FLAT components that apply.
    The dimensions stay unrolled: this loop runs once per charging period of every CDR."""
    session_start = next((p.start for p in periods if not p.reservation), None)
    if reservation_expired is None:
        reservation_expired = session_start is None and any(p.reservation for p in periods)
    session_start = session_start or start
    reservation_candidates = (
        tariff.expired_reservation_candidates if reservation_expired else tariff.reservation_candidates
    )
    session_candidates = tariff.session_candidates

    flat_candidates, energy_candidates, time_candidates, parking_candidates = (
        session_candidates[FLAT],
        session_candidates[ENERGY],
        session_candidates[TIME],
        session_candidates[PARKING],
    )
    lines: tuple[list[tuple], ...] = ([], [], [], [], [])
    energy_lines, time_lines, parking_lines = lines[ENERGY], lines[TIME], lines[PARKING]
    flats: dict[int, tuple[Component, int]] = {}
    if len(flat_candidates) == 1 and not flat_candidates[0].checks:  # one FLAT that always applies
        fixed_flat, flat_candidates = flat_candidates[0].components[FLAT], ()
    else:
        fixed_flat = None
    kwh = total_time = total_parking = total_reservation = ZERO
    for i, p in enumerate(periods):
        seen: dict[int, bool] = {}
        if p.reservation:
            moment = moment_at(tariff, p, tz, kwh, p.start - start)
            component = select(reservation_candidates[TIME], TIME, moment, seen)
            if component is not None:
                lines[RESERVATION_TIME].append((component, p.reservation, i))
            component = select(reservation_candidates[FLAT], FLAT, moment, seen)
            if component is not None and id(component) not in flats:
                flats[id(component)] = (component, i)
            total_reservation += p.reservation
            if not (p.energy or p.time or p.parking):
                continue
            seen = {}
        if fixed_flat is not None and id(fixed_flat) not in flats:
            flats[id(fixed_flat)] = (fixed_flat, i)
        moment = moment_at(tariff, p, tz, kwh, p.start - session_start)
        if flat_candidates:
            component = select(flat_candidates, FLAT, moment, seen)
            if component is not None and id(component) not in flats:
                flats[id(component)] = (component, i)
        volume = p.energy
        if volume:
            component = select(energy_candidates, ENERGY, moment, seen)
            if component is not None:
                energy_lines.append((component, volume, i))
            kwh += volume
        volume = p.time
        if volume:
            component = select(time_candidates, TIME, moment, seen)
            if component is not None:
                time_lines.append((component, volume, i))
            total_time += volume
        volume = p.parking
        if volume:
            component = select(parking_candidates, PARKING, moment, seen)
            if component is not None:
                parking_lines.append((component, volume, i))
            total_parking += volume
    return _Assigned(lines, flats, kwh, total_time, total_parking, total_reservation)


def _bill_dimensions(lines: tuple[list[tuple], ...], exempt: bool, breakdown: list[tuple]
                     ) -> tuple[Cost, Cost, Cost, Cost]:
    """Rules 4-5 for the volume dimensions: (energy, time, parking, reservation time) costs. The charging time
    is not rounded up when parking follows it."""
    parking_lines = lines[PARKING]
    energy = _bill(lines[ENERGY], energy_extra, "ENERGY", exempt, breakdown)
    time = _bill(lines[TIME], None if parking_lines else time_extra, "TIME", exempt, breakdown)
    parking = _bill(parking_lines, time_extra, "PARKING_TIME", exempt, breakdown)
    reservation = _bill(lines[RESERVATION_TIME], time_extra, "RESERVATION_TIME", exempt, breakdown)
    return energy, time, parking, reservation


def _bill_flats(tariff: CompiledTariff, flats: dict[int, tuple[Component, int]], reservation: Cost, exempt: bool,
                breakdown: list[tuple]) -> tuple[Cost, Cost]:
    """Rule 3: each FLAT once; a reservation element's FLAT adds to the reservation cost, the others make the
    fixed cost. (fixed, reservation)."""
    fixed_flats, reservation_flats = [], []
    for component, i in flats.values():
        is_reservation = tariff.elements[component.element].reservation is not None
        (reservation_flats if is_reservation else fixed_flats).append((component, component.price))
        breakdown.append((i, "FLAT", component, _ONE, _ONE, component.price))
    fixed = _sum(fixed_flats, exempt)
    if reservation_flats:
        flat = _sum(reservation_flats, exempt)
        reservation = Cost(
            reservation.excl_vat + flat.excl_vat,
            None if reservation.incl_vat is None or flat.incl_vat is None else reservation.incl_vat + flat.incl_vat,
        )
    return fixed, reservation


def _bill(lines: list[tuple], extra, name: str, exempt: bool, breakdown: list[tuple]) -> Cost:
    """The cost of one dimension's lines: exact products per component, plus the step_size extra once.

    ``extra`` rounds the dimension's billable total with the last line's step_size (None: no rounding);
    what it adds is billed at the last line's price.
    """
    if not lines:
        return Cost(ZERO, ZERO)
    per_component: dict[int, list] = {}
    total = ZERO
    for component, volume, i in lines:
        amount = volume * component.price
        total += volume
        entry = per_component.get(id(component))
        if entry is None:
            per_component[id(component)] = [component, amount]
        else:
            entry[1] += amount
        breakdown.append((i, name, component, volume, volume, amount))
    if extra is not None:
        i, _, last, volume, _, amount = breakdown[-1]
        numerator, divisor = extra(total, last.step_size)
        if numerator:
            extra_amount = last.price * numerator if divisor == 1 else last.price * numerator / divisor
            per_component[id(last)][1] += extra_amount
            billed = volume + (numerator if divisor == 1 else numerator / divisor)
            breakdown[-1] = (i, name, last, volume, billed, amount + extra_amount)
    return _sum(per_component.values(), exempt)


def _sum(amounts, exempt: bool) -> Cost:
    """(component, amount excl. VAT) pairs as one Cost; incl. VAT per component."""
    excl = incl = ZERO
    known = True
    for component, amount in amounts:
        excl += amount
        if component.vat_factor is not None:
            incl += amount * component.vat_factor
        elif exempt or not amount:
            incl += amount
        else:
            known = False
    return Cost(excl, incl if known else None)


def _clamp(tariff: CompiledTariff, excl: Decimal, incl: Decimal | None) -> tuple[Cost, bool, bool]:
    low, high = tariff.min_price, tariff.max_price
    min_applied = max_applied = False
    if low is not None:
        if excl < low.excl_vat:
            excl, min_applied = low.excl_vat, True
        if low.incl_vat is not None and incl is not None and incl < low.incl_vat:
            incl, min_applied = low.incl_vat, True
    if high is not None:
        if excl > high.excl_vat:
            excl, max_applied = high.excl_vat, True
        if high.incl_vat is not None and incl is not None and incl > high.incl_vat:
            incl, max_applied = high.incl_vat, True
    return Cost(excl, incl), min_applied, max_applied
