"""The ``charging_periods`` and running ``total_cost`` of a Session from its fold snapshot (pure).

The periods are cut by the tariff engine's own builder (``build_charging_periods``) from the snapshot's meter
timeline, with the tariff the session's CDR will be priced with, exactly as ``assemble.build_cdr`` cuts the
CDR's. A partner appends the periods of every PATCH (mod_sessions), so a period once sent must never change:

- an ACTIVE Session carries its *closed* periods only: every period but the last, which is still growing (its
  end is where the next tariff-relevant boundary or change of charging will be, not known yet). The timeline
  of an active snapshot ends at the session's latest energy register reading (``samples_so_far``).
- the COMPLETED Session carries every period, computed from the completed record's timeline: the CDR's.

``total_cost`` is the price of every period so far, the open one included (COMPLETED: the CDR's total_cost).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from roamstream.cdrs.assemble import meter_samples
from roamstream.ocpi.location import Location
from roamstream.tariffs import build_charging_periods, price_periods
from roamstream.tariffs.model import CompiledTariff

COMPLETED = "COMPLETED"


def session_periods(snapshot: dict[str, Any], location: Location,
                    tariff: CompiledTariff) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
    """(``charging_periods`` as OCPI data, ``total_cost``) of a snapshot that has a ``samples`` timeline; None
    while it has no period yet (nothing after its start)."""
    start: datetime = snapshot["start"]
    final = snapshot["status"] == COMPLETED
    tz = ZoneInfo(location.time_zone)
    periods = build_charging_periods(tariff, meter_samples(snapshot), tz, start, snapshot["end"] if final else None)
    if not periods:
        return None
    cost = price_periods(tariff, periods, start=start, tz=tz).total_cost.to_ocpi()
    sent = periods if final else periods[:-1]
    return [p.to_ocpi(tariff.id) for p in sent], cost
