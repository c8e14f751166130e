"""Apply one normalised OCPP transaction event (1.6 or 2.0.1) to the state, as facts.

A session collects facts (its start, its stop, register and power samples, charging states), each
deduplicated by a natural key, so that the completed session depends on the set of events and not on
their order. Message ids are never used: they change between retries.
"""

from __future__ import annotations

from typing import Any

from roamstream.sessions.exceptions import EventError
from roamstream.sessions.samples import add_charging_state, add_event_samples, is_number, merge_into, track
from roamstream.sessions.state import Session, Start, State, Stop, add_flag, ckey, new_session, to_us

_KINDS = ("STARTED", "UPDATED", "ENDED")


def apply_transaction(state: State, event: dict[str, Any]) -> None:
    kind = event["kind"]
    if kind not in _KINDS:
        raise EventError(f"unknown transaction event kind {kind!r}")
    meter = event.get("meter_wh")
    if meter is not None and not is_number(meter):  # kept as text, read as a Decimal by the session's later steps
        raise EventError(f"{kind} event's meter_wh {meter!r} is not a decimal number")
    ts = to_us(event["timestamp"])
    if state["watermark"] is None or ts > state["watermark"]:
        state["watermark"] = ts
    state["clock_skew"] = to_us(event["received_at"]) - ts
    ck = ckey(event.get("evse_id"), event.get("connector_id"))
    tx = event.get("transaction_id")
    if tx is None:
        if kind != "UPDATED":
            raise EventError(f"{kind} event without transaction id")
        _pool_samples(state, event, ck, ts)
        return
    key = state["alias"].get(tx, tx)
    if kind == "STARTED" and event.get("ocpp_version") == "1.6":
        key = _canonical_start(state, event, tx, ts)
    if key in state["closed"]:
        state["stats"]["late"] += 1
        return
    session = state["open"].get(key)
    if session is None:
        session = state["open"][key] = new_session(key)
    seq = event.get("seq_no")
    if seq is not None:
        if seq in session["seq"]:
            state["stats"]["dup"] += 1
            return
        session["seq"].append(seq)
    if session["connector_key"] is None:
        session["connector_key"] = ck
    if session["first"] is None or ts < session["first"]:
        session["first"] = ts
    if session["last"] is None or ts > session["last"]:
        session["last"] = ts
    tag = event.get("id_tag")
    if tag is not None:
        fact = [ts, -1 if seq is None else seq, tag]
        if session["tag"] is None or fact < session["tag"]:
            session["tag"] = fact
    method = event.get("auth_method")
    if method is not None:
        _keep_earliest(session, "decision", [ts, -1 if seq is None else seq, to_us(event["received_at"]), method,
                                       event.get("authorization_reference")])
    if kind == "STARTED":
        _set_start(state, session, event, ts, ck)
    elif kind == "ENDED":
        _set_stop(session, event, ts)
    charging_state = event.get("charging_state")
    if charging_state:
        add_charging_state(session["m"], ts, charging_state, -1 if seq is None else seq)
    for total in add_event_samples(session["m"], event, session):
        track(session, "energy_first", total, earliest=True)
        track(session, "energy_last", total, earliest=False)


def _pool_samples(state: State, event: dict[str, Any], ck: str | None, ts: int) -> None:
    """1.6 MeterValues without a transaction id: samples wait in the connector's pool, and a session
    takes those inside its span when it completes (``samples.claim``), whatever the order of arrival."""
    if ck is None:
        state["stats"]["orphan"] += 1
        return
    totals = add_event_samples(state["pool"].setdefault(ck, {}), event, None)
    key = _open_on(state, ck, ts)
    if key is not None:
        for total in totals:
            track(state["open"][key], "energy_last", total, earliest=False)


def _open_on(state: State, ck: str | None, ts: int) -> str | None:
    """The open session a sample without transaction id most likely belongs to (for snapshots only)."""
    best, best_start = None, None
    for key, session in state["open"].items():
        start = session["start"]
        if start is None or start[Start.TIME] > ts or (ck is not None and session["connector_key"] != ck):
            continue
        stop = session["stop"]
        if stop is not None and stop[Stop.TIME] < ts:
            continue
        if best_start is None or start[Start.TIME] > best_start:
            best, best_start = key, start[Start.TIME]
    return best


