"""The estimated running ``total_cost`` of a Session (pure), used only when its snapshot has no charging period
yet (only its start) or no meter timeline (kept by an older worker); otherwise ``session_periods`` prices the
periods themselves. Its energy and duration so far, priced with the session's tariff (the one its CDR will be
priced with) by the tariff engine.

A snapshot knows the energy so far, not when within the session it flowed: the engine is given the session
as charging from its start to the snapshot's time with the energy so far at the end. Flat fees, energy and
time prices are exact for that; where energy prices change within the session (time of day, steps) it is an
estimate. The CDR, priced from every meter sample, is the bill.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from roamstream.ocpi.location import Location
from roamstream.tariffs import MeterSample, build_charging_periods, price_periods
from roamstream.tariffs.model import CompiledTariff

_ZERO = Decimal(0)


def running_total_cost(start: datetime, until: datetime, kwh: Decimal, location: Location,
                       tariff: CompiledTariff) -> dict[str, Any]:
    """``total_cost`` (OCPI Price: ``excl_vat``, ``incl_vat`` when the tariff has VAT) of a session that
    started at ``start`` and had taken ``kwh`` by ``until``."""
    tz = ZoneInfo(location.time_zone)
    if until <= start:
        samples = [MeterSample(start, _ZERO, False)]
        until = start
    else:
        samples = [MeterSample(start, _ZERO, True), MeterSample(until, Decimal(kwh), False)]
    periods = build_charging_periods(tariff, samples, tz, start, until)
    return price_periods(tariff, periods, start=start, tz=tz).total_cost.to_ocpi()
