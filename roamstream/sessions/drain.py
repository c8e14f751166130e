"""Emit what the state has ready: completed sessions and throttled session snapshots.

When a session is completed (see ``ready``) its record is built from the facts collected so far, it
leaves the state, and its transaction id is remembered (``closed``) so that any later event for it —
a late sample, a duplicate stop, an offline start — is dropped and counted (``stats.late``): an emitted
session is never changed or reopened.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from roamstream.sessions.ids import session_id
from roamstream.sessions.state import DEFAULT, Params, Session, State, from_us, span_us
from roamstream.sessions.station import first_status_after, prune_connectors
from roamstream.sessions.timeline import available_after_stop, complete, needs_available

COMPLETED = "completed"
SNAPSHOT = "snapshot"
_THOUSAND = Decimal(1000)
_ZERO = Decimal(0)


class Output(NamedTuple):
    kind: str  # COMPLETED (a sessions.completed.v1 record) or SNAPSHOT
    record: dict[str, Any]


def drain(state: State, params: Params = DEFAULT, *, close_all: bool = False) -> tuple[State, list[Output]]:
    """Complete the sessions that are ready (all of them with ``close_all``) and emit due snapshots."""
    outputs: list[Output] = []
    wm = state["wm"]
    if wm is None:
        return state, outputs
    done = [key for key, s in state["open"].items() if close_all or ready(state, s, wm, params)]
    for key, session in state["open"].items():
        if key not in done:
            _maybe_snapshot(state, session, params, outputs)
    for key in done:
        session = state["open"].pop(key)
        record = complete(state, session)
        kwh = (Decimal(record["meter_stop_wh"]) - Decimal(record["meter_start_wh"])) / _THOUSAND
        outputs.append(Output(SNAPSHOT, _snapshot(state, session, record, kwh, "COMPLETED", "end")))
        outputs.append(Output(COMPLETED, record))
        state["closed"][key] = session["stop"][0] if session["stop"] else session["last"]
    if done:
        prune(state, params)
    return state, outputs


def ready(state: State, session: Session, wm: int, params: Params) -> bool:
    """Whether a session can be completed at event time ``wm``."""
    start, stop = session["start"], session["stop"]
    if stop is not None:
        if start is None:
            return wm >= session["last"] + span_us(params.close_grace)
        if needs_available(state, session) and available_after_stop(state, session) is None:
            return wm >= stop[0] + span_us(params.parking_wait)
        return wm >= stop[0] + span_us(params.settle)
    if wm - session["last"] >= span_us(params.horizon):
        return True
    if start is None:
        return False
    signals = []
    next_start = state["ls"].get(session["ck"])
    if next_start is not None and next_start > start[0]:
        signals.append(next_start)
    available = first_status_after(state, session["ck"], max(start[0] + 1, session["last"]))
    if available is not None:
        signals.append(available)
    return bool(signals) and wm >= min(signals) + span_us(params.close_grace)


def _maybe_snapshot(state: State, session: Session, params: Params, outputs: list[Output]) -> None:
    if session["start"] is None or session["stop"] is not None:  # a stopped session's next one is "end"
        return
    kwh = _running_kwh(session)
    held = session["snap"]
    if held is None:
        reason = "start"
    elif session["last"] - held[0] >= span_us(params.snapshot_every):
        reason = "interval"
    elif kwh - Decimal(held[1]) >= params.snapshot_kwh:
        reason = "energy"
    else:
        return
    session["snap"] = [session["last"], str(kwh)]
    outputs.append(Output(SNAPSHOT, _snapshot(state, session, None, kwh, "ACTIVE", reason)))


def _running_kwh(session: Session) -> Decimal:
    latest = session["el"]
    if latest is None:
        return _ZERO
    base = session["start"][1] or (session["ef"][1] if session["ef"] else None)
    if base is None:
        return _ZERO
    return max(_ZERO, (Decimal(latest[1]) - Decimal(base)) / _THOUSAND)


def _snapshot(state: State, session: Session, record: dict[str, Any] | None, kwh: Decimal,
              status: str, reason: str) -> dict[str, Any]:
    if record is not None:
        return {
            "session_id": record["session_id"], "charge_point_id": record["charge_point_id"],
            "transaction_id": record["transaction_id"], "connector_id": record["connector_id"],
            "evse_id": record["evse_id"], "id_tag": record["id_tag"], "status": status,
            "start": record["start"], "end": record["end"], "kwh": kwh,
            "last_event": from_us(session["last"]), "estimated": record["estimated"],
            "reason": reason,
        }
    start = session["start"]
    return {
        "session_id": session_id(state["cp"], session["tx"]), "charge_point_id": state["cp"],
        "transaction_id": session["tx"], "connector_id": start[4], "evse_id": start[5],
        "id_tag": start[6] or "", "status": status, "start": from_us(start[0]), "end": None, "kwh": kwh,
        "last_event": from_us(session["last"]), "estimated": False, "reason": reason,
    }


def prune(state: State, params: Params) -> None:
    """Forget completed transactions past the retention (or beyond ``max_closed``) and old statuses."""
    wm = state["wm"]
    if wm is None:
        return
    closed = state["closed"]
    cutoff = wm - span_us(params.retention)
    for key in [k for k, end in closed.items() if end < cutoff]:
        del closed[key]
    if len(closed) > params.max_closed:
        for key in sorted(closed, key=closed.__getitem__)[: len(closed) - params.max_closed]:
            del closed[key]
    known = closed.keys() | state["open"].keys()
    for table in ("alias", "nk"):
        mapping = state[table]
        for key in [k for k, target in mapping.items() if target not in known]:
            del mapping[key]
    prune_connectors(state, wm - span_us(params.horizon) - span_us(params.parking_wait))
