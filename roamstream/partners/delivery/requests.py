"""The request that brings a partner from what it acknowledged to the latest state (pure).

A Session the partner does not have (or may have half-applied: an earlier outcome was unknown, or it answered
404 to a PATCH) is PUT whole. Otherwise it is PATCHed with every field that changed since the acknowledged
state, ``last_updated`` always, and only the new ``charging_periods`` (mod_sessions: a PATCH of
charging_periods appends); if the acknowledged periods are not a prefix of the latest ones, it is PUT.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from roamstream.ocpi import jsonio

_IDENTITY = ("country_code", "party_id", "id")


def _load(text: str) -> dict[str, Any]:
    return json.loads(text, parse_float=Decimal)


def session_change(acknowledged: str | None, latest: str) -> tuple[str, bytes] | None:
    """``(method, body)`` to send, or None when the partner already has ``latest``."""
    if acknowledged is None:
        return "PUT", latest.encode()
    old, new = _load(acknowledged), _load(latest)
    if old == new:
        return None
    old_periods, new_periods = old.get("charging_periods", []), new.get("charging_periods", [])
    if new_periods[: len(old_periods)] != old_periods:
        return "PUT", latest.encode()
    patch = {k: v for k, v in new.items() if k not in _IDENTITY and k != "charging_periods" and old.get(k) != v}
    if len(new_periods) > len(old_periods):
        patch["charging_periods"] = new_periods[len(old_periods):]
    patch["last_updated"] = new["last_updated"]
    return "PATCH", jsonio.dumps(patch).encode()


def session_status(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return json.loads(text).get("status")
    except ValueError:
        return None
