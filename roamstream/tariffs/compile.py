"""Validate an OCPI 2.2.1 Tariff and compile it once into the engine's internal form.

``compile_tariff`` accepts the Tariff as JSON data (a mapping; numbers as ``Decimal`` or ``int``, e.g.
from ``json.loads(text, parse_float=Decimal)``) or as a ``roamstream.ocpi.tariff.Tariff`` model. Every rule
it enforces names the field: ``tariff.elements[0].price_components[1].step_size: must be > 0``.

Rules beyond the JSON shape (decisions documented here, tested in tests/tariffs/test_compile.py):
- ``step_size`` must be a whole number > 0 for ENERGY, TIME and PARKING_TIME. FLAT has no unit for
  ``step_size`` (mod_tariffs, TariffDimensionType), so any whole number >= 0 is accepted and ignored there:
  the spec's own Free-of-Charge example has a FLAT component with ``step_size`` 0.
- ``price`` and ``vat`` must be >= 0; an omitted ``vat`` is kept as "omitted", not as 0 (see pricing).
- One price component per dimension per element: a second one could never become active.
- An element with a ``reservation`` restriction may only have FLAT and TIME components.
- ``min_*`` must be below ``max_*`` (a restriction that can never hold is a mistake, not a tariff).
- An OCPI 2.3.0 ``tax_included: "YES"`` is refused: its prices include taxes, which 2.2.1 cannot express.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from roamstream.tariffs import fields as f
from roamstream.tariffs import restrictions as r
from roamstream.tariffs.exceptions import InvalidTariffError
from roamstream.tariffs.model import (
    DIMENSION_NAMES,
    DIMENSIONS,
    FLAT,
    RESERVATION,
    RESERVATION_EXPIRES,
    TIME,
    CompiledTariff,
    Component,
    Element,
    MinMax,
)

_WEEKDAYS = {d: i for i, d in enumerate(("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"))}
_RESERVATION_DIMENSIONS = (FLAT, TIME)


def compile_tariff(tariff: Mapping[str, Any] | Any) -> CompiledTariff:
    """The compiled tariff; raises ``InvalidTariffError`` naming the first field that breaks a rule."""
    data = _plain(tariff) if not isinstance(tariff, Mapping) else tariff
    if not isinstance(data, Mapping):
        raise InvalidTariffError("tariff", "must be a JSON object")
    tariff_id = f.string(data, "id", "tariff", required=True, max_length=36)
    currency = f.string(data, "currency", "tariff", required=True)
    if not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise InvalidTariffError("tariff.currency", "must be a 3-letter ISO 4217 code")
    if data.get("tax_included") == "YES":
        raise InvalidTariffError(
            "tariff.tax_included", "prices that include taxes (OCPI 2.3.0) cannot be priced as OCPI 2.2.1"
        )
    raw_elements = data.get("elements")
    if not isinstance(raw_elements, list) or not raw_elements:
        raise InvalidTariffError("tariff.elements", "must be a list with at least one element")
    elements = tuple(_element(raw, i) for i, raw in enumerate(raw_elements))

    min_price = _min_max(data.get("min_price"), "tariff.min_price")
    max_price = _min_max(data.get("max_price"), "tariff.max_price")
    if min_price and max_price and min_price.excl_vat > max_price.excl_vat:
        raise InvalidTariffError("tariff.min_price.excl_vat", "must not exceed max_price.excl_vat")
    start = f.timestamp(data, "start_date_time", "tariff")
    end = f.timestamp(data, "end_date_time", "tariff")
    if start and end and start > end:
        raise InvalidTariffError("tariff.end_date_time", "must not be before start_date_time")

    def candidates(keep) -> tuple[tuple[Element, ...], ...]:
        return tuple(
            _reachable(tuple(e for e in elements if keep(e) and e.components[dim] is not None))
            for dim in range(len(DIMENSION_NAMES))
        )

    expired_first = tuple(e for e in elements if e.reservation == RESERVATION_EXPIRES) + tuple(
        e for e in elements if e.reservation == RESERVATION
    )
    return CompiledTariff(
        id=tariff_id,
        currency=currency.upper(),
        last_updated=f.timestamp(data, "last_updated", "tariff"),
        elements=elements,
        session_candidates=candidates(lambda e: e.reservation is None),
        reservation_candidates=candidates(lambda e: e.reservation == RESERVATION),
        expired_reservation_candidates=tuple(
            tuple(e for e in expired_first if e.components[dim] is not None) for dim in range(len(DIMENSION_NAMES))
        ),
        min_price=min_price,
        max_price=max_price,
        start_date_time=start,
        end_date_time=end,
        needs_local_time=any(e.times_of_day or e.needs_midnight for e in elements),
        uses_power=any(e.uses_power for e in elements),
        uses_current=any(e.uses_current for e in elements),
    )


def _reachable(candidates: tuple[Element, ...]) -> tuple[Element, ...]:
    """``candidates`` up to the first one without restrictions: the ones after it can never apply."""
    for i, element in enumerate(candidates):
        if not element.checks:
            return candidates[: i + 1]
    return candidates


class TariffCache:
    """Compiled tariffs by (country_code, party_id, id, last_updated): a tariff is compiled once."""

    def __init__(self, max_size: int = 4096) -> None:
        self._max_size = max_size
        self._items: OrderedDict[tuple, CompiledTariff] = OrderedDict()

    def get(self, tariff: Mapping[str, Any] | Any) -> CompiledTariff:
        data = tariff if type(tariff) is dict or isinstance(tariff, Mapping) else _plain(tariff)
        last_updated = data.get("last_updated") if isinstance(data, Mapping) else None
        if last_updated is None:  # no version to key on: never cached
            return compile_tariff(data)
        key = (str(data.get("country_code")), str(data.get("party_id")), str(data.get("id")), str(last_updated))
        compiled = self._items.get(key)
        if compiled is None:
            compiled = compile_tariff(data)
            self._items[key] = compiled
            if len(self._items) > self._max_size:
                self._items.popitem(last=False)
        else:
            self._items.move_to_end(key)
        return compiled


def _element(raw: Any, i: int) -> Element:
    path = f"tariff.elements[{i}]"
    if not isinstance(raw, Mapping):
        raise InvalidTariffError(path, "must be a JSON object")
    raw_components = raw.get("price_components")
    if not isinstance(raw_components, list) or not raw_components:
        raise InvalidTariffError(f"{path}.price_components", "must be a list with at least one component")
    restrictions = raw.get("restrictions")
    if restrictions is not None and not isinstance(restrictions, Mapping):
        raise InvalidTariffError(f"{path}.restrictions", "must be a JSON object")
    restrictions = restrictions or {}
    reservation = restrictions.get("reservation")
    if reservation not in (None, RESERVATION, RESERVATION_EXPIRES):
        raise InvalidTariffError(
            f"{path}.restrictions.reservation", f"unknown ReservationRestrictionType {reservation!r}"
        )

    by_dimension: list[Component | None] = [None] * len(DIMENSION_NAMES)
    first_at: dict[int, int] = {}
    for j, raw_component in enumerate(raw_components):
        component = _component(raw_component, i, j)
        cpath = f"{path}.price_components[{j}]"
        if reservation is not None and component.dimension not in _RESERVATION_DIMENSIONS:
            raise InvalidTariffError(
                f"{cpath}.type",
                f"{DIMENSION_NAMES[component.dimension]} is not allowed in a reservation element (only FLAT and TIME)",
            )
        if component.dimension in first_at:
            raise InvalidTariffError(
                f"{cpath}.type",
                f"second {DIMENSION_NAMES[component.dimension]} component in one element "
                f"(first at price_components[{first_at[component.dimension]}]); it could never apply",
            )
        first_at[component.dimension] = j
        by_dimension[component.dimension] = component
    return _with_restrictions(i, tuple(by_dimension), restrictions, reservation, f"{path}.restrictions")


def _component(raw: Any, i: int, j: int) -> Component:
    path = f"tariff.elements[{i}].price_components[{j}]"
    if not isinstance(raw, Mapping):
        raise InvalidTariffError(path, "must be a JSON object")
    name = raw.get("type")
    if not isinstance(name, str) or name not in DIMENSIONS:
        raise InvalidTariffError(
            f"{path}.type", f"unknown dimension {name!r} (expected one of {', '.join(DIMENSION_NAMES)})"
        )
    dimension = DIMENSIONS[name]
    price = f.number(raw, "price", path, required=True, minimum=Decimal(0))
    vat = f.number(raw, "vat", path, minimum=Decimal(0))
    if "step_size" not in raw or raw["step_size"] is None:
        raise InvalidTariffError(f"{path}.step_size", "is required")
    step = f.whole(raw["step_size"], f"{path}.step_size")
    if dimension != FLAT and step <= 0:
        raise InvalidTariffError(f"{path}.step_size", "must be > 0")
    if step < 0:
        raise InvalidTariffError(f"{path}.step_size", "must be >= 0")
    return Component(
        element=i,
        index=j,
        dimension=dimension,
        price=price,
        vat=vat,
        vat_factor=None if vat is None else 1 + vat / 100,
        step_size=step,
    )


def _with_restrictions(
    index: int,
    components: tuple[Component | None, ...],
    raw: Mapping[str, Any],
    reservation: str | None,
    path: str,
) -> Element:
    checks = []
    times: list[int] = []
    start_time = f.time_of_day(raw, "start_time", path)
    end_time = f.time_of_day(raw, "end_time", path)
    if start_time is not None or end_time is not None:
        checks.append(r.time_window(start_time, end_time))
        times = [t for t in (start_time, end_time) if t is not None]

    start_date = f.local_date(raw, "start_date", path)
    end_date = f.local_date(raw, "end_date", path)
    if start_date and end_date and start_date >= end_date:
        raise InvalidTariffError(f"{path}.end_date", "must be after start_date (end_date is exclusive)")
    if start_date or end_date:
        checks.append(r.date_window(start_date, end_date))

    days = raw.get("day_of_week")
    if days is not None:
        if not isinstance(days, list) or any(not isinstance(d, str) or d not in _WEEKDAYS for d in days):
            raise InvalidTariffError(f"{path}.day_of_week", "must be a list of DayOfWeek values")
        if days:
            checks.append(r.weekdays(frozenset(_WEEKDAYS[d] for d in days)))

    kwh = _bounds(raw, "kwh", path, Decimal)
    current = _bounds(raw, "current", path, Decimal)
    power = _bounds(raw, "power", path, Decimal)
    duration = _bounds(raw, "duration", path, int)
    for (low, high), make_min, make_max in (
        (kwh, r.min_kwh, r.max_kwh),
        (current, r.min_current, r.max_current),
        (power, r.min_power, r.max_power),
    ):
        if low is not None:
            checks.append(make_min(low))
        if high is not None:
            checks.append(make_max(high))
    durations = tuple(timedelta(seconds=s) for s in duration if s is not None)
    if duration[0] is not None:
        checks.append(r.min_duration(timedelta(seconds=duration[0])))
    if duration[1] is not None:
        checks.append(r.max_duration(timedelta(seconds=duration[1])))

    return Element(
        index=index,
        components=components,
        checks=tuple(checks),
        reservation=reservation,
        times_of_day=tuple(times),
        needs_midnight=bool(start_date or end_date or days),
        kwh_thresholds=tuple(b for b in kwh if b is not None),
        duration_thresholds=durations,
        uses_power=power != (None, None),
        uses_current=current != (None, None),
    )


def _bounds(raw: Mapping[str, Any], name: str, path: str, kind: type) -> tuple[Any, Any]:
    if kind is int:
        low = f.whole(raw["min_" + name], f"{path}.min_{name}") if raw.get("min_" + name) is not None else None
        high = f.whole(raw["max_" + name], f"{path}.max_{name}") if raw.get("max_" + name) is not None else None
        for value, which in ((low, "min_"), (high, "max_")):
            if value is not None and value < 0:
                raise InvalidTariffError(f"{path}.{which}{name}", "must be >= 0")
    else:
        low = f.number(raw, "min_" + name, path, minimum=Decimal(0))
        high = f.number(raw, "max_" + name, path, minimum=Decimal(0))
    if low is not None and high is not None and low >= high:
        raise InvalidTariffError(f"{path}.max_{name}", f"must be greater than min_{name} (max is exclusive)")
    return low, high


def _min_max(raw: Any, path: str) -> MinMax | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InvalidTariffError(path, "must be a Price object")
    excl = f.number(raw, "excl_vat", path, required=True, minimum=Decimal(0))
    incl = f.number(raw, "incl_vat", path, minimum=Decimal(0))
    return MinMax(excl_vat=excl, incl_vat=incl)


def _plain(obj: Any) -> Any:
    """A pydantic model (e.g. ``roamstream.ocpi.tariff.Tariff``) as plain data, numbers unrounded."""
    fields = getattr(type(obj), "model_fields", None)
    if fields is not None:
        return {name: _plain(getattr(obj, name)) for name in fields if getattr(obj, name) is not None}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    value = getattr(obj, "value", None)  # enums
    return value if isinstance(value, str) else obj