def _canonical_start(state: State, event: dict[str, Any], tx: str, ts: int) -> str:
    """1.6 StartTransaction retries get a new transaction id from us: keep one, alias the others.

    The canonical id is that of the earliest received start with this natural key (ties: the smaller
    id), so the choice does not depend on processing order.
    """
    natural = f"{event.get('connector_id')}|{event.get('id_tag')}|{ts}|{event.get('meter_wh')}"
    canonical = state["natural_keys"].get(natural)
    if canonical is None or canonical == tx:
        state["natural_keys"][natural] = tx
        return tx
    if canonical not in state["closed"]:
        held = state["open"].get(canonical)
        held_start = held["start"] if held else None
        mine = (to_us(event["received_at"]), tx)
        if held_start is not None and mine < (held_start[Start.RECEIVED_AT], canonical):
            _merge(state, src=canonical, dst=tx)
            state["natural_keys"][natural] = tx
            return tx
    _merge(state, src=tx, dst=canonical)
    return canonical


def _merge(state: State, src: str, dst: str) -> None:
    """Make ``dst`` canonical for ``src``: repoint aliases and move ``src``'s facts into ``dst``."""
    aliases = state["alias"]
    aliases[src] = dst
    for other, target in aliases.items():
        if target == src:
            aliases[other] = dst
    aliases.pop(dst, None)
    moved = state["open"].pop(src, None)
    if moved is None or dst in state["closed"]:
        return
    into = state["open"].get(dst)
    if into is None:
        moved["tx"] = dst
        state["open"][dst] = moved
        return
    for fact in ("start", "stop"):
        if moved[fact] is not None:
            _choose(into, fact, moved[fact])
    into["first"] = _min(into["first"], moved["first"])
    into["last"] = _max(into["last"], moved["last"])
    into["connector_key"] = into["connector_key"] or moved["connector_key"]
    into["seq"].extend(s for s in moved["seq"] if s not in into["seq"])
    if moved["tag"] is not None and (into["tag"] is None or moved["tag"] < into["tag"]):
        into["tag"] = moved["tag"]
    if moved["decision"] is not None:
        _keep_earliest(into, "decision", moved["decision"])
    merge_into(into, moved["m"])
    for name, earliest in (("energy_first", True), ("energy_last", False)):
        if moved[name] is not None:
            track(into, name, moved[name], earliest)
    for flag in moved["flags"]:
        add_flag(into, flag)


def _keep_earliest(session: Session, name: str, fact: list[Any]) -> None:
    """Keep the earliest of two facts (None sorts first), whatever the order they came in."""
    held = session[name]
    if held is None or _sortable(fact) < _sortable(held):
        session[name] = fact


def _sortable(fact: list[Any]) -> tuple:
    return tuple((0, 0) if v is None else (1, v) for v in fact)


def _set_start(state: State, session: Session, event: dict[str, Any], ts: int, ck: str | None) -> None:
    if ck is not None:
        session["connector_key"] = ck
    seq = event.get("seq_no")
    fact = [
        ts,
        event.get("meter_wh"),
        to_us(event["received_at"]),
        -1 if seq is None else seq,
        event.get("connector_id"),
        event.get("evse_id"),
        event.get("id_tag"),
    ]
    _choose(session, "start", fact)
    if ck is not None and ts > state["latest_starts"].get(ck, -1):
        state["latest_starts"][ck] = ts


def _set_stop(session: Session, event: dict[str, Any], ts: int) -> None:
    seq = event.get("seq_no")
    fact = [
        ts,
        -1 if seq is None else seq,
        event.get("meter_wh"),
        event.get("stop_reason"),
        event.get("id_tag"),
    ]
    _choose(session, "stop", fact)


def _choose(session: Session, name: str, fact: list[Any]) -> None:
    """At most one start and one stop per transaction: the earliest (time, seqNo, received) wins."""
    held = session[name]
    if held is None:
        session[name] = fact
        return
    if _substance(name, held) != _substance(name, fact):
        add_flag(session, f"duplicate_{name}")
    if _order(name, fact) < _order(name, held):
        session[name] = fact


def _substance(name: str, fact: list[Any]) -> list[Any]:
    """A start retried by a 1.6 charger differs only in when we received it: not a second start."""
    return fact[:Start.RECEIVED_AT] + fact[Start.RECEIVED_AT + 1:] if name == "start" else fact


def _order(name: str, fact: list[Any]) -> tuple:
    """Starts by (time, seqNo, received_at, rest), stops by (time, seqNo, rest); None sorts first."""
    head = (fact[Start.TIME], fact[Start.SEQ], fact[Start.RECEIVED_AT]) if name == "start" else ()
    return head + tuple((0, 0) if v is None else (1, v) for v in fact)


def _min(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _max(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)
