"""What the demo eMSPs must hold of our reference data once the demo's traffic is in: every Tariff and
Location (they publish Tariffs and Locations Receiver endpoints), each EVSE with the status its charge point
reported last (``Available`` at the end of its last session), as PUT and PATCHed by the delivery lanes."""

from __future__ import annotations

import json

from connectors.ocpp.simulator.plan import SessionPlan
from roamstream.cdrs.resolve import evse_uid
from roamstream.demo.emsp import EmspStore
from roamstream.ocpi.timefmt import format_datetime


def expected_statuses(plans: dict[str, list[SessionPlan]]) -> dict[str, tuple[str, str]]:
    """EVSE uid -> (OCPI status, last_updated) after the demo's sessions: AVAILABLE at its last stop."""
    last: dict[str, SessionPlan] = {}
    for own in plans.values():
        for plan in own:
            uid = evse_uid(plan.charge_point_id, plan.connector_id, None)
            if uid not in last or plan.stopped_at > last[uid].stopped_at:
                last[uid] = plan
    return {uid: ("AVAILABLE", format_datetime(plan.stopped_at)) for uid, plan in last.items()}


def evses(store: EmspStore) -> dict[str, tuple[str, str]]:
    return {e["uid"]: (e["status"], e["last_updated"])
            for raw in store.locations.values() for e in json.loads(raw).get("evses") or []}


def holds_all(store: EmspStore, tariffs: int, locations: int, statuses: dict[str, tuple[str, str]]) -> bool:
    held = evses(store)
    return (len(store.tariffs) == tariffs and len(store.locations) == locations
            and all(held.get(uid) == status for uid, status in statuses.items()))


def summary(stores: dict[str, EmspStore]) -> str:
    return "; ".join(f"{key} {len(s.tariffs)} tariffs, {len(s.locations)} locations, "
                     f"{len(s.evse_patches)} EVSE status PATCHes" for key, s in stores.items())
