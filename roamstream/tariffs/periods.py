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
from roamstream.tariffs.fields import to_decimal

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


#: CdrDimensionType -> the ChargingPeriod field it fills. The Session-only CURRENT and POWER (averages)
#: are accepted too, as they appear in Session charging periods, and used only when no MIN_/MAX_ is given.
_FIELDS = {
    "ENERGY": 0, "TIME": 1, "PARKING_TIME": 2, "RESERVATION_TIME": 3,
    "MIN_CURRENT": 4, "MAX_CURRENT": 5, "MIN_POWER": 6, "MAX_POWER": 7, "CURRENT": 8, "POWER": 9,
    "ENERGY_EXPORT": None, "ENERGY_IMPORT": None, "STATE_OF_CHARGE": None,
}  # fmt: skip
_VOLUMES = 4  # the first four fields are volumes


def periods_from_ocpi(raw_periods: Any, path: str = "cdr.charging_periods") -> list[ChargingPeriod]:
    """Engine periods from OCPI ChargingPeriod JSON data (numbers as Decimal/int), with precise errors.

    A period without MIN_/MAX_ values takes the other bound, then the Session-only average (CURRENT,
    POWER), so that a period with only ``MAX_CURRENT`` 16 is known to charge at no more than 16 A.
    """
    if type(raw_periods) is not list and (not isinstance(raw_periods, Sequence) or isinstance(raw_periods, str)):
        raise InvalidCdrError(path, "must be a list with at least one charging period")
    if not raw_periods:
        raise InvalidCdrError(path, "must be a list with at least one charging period")
    periods = []
    previous: datetime | None = None
    for i, raw in enumerate(raw_periods):
        if type(raw) is not dict and not isinstance(raw, Mapping):
            raise InvalidCdrError(f"{path}[{i}]", "must be a JSON object")
        try:
            start = parse_datetime(raw.get("start_date_time"))
        except (TypeError, ValueError):
            raise InvalidCdrError(f"{path}[{i}].start_date_time", "must be an RFC 3339 timestamp") from None
        if previous is not None and start < previous:
            raise InvalidCdrError(f"{path}[{i}].start_date_time", "is before the previous period's start")
        previous = start
        periods.append(_period(start, raw.get("dimensions"), path, i))
    return periods


def _period(start: datetime, dims: Any, path: str, i: int) -> ChargingPeriod:
    if type(dims) is not list and (not isinstance(dims, Sequence) or isinstance(dims, str)):
        raise InvalidCdrError(f"{path}[{i}].dimensions", "must be a list of CdrDimensions")
    values: list[Decimal | None] = [None] * 10
    for j, dim in enumerate(dims):
        try:
            field = _FIELDS[dim["type"]]
            volume = dim["volume"]
        except (KeyError, TypeError):
            field, volume = _bad_dimension(dim, f"{path}[{i}].dimensions[{j}]")
        if field is None:
            continue
        if type(volume) is not Decimal:
            volume = _volume(volume, f"{path}[{i}].dimensions[{j}].volume")
        if values[field] is not None:
            raise InvalidCdrError(f"{path}[{i}].dimensions[{j}].type", f"{dim['type']} appears twice in one period")
        if 0 < field < _VOLUMES and volume < 0:
            raise InvalidCdrError(f"{path}[{i}].dimensions[{j}].volume", "must be >= 0")
        values[field] = volume
    energy, time, parking, reservation, min_c, max_c, min_p, max_p, current, power = values
    if min_c is None:
        min_c = max_c if max_c is not None else current
    if max_c is None:
        max_c = min_c
    if min_p is None:
        min_p = max_p if max_p is not None else power
    if max_p is None:
        max_p = min_p
    return ChargingPeriod(start, energy or ZERO, time or ZERO, parking or ZERO, reservation or ZERO,
                          min_c, max_c, min_p, max_p)  # fmt: skip


def _bad_dimension(dim: Any, path: str) -> tuple[int | None, Any]:
    if not isinstance(dim, Mapping):
        raise InvalidCdrError(path, "must be a CdrDimension object")
    kind = dim.get("type")
    if not isinstance(kind, str) or kind not in _FIELDS:
        raise InvalidCdrError(f"{path}.type", f"unknown dimension {kind!r}")
    raise InvalidCdrError(f"{path}.volume", "is required")


def _volume(value: Any, path: str) -> Decimal:
    volume = to_decimal(value)
    if volume is None:
        raise InvalidCdrError(path, "must be a number")
    return volume
