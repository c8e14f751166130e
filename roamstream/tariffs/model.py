"""The compiled form of a Tariff: plain slotted objects the pricing loop reads without any validation.

Dimensions are small ints (``ENERGY``, ``TIME``, ``PARKING``, ``FLAT``) so that lookups are list indexes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

ENERGY, TIME, PARKING, FLAT = 0, 1, 2, 3
DIMENSION_NAMES = ("ENERGY", "TIME", "PARKING_TIME", "FLAT")
DIMENSIONS = {name: i for i, name in enumerate(DIMENSION_NAMES)}

RESERVATION = "RESERVATION"
RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


class Moment:
    """What the restrictions look at, at the start of a charging period (or a segment of one)."""

    __slots__ = (
        "minute",
        "day",
        "weekday",
        "kwh",
        "duration",
        "min_current",
        "max_current",
        "min_power",
        "max_power",
    )

    def __init__(
        self,
        minute: int,
        day: date | None,
        weekday: int,
        kwh: Decimal,
        duration: timedelta,
        min_current: Decimal | None = None,
        max_current: Decimal | None = None,
        min_power: Decimal | None = None,
        max_power: Decimal | None = None,
    ) -> None:
        self.minute = minute  # local minute of the day, 0..1439
        self.day = day  # local date
        self.weekday = weekday  # 0 = Monday
        self.kwh = kwh  # energy consumed since session start, before this moment
        self.duration = duration  # since session start
        self.min_current = min_current
        self.max_current = max_current
        self.min_power = min_power
        self.max_power = max_power


Check = Callable[[Moment], bool]


@dataclass(frozen=True, slots=True)
class Component:
    """A PriceComponent: ``price`` per unit excl. VAT; ``vat_factor`` = 1 + vat/100, None when omitted."""

    element: int
    index: int
    dimension: int
    price: Decimal
    vat: Decimal | None
    vat_factor: Decimal | None
    step_size: int


@dataclass(frozen=True, slots=True)
class Element:
    index: int
    components: tuple[Component | None, ...]  # by dimension
    checks: tuple[Check, ...]  # all must hold; empty = no restrictions
    reservation: str | None
    #: the tariff-relevant boundaries of this element's restrictions (for splitting periods)
    times_of_day: tuple[int, ...] = ()  # minutes of the day
    needs_midnight: bool = False  # date or day_of_week restriction
    kwh_thresholds: tuple[Decimal, ...] = ()
    duration_thresholds: tuple[timedelta, ...] = ()
    uses_power: bool = False
    uses_current: bool = False

    def holds(self, moment: Moment) -> bool:
        for check in self.checks:
            if not check(moment):
                return False
        return True


@dataclass(frozen=True, slots=True)
class MinMax:
    excl_vat: Decimal
    incl_vat: Decimal | None


@dataclass(frozen=True, slots=True)
class CompiledTariff:
    id: str
    currency: str
    last_updated: datetime | None
    elements: tuple[Element, ...]
    #: per dimension, the elements (in tariff order) with a component of that dimension
    session_candidates: tuple[tuple[Element, ...], ...]
    #: per dimension, for the periods of a reservation that was used / that expired
    reservation_candidates: tuple[tuple[Element, ...], ...]
    expired_reservation_candidates: tuple[tuple[Element, ...], ...]
    min_price: MinMax | None = None
    max_price: MinMax | None = None
    start_date_time: datetime | None = None
    end_date_time: datetime | None = None
    needs_local_time: bool = False
    uses_power: bool = False
    uses_current: bool = False
