"""The engine's charging period: plain data, one per OCPI ChargingPeriod.

Volumes in OCPI units: energy in kWh, TIME (charging), PARKING_TIME and RESERVATION_TIME in hours.
Power in kW and current in A are the lowest and highest values seen in the period (``None``: unknown).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from roamstream.ocpi.numbers import round4
from roamstream.ocpi.timefmt import format_datetime, parse_datetime
from roamstream.tariffs.exceptions import InvalidCdrError

ZERO = Decimal(0)


@dataclass(slots=True)
class ChargingPeriod:
    start: datetime  # aware, UTC
    energy: Decimal = ZERO
    time: Decimal = ZERO
    parking: Decimal = ZERO
    reservation: Decimal = ZERO
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None

    def dimensions(self) -> list[dict[str, Any]]:
        """The OCPI CdrDimensions of this period, volumes with 4 decimals. Only dimensions a CDR may carry;
        a session period always carries ENERGY (so that no period is without dimensions)."""
        dims = []
        for name, value in (
            ("RESERVATION_TIME", self.reservation or None),
            ("ENERGY", self.energy if self.energy or not self.reservation else None),
            ("TIME", self.time or None),
            ("PARKING_TIME", self.parking or None),
            ("MIN_CURRENT", self.min_current),
            ("MAX_CURRENT", self.max_current),
            ("MIN_POWER", self.min_power),
            ("MAX_POWER", self.max_power),
        ):
            if value is not None:
                dims.append({"type": name, "volume": round4(value)})
        return dims

    def to_ocpi(self, tariff_id: str | None = None) -> dict[str, Any]:
        """An OCPI 2.2.1 ChargingPeriod (CDR flavour) as JSON data with Decimal volumes."""
        period: dict[str, Any] = {
            "start_date_time": format_datetime(self.start),
            "dimensions": self.dimensions(),
        }
        if tariff_id:
            period["tariff_id"] = tariff_id
        return period


#: CdrDimensionType -> how a dimension feeds a ChargingPeriod; the Session-only ones are accepted too
#: (they appear in Session charging periods) and used only where nothing better is known.
_VOLUME_FIELDS = {
    "ENERGY": "energy",
    "TIME": "time",
    "PARKING_TIME": "parking",
    "RESERVATION_TIME": "reservation",
}
_LIMIT_FIELDS = {
    "MIN_CURRENT": "min_current",
    "MAX_CURRENT": "max_current",
    "MIN_POWER": "min_power",
    "MAX_POWER": "max_power",
}
_AVERAGE_FIELDS = {"CURRENT": ("min_current", "max_current"), "POWER": ("min_power", "max_power")}
_IGNORED = {"ENERGY_EXPORT", "ENERGY_IMPORT", "STATE_OF_CHARGE"}


def periods_from_ocpi(raw_periods: Any, path: str = "cdr.charging_periods") -> list[ChargingPeriod]:
    """Engine periods from OCPI ChargingPeriod JSON data (numbers as Decimal/int), with precise errors.

    A period without MIN_/MAX_ values takes the other bound, then the Session-only average (CURRENT,
    POWER), so that a period with only ``MAX_CURRENT`` 16 is known to charge at no more than 16 A.
    """
    if not isinstance(raw_periods, Sequence) or isinstance(raw_periods, str) or not raw_periods:
        raise InvalidCdrError(path, "must be a list with at least one charging period")
    periods = []
    previous: datetime | None = None
    for i, raw in enumerate(raw_periods):
        ppath = f"{path}[{i}]"
        if not isinstance(raw, Mapping):
            raise InvalidCdrError(ppath, "must be a JSON object")
        try:
            start = parse_datetime(raw.get("start_date_time"))
        except (TypeError, ValueError):
            raise InvalidCdrError(f"{ppath}.start_date_time", "must be an RFC 3339 timestamp") from None
        if previous is not None and start < previous:
            raise InvalidCdrError(f"{ppath}.start_date_time", "is before the previous period's start")
        previous = start
        periods.append(_period(start, raw.get("dimensions"), f"{ppath}.dimensions"))
    return periods


def _period(start: datetime, dims: Any, path: str) -> ChargingPeriod:
    if not isinstance(dims, Sequence) or isinstance(dims, str):
        raise InvalidCdrError(path, "must be a list of CdrDimensions")
    period = ChargingPeriod(start=start)
    averages: dict[str, Decimal] = {}
    seen: set[str] = set()
    for j, dim in enumerate(dims):
        dpath = f"{path}[{j}]"
        kind = dim.get("type") if isinstance(dim, Mapping) else None
        if not isinstance(kind, str) or not (
            kind in _VOLUME_FIELDS or kind in _LIMIT_FIELDS or kind in _AVERAGE_FIELDS or kind in _IGNORED
        ):
            raise InvalidCdrError(f"{dpath}.type", f"unknown dimension {kind!r}")
        if kind in seen:
            raise InvalidCdrError(f"{dpath}.type", f"{kind} appears twice in one period")
        seen.add(kind)
        volume = _volume(dim.get("volume"), f"{dpath}.volume")
        if kind in _VOLUME_FIELDS:
            if kind != "ENERGY" and volume < 0:
                raise InvalidCdrError(f"{dpath}.volume", "must be >= 0")
            setattr(period, _VOLUME_FIELDS[kind], volume)
        elif kind in _LIMIT_FIELDS:
            setattr(period, _LIMIT_FIELDS[kind], volume)
        elif kind in _AVERAGE_FIELDS:
            averages[kind] = volume
    for low, high, average in (
        ("min_current", "max_current", "CURRENT"),
        ("min_power", "max_power", "POWER"),
    ):
        lo, hi = getattr(period, low), getattr(period, high)
        setattr(period, low, lo if lo is not None else hi if hi is not None else averages.get(average))
        setattr(period, high, hi if hi is not None else lo if lo is not None else averages.get(average))
    return period


def _volume(value: Any, path: str) -> Decimal:
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return Decimal(repr(value))
    raise InvalidCdrError(path, "must be a number")
