"""The Location, Tariff and EVSE status documents sent to partners, and their URLs (pure).

A Location is sent with the live status of its EVSEs: for each EVSE, of the status in the Location as the back
office PUT it and the latest OCPP status (``status.EvseStatus``), the later one counts (``last_updated`` against
the status's station time), and the EVSE's ``last_updated`` becomes that time. The Location's ``last_updated`` is
the latest of its own and its EVSEs' (mod_locations). Every time comes from the messages, never a clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from roamstream.ocpi import jsonio
from roamstream.ocpi.timefmt import format_datetime, parse_datetime
from roamstream.partners.locations.status import EvseStatus


def _load(text: str) -> dict[str, Any]:
    return json.loads(text, parse_float=Decimal)


def with_statuses(location_json: str, status_of: Callable[[str], EvseStatus | None]) -> str:
    """``location_json`` with each EVSE's latest known status."""
    location = _load(location_json)
    changed = False
    latest = parse_datetime(location["last_updated"])
    for evse in location.get("evses") or []:
        known = status_of(evse["uid"])
        evse_time = parse_datetime(evse["last_updated"])
        if known is not None and known.at > evse_time:
            evse["status"] = known.status.value
            evse["last_updated"] = format_datetime(known.at)
            evse_time = known.at
            changed = True
        latest = max(latest, evse_time)
    if not changed:
        return location_json
    location["last_updated"] = format_datetime(latest)
    return jsonio.dumps(location)


def evse_patch(location_json: str, uid: str) -> str:
    """The PATCH body of EVSE ``uid`` of ``location_json``: its ``status`` and ``last_updated``."""
    evse = next(e for e in _load(location_json).get("evses") or [] if e["uid"] == uid)
    return jsonio.dumps({"status": evse["status"], "last_updated": evse["last_updated"]})


def object_path(document_json: str, *tail: str) -> str:
    """``/{country_code}/{party_id}/{id}[/tail...]`` of a Tariff or Location (the Receiver's object URL)."""
    data = json.loads(document_json)
    return "/" + "/".join((data["country_code"], data["party_id"], data["id"], *tail))
