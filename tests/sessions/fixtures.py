"""Factories of normalised OCPP events (the decoded ``ocpp.events.v1`` shape: transaction and station events)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from roamstream.sessions import COMPLETED, SNAPSHOT, Params, apply, drain, expire, initial

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
#: how far past the last event ``run`` advances event time by default: beyond settle and close_grace,
#: short of parking_wait and horizon
SETTLED = timedelta(minutes=10)
CP = "CP1"
ENERGY = "Energy.Active.Import.Register"


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def sample(minute: float, value: str, measurand: str = ENERGY, *, phase: str | None = None,
           location: str | None = None, context: str = "Sample.Periodic") -> dict[str, Any]:
    unit = {"Energy.Active.Import.Register": "Wh", "Power.Active.Import": "W", "Current.Import": "A"}
    return {"timestamp": at(minute), "measurand": measurand, "value": value, "unit": unit.get(measurand, "V"),
            "raw_value": value, "raw_unit": None, "phase": phase, "location": location, "context": context}


_ACTIONS_16 = {"STARTED": "StartTransaction", "UPDATED": "MeterValues", "ENDED": "StopTransaction"}


def tx_event(kind: str, minute: float, *, tx: str | None = "1", version: str = "1.6",
             connector: int | None = 1, evse: int | None = None, id_tag: str | None = "TAG1",
             meter: str | None = None,
             seq: int | None = None, charging_state: str | None = None, stop_reason: str | None = None,
             samples: list[dict[str, Any]] | tuple = (), received: float | None = None, message_id: str = "m",
             offline: bool = False, cp: str = CP) -> dict[str, Any]:
    action = _ACTIONS_16[kind] if version == "1.6" else "TransactionEvent"
    return {
        "event_id": f"{cp}:{tx}:{kind}:{minute}:{seq}", "charge_point_id": cp, "ocpp_version": version,
        "kind": kind, "action": action, "message_id": message_id, "timestamp": at(minute),
        "received_at": at(minute if received is None else received), "transaction_id": tx,
        "connector_id": connector, "evse_id": evse, "id_tag": id_tag, "meter_wh": meter, "seq_no": seq,
        "trigger_reason": None, "charging_state": charging_state, "stop_reason": stop_reason,
        "offline": offline, "samples": list(samples), "flags": [],
    }


def status(minute: float, value: str, *, connector: int = 1, evse: int | None = None, cp: str = CP) -> dict:
    return {"charge_point_id": cp, "ocpp_version": "1.6", "kind": "STATUS", "timestamp": at(minute),
            "received_at": at(minute), "connector_id": connector, "evse_id": evse, "status": value,
            "error_code": "NoError", "vendor": None, "model": None}


def clock(minute: float, kind: str = "TICK", *, cp: str = CP) -> dict:
    """A station event that only tells time passed (the connector's tick, a heartbeat, a connection)."""
    return {"charge_point_id": cp, "ocpp_version": None, "kind": kind, "timestamp": at(minute),
            "received_at": at(minute), "connector_id": None, "evse_id": None, "status": None,
            "error_code": None, "vendor": None, "model": None}


def session_16(tx: str = "1", start: float = 0, stop: float = 30, meter_start: int = 1000,
               per_minute: int = 100, every: float = 10, connector: int = 1) -> list[dict[str, Any]]:
    """A plain 1.6 session: StartTransaction, periodic MeterValues, StopTransaction."""
    events = [tx_event("STARTED", start, tx=tx, meter=str(meter_start), connector=connector)]
    m = start + every
    while m < stop:
        value = meter_start + int((m - start) * per_minute)
        events.append(tx_event("UPDATED", m, tx=tx, connector=connector, samples=[sample(m, str(value))]))
        m += every
    stop_meter = meter_start + int((stop - start) * per_minute)
    events.append(tx_event("ENDED", stop, tx=tx, meter=str(stop_meter), stop_reason="Local",
                           connector=connector))
    return events


def latest(events: list[dict[str, Any]]) -> datetime:
    return max(e["timestamp"] for e in events)


def run(events: list[dict[str, Any]], params: Params | None = None, now: datetime | None = None,
        cp: str = CP) -> tuple[dict, list[dict], list[dict]]:
    """Apply ``events`` in order, advance to ``now`` (default: ``SETTLED`` after the latest event) and
    drain once: (state, completed records, snapshots)."""
    state = initial(cp)
    for event in events:
        state = apply(state, event)
    state = expire(state, now or latest(events) + SETTLED, params or Params())
    state, outputs = drain(state, params or Params())
    return (state, [o.record for o in outputs if o.kind == COMPLETED],
            [o.record for o in outputs if o.kind == SNAPSHOT])


def run_stepwise(events: list[dict[str, Any]], params: Params | None = None, now: datetime | None = None,
                 cp: str = CP) -> tuple[dict, list[dict], list[dict]]:
    """Like the agent: apply, drain and round-trip the state through JSON after every event; then
    advance to ``now`` (default as ``run``) and drain."""
    params = params or Params()
    state = initial(cp)
    completed, snapshots = [], []

    def collect(outputs):
        completed.extend(o.record for o in outputs if o.kind == COMPLETED)
        snapshots.extend(o.record for o in outputs if o.kind == SNAPSHOT)

    for event in events:
        state, outputs = drain(apply(state, event), params)
        collect(outputs)
        state = json.loads(json.dumps(state))
    state, outputs = drain(expire(state, now or latest(events) + SETTLED, params), params)
    collect(outputs)
    return state, completed, snapshots
