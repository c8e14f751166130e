"""The OCPI 2.2.1 Session object of a session-fold snapshot (pure)."""

from __future__ import annotations

from typing import Any

from roamstream.cdrs.authorization import authorized, cdr_token
from roamstream.cdrs.resolve import evse_uid, find_connector
from roamstream.ocpi import jsonio
from roamstream.ocpi.location import Location
from roamstream.ocpi.numbers import round4
from roamstream.ocpi.session import Session
from roamstream.ocpi.token import Token


def build_session(
    snapshot: dict[str, Any], token: Token, location: Location, currency: str, cpo: tuple[str, str],
    total_cost: dict[str, Any] | None = None, charging_periods: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], str]:
    """(data, JSON text); ``last_updated`` is the snapshot's latest event time, never the wall clock;
    ``total_cost`` the running cost and ``charging_periods`` the periods so far (``session_periods``), when the
    session's tariff is known."""
    uid = evse_uid(snapshot["charge_point_id"], snapshot["connector_id"], snapshot["evse_id"])
    _, connector = find_connector(location, uid, snapshot["connector_id"] if snapshot["evse_id"] else None)
    data: dict[str, Any] = {
        "country_code": cpo[0],
        "party_id": cpo[1],
        "id": snapshot["session_id"],
        "start_date_time": snapshot["start"],
    }
    if snapshot["end"] is not None:
        data["end_date_time"] = snapshot["end"]
    data.update(
        {
            "kwh": round4(snapshot["kwh"]),
            "cdr_token": cdr_token(token, snapshot["id_tag"]),
            **authorized(snapshot),
            "location_id": location.id,
            "evse_uid": uid,
            "connector_id": connector.id,
            "currency": currency,
            **({"charging_periods": charging_periods} if charging_periods is not None else {}),
            **({"total_cost": total_cost} if total_cost is not None else {}),
            "status": snapshot["status"],
            "last_updated": snapshot["end"] or snapshot["last_event"],
        }
    )
    text = jsonio.dumps(data)
    Session.model_validate_json(text)
    return data, text
