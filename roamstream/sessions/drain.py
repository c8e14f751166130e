"""Emit what the state has ready: completed sessions and throttled session snapshots.

When a session is completed (see ``due``) its record is built from the facts collected so far, it
leaves the state, and its transaction id is remembered (``closed``) so that any later event for it —
a late sample, a duplicate stop, an offline start — is dropped and counted (``stats.late``): an emitted
session is never changed or reopened.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from roamstream.sessions import timeline_memo
from roamstream.sessions.ids import session_id
from roamstream.sessions.state import (
    DEFAULT,
    Params,
    Reading,
    Session,
    Start,
    State,
    Stop,
    authorization,
    from_us,
    id_tag,
    span_us,
)
from roamstream.sessions.station import first_status_after, prune_connectors
from roamstream.sessions.timeline import available_after_stop, needs_available

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
    wm = state["watermark"]
    if wm is None:
        return state, outputs
    done = []
    for key, session in state["open"].items():  # a snapshot changes nothing that due reads
        if close_all or wm >= due(state, session, params):
            done.append(key)
        else:
            _maybe_snapshot(state, session, params, outputs)
    for key in done:
        session = state["open"].pop(key)
        record = timeline_memo.complete_through(state, session)
        kwh = (Decimal(record["meter_stop_wh"]) - Decimal(record["meter_start_wh"])) / _THOUSAND
        outputs.append(Output(SNAPSHOT, {**_snapshot(state, session, record, kwh, "COMPLETED", "end"),
                                         "samples": record["samples"]}))
        outputs.append(Output(COMPLETED, record))
        state["closed"][key] = session["stop"][Stop.TIME] if session["stop"] else session["last"]
    if done:
        prune(state, params)
    return state, outputs


def due(state: State, session: Session, params: Params) -> int:
    """The event time at which ``session`` completes if no other event comes:

    - stopped: stop + ``settle``; without charging information and no Available after the stop yet
      (parking rule 3), stop + ``parking_wait``; without its start, last event + ``close_grace``;
    - not stopped: a later start on its connector or an Available after its last event, + ``close_grace``;
      at the latest, last event + ``horizon`` (then estimated).
    """
    start, stop = session["start"], session["stop"]
    if stop is not None:
        if start is None:
            return session["last"] + span_us(params.close_grace)
        if needs_available(state, session) and available_after_stop(state, session) is None:
            return stop[Stop.TIME] + span_us(params.parking_wait)
        return stop[Stop.TIME] + span_us(params.settle)
    at = session["last"] + span_us(params.horizon)
    if start is None:
        return at
    next_start = state["latest_starts"].get(session["connector_key"])
    if next_start is not None and next_start > start[Start.TIME]:
        at = min(at, next_start + span_us(params.close_grace))
    available = first_status_after(state, session["connector_key"], max(start[Start.TIME] + 1, session["last"]))
    if available is not None:
        at = min(at, available + span_us(params.close_grace))
    return at


def next_due(state: State, params: Params = DEFAULT) -> datetime | None:
    """The earliest event time at which ``expire`` + ``drain`` would complete a session (None: no open
    session), so that a timer only needs to visit the charge points that are due."""
    times = [due(state, s, params) for s in state["open"].values()]
    return from_us(min(times)) if times else None


def _maybe_snapshot(state: State, session: Session, params: Params, outputs: list[Output]) -> None:
    if session["start"] is None or session["stop"] is not None:  # a stopped session's next one is "end"
        return
    if not id_tag(session):  # authorised after it started (2.0.1): the first snapshot waits for the token
        return
    kwh = _running_kwh(session)
    held = session["snap"]
    if held is None:
        reason = "start"
    elif session["last"] - held[Reading.TIME] >= span_us(params.snapshot_every):
        reason = "interval"
    elif kwh - _decimal(held[Reading.VALUE]) >= params.snapshot_kwh:
        reason = "energy"
    else:
        return
    session["snap"] = [session["last"], str(kwh)]
    outputs.append(Output(SNAPSHOT, {**_snapshot(state, session, None, kwh, "ACTIVE", reason),
                                     "samples": timeline_memo.samples_so_far(state, session)}))


def _running_kwh(session: Session) -> Decimal:
    latest = session["energy_last"]
    if latest is None:
        return _ZERO
    first = session["energy_first"]
    base = session["start"][Start.METER_WH] or (first[Reading.VALUE] if first else None)
    if base is None:
        return _ZERO
    return _kwh(latest[Reading.VALUE], base)


@lru_cache(maxsize=1 << 14)
def _kwh(latest_wh: str, base_wh: str) -> Decimal:
    """The kWh from register value ``base_wh`` to ``latest_wh`` (none below zero); memoised by the texts, as a
    session's register changes once per meter value while every event asks."""
    return max(_ZERO, (Decimal(latest_wh) - Decimal(base_wh)) / _THOUSAND)


@lru_cache(maxsize=1 << 12)
def _decimal(text: str) -> Decimal:
    return Decimal(text)


def _snapshot(state: State, session: Session, record: dict[str, Any] | None, kwh: Decimal,
              status: str, reason: str) -> dict[str, Any]:
    if record is not None:
        return {
            "session_id": record["session_id"], "charge_point_id": record["charge_point_id"],
            "transaction_id": record["transaction_id"], "connector_id": record["connector_id"],
            "evse_id": record["evse_id"], "id_tag": record["id_tag"], "status": status,
            "start": record["start"], "end": record["end"], "kwh": kwh,
            "last_event": from_us(session["last"]), "estimated": record["estimated"],
            "reason": reason, "auth_method": record["auth_method"],
            "authorization_reference": record["authorization_reference"],
        }
    start = session["start"]
    method, reference = authorization(session)
    return {
        "session_id": session_id(state["cp"], session["tx"]), "charge_point_id": state["cp"],
        "transaction_id": session["tx"], "connector_id": start[Start.CONNECTOR_ID], "evse_id": start[Start.EVSE_ID],
        "id_tag": id_tag(session), "status": status, "start": from_us(start[Start.TIME]), "end": None, "kwh": kwh,
        "last_event": from_us(session["last"]), "estimated": False, "reason": reason,
        "auth_method": method, "authorization_reference": reference,
    }


def prune(state: State, params: Params) -> None:
    """Forget completed transactions past the retention (or beyond ``max_closed``) and old statuses."""
    wm = state["watermark"]
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
    for table in ("alias", "natural_keys"):
        mapping = state[table]
        for key in [k for k, target in mapping.items() if target not in known]:
            del mapping[key]
    prune_connectors(state, wm - span_us(params.horizon) - span_us(params.parking_wait))
