"""Expected records, built independently of the connector's code (the formulas are restated here)."""

from __future__ import annotations

import hashlib
import json
import uuid

NS = uuid.UUID("6f1c1d0e-8a43-5b7e-9a0c-3c0f2a5e7d41")


def v16_tx_id(cp: str, connector: int, id_tag: str, at, meter_start: int) -> str:
    key = "\x1f".join((cp, str(connector), id_tag, at.isoformat(), str(meter_start)))
    return str(int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") & 0x7FFFFFFF)


def eid(*key) -> str:
    return str(uuid.uuid5(NS, "\x1f".join(str(k) for k in key)))


def sample(
    at,
    measurand,
    value,
    unit,
    *,
    raw_value=None,
    raw_unit=None,
    phase=None,
    location="Outlet",
    context="Sample.Periodic",
):
    return {
        "timestamp": at,
        "measurand": measurand,
        "value": value,
        "unit": unit,
        "raw_value": raw_value or value,
        "raw_unit": raw_unit or unit,
        "phase": phase,
        "location": location,
        "context": context,
    }


#: the station event kind of each station message the simulator sends that is not a transaction message
STATION_KIND = {"BootNotification": "BOOT", "Heartbeat": "HEARTBEAT", "StatusNotification": "STATUS"}


def receive_order(raw: list[dict]) -> list[str]:
    """What ``ocpp.events.v1`` holds for one connection whose ``ocpp.raw.v1`` frames are ``raw``, as the
    action of each transaction event and the kind of each station event: CONNECTED, one event per CALL in
    the order the CALLs came in (an Authorize is answered, nothing is published for it), DISCONNECTED."""
    calls = [json.loads(r["frame"])[2] for r in raw if r["direction"] == "IN"]
    return ["CONNECTED", *[STATION_KIND.get(c, c) for c in calls if c != "Authorize"], "DISCONNECTED"]


def as_received(events: list[dict]) -> list[str]:
    return [e["action"] if "action" in e else e["kind"] for e in events]
