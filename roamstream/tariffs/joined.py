"""Pieces of a session joined into charging periods as they come (for the builder, ``build``).

A piece is a stretch of the session in which nothing the tariff looks at changes, with one sample in force: its
start and end, the energy since the session start at its end, the sample and the power over it. A piece priced by
the same components as the one before it joins its period; another starts the next period.
Volumes are taken as differences of rounded running totals, so the periods add up to the rounded totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from roamstream.ocpi.numbers import round4
from roamstream.tariffs.periods import ChargingPeriod

if TYPE_CHECKING:
    from roamstream.tariffs.build import MeterSample

HOUR = Decimal(3_600_000_000)  # microseconds
_ZERO = Decimal(0)
_NO_TIME = timedelta(0)


@dataclass(slots=True)
class Joined:
    """The periods so far: the closed ones, and what the open one's pieces add up to (``add`` a piece with its
    pricing key)."""

    closed: list[ChargingPeriod]
    key: tuple | None = None  # the pricing of the open period (None: no piece yet)
    start: datetime | None = None  # of the open period
    energy_end: Decimal = _ZERO  # since the session start, at the end of the last piece
    min_current: Decimal | None = None  # of the open period's pieces
    max_current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    charging_time: timedelta = _NO_TIME  # since the session start
    parking_time: timedelta = _NO_TIME
    energy_done: Decimal = _ZERO  # the rounded totals at the end of the last closed period
    charging_done: Decimal = _ZERO
    parking_done: Decimal = _ZERO

    def fork(self) -> Joined:
        """A copy to go on with, whose ``closed`` holds only the periods closed after this point."""
        return Joined([], self.key, self.start, self.energy_end, self.min_current, self.max_current,
                       self.min_power, self.max_power, self.charging_time, self.parking_time,
                       self.energy_done, self.charging_done, self.parking_done)  # fmt: skip

    def add(
        self,
        key: tuple,
        start: datetime,
        end: datetime,
        energy_end: Decimal,
        sample: MeterSample,
        power: Decimal | None,
    ) -> None:
        """Add the piece from ``start`` to ``end`` (its fields as arguments: the builder adds one or more per sample,
        and makes no object of them)."""
        if key != self.key:
            if self.key is not None:
                period, self.energy_done, self.charging_done, self.parking_done = self.period()
                self.closed.append(period)
            self.key, self.start = key, start
            self.min_current = self.max_current = self.min_power = self.max_power = None
        self.energy_end = energy_end
        current = sample.current_a
        if current is not None:  # the first of equal values, as min() and max() take
            if self.min_current is None or current < self.min_current:
                self.min_current = current
            if self.max_current is None or current > self.max_current:
                self.max_current = current
        if power is not None:
            if self.min_power is None or power < self.min_power:
                self.min_power = power
            if self.max_power is None or power > self.max_power:
                self.max_power = power
        if sample.charging:
            self.charging_time += end - start
        else:
            self.parking_time += end - start

    def period(self) -> tuple[ChargingPeriod, Decimal, Decimal, Decimal]:
        """The open period as it stands, and the rounded energy, charging and parking totals at its end."""
        energy = round4(self.energy_end)
        charging = round4(hours(self.charging_time))
        parking = round4(hours(self.parking_time))
        period = ChargingPeriod(
            start=self.start,
            energy=energy - self.energy_done,
            time=charging - self.charging_done,
            parking=parking - self.parking_done,
            min_current=round4(self.min_current) if self.min_current is not None else None,
            max_current=round4(self.max_current) if self.max_current is not None else None,
            min_power=round4(self.min_power) if self.min_power is not None else None,
            max_power=round4(self.max_power) if self.max_power is not None else None,
        )
        return period, energy, charging, parking


def micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def hours(delta: timedelta) -> Decimal:
    return Decimal(micros(delta)) / HOUR
