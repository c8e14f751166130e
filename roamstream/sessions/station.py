"""Connector statuses (StatusNotification), kept per connector for parking time and missing stops."""

from __future__ import annotations

from typing import Any

from roamstream.sessions.state import State, ckey, keep_first_seen, latest, to_us

#: statuses that tell whether energy is flowing during a session (OCPP 1.6; 2.0.1 uses chargingState)
STATUS_CHARGING = {"Charging": True, "SuspendedEV": False, "SuspendedEVSE": False, "Finishing": False}
AVAILABLE = "Available"


#: station events that carry no fact, only that the charge point's clock moved on
CLOCK_KINDS = frozenset({"HEARTBEAT", "TICK", "CONNECTED", "DISCONNECTED", "BOOT"})


def apply_station(state: State, event: dict[str, Any]) -> None:
    """Record a STATUS event's connector status; let the other station events advance event time.

    A heartbeat, a connection, a boot or the connector's tick (``CLOCK_KINDS``) tells that the charge
    point's clock has moved on: its event time becomes at least the event's receive time less the clock
    skew of its latest transaction event (station time as that event's clock would read it; nothing before
    the first transaction event). They come in the charge point's own stream, in the order they were
    received (``roamstream.events``), so this depends on nothing but that stream. A status is a fact with
    its own time (kept per connector, whatever the order of arrival) and does not move event time, so
    that completion never depends on where a status falls among the transaction events.
    """
    kind = event["kind"]
    if kind in CLOCK_KINDS:
        skew = state["clock_skew"]
        if skew is not None:
            at = to_us(event["received_at"]) - skew
            if state["watermark"] is None or at > state["watermark"]:
                state["watermark"] = at
        return
    status = event.get("status")
    if kind != "STATUS" or status is None:
        return
    ts = to_us(event["timestamp"])
    ck = ckey(event.get("evse_id"), event.get("connector_id"))
    if ck is None or ck in ("c0", "e0"):  # connector 0: the whole charge point
        return
    keep_first_seen(state["status"].setdefault(ck, {}), str(ts), status, to_us(event["received_at"]))


def first_status_after(state: State, ck: str | None, after: int, wanted: str = AVAILABLE) -> int | None:
    """The earliest time >= ``after`` at which connector ``ck`` reported ``wanted``."""
    best = None
    for key, statuses in state["status"].get(ck, {}).items():
        if latest(statuses) == wanted:
            ts = int(key)
            if ts >= after and (best is None or ts < best):
                best = ts
    return best


def charging_changes(state: State, ck: str | None, start: int, end: int) -> dict[int, bool]:
    """Connector statuses in [start, end) that say whether the EV is charging."""
    out = {}
    for key, statuses in state["status"].get(ck, {}).items():
        charging = STATUS_CHARGING.get(latest(statuses))
        if charging is not None:
            ts = int(key)
            if start <= ts < end:
                out[ts] = charging
    return out


def prune_connectors(state: State, keep_from: int) -> None:
    """Forget statuses and pooled samples older than ``keep_from``, unless an open session on that
    connector may still need them."""
    for table, floor in (("status", 16), ("pool", 0)):
        for ck, entries in state[table].items():
            if len(entries) <= floor:
                continue
            cutoff = keep_from
            for session in state["open"].values():
                if session["connector_key"] == ck and session["first"] is not None:
                    cutoff = min(cutoff, session["first"])
            for key in [k for k in entries if int(k.split("|", 1)[0]) < cutoff]:
                del entries[key]
