"""The fold's entry points: apply an event, advance event time, finish."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from roamstream.sessions.drain import Output, drain, prune
from roamstream.sessions.exceptions import EventError, StateVersionError
from roamstream.sessions.state import DEFAULT, VERSION, Params, State, to_us, upgrade
from roamstream.sessions.station import apply_station
from roamstream.sessions.transaction import apply_transaction


def apply(state: State, event: dict[str, Any]) -> State:
    """Fold one ``ocpp.events.v1`` event (a transaction event has ``action``, else a station event) into
    ``state``, in the order the connector received them.

    Updates ``state`` in place and returns it (no copy per event); the event is not modified.
    """
    if state.get("v") != VERSION and upgrade(state).get("v") != VERSION:
        raise StateVersionError(f"session state of version {state.get('v')!r}; this fold reads {VERSION}")
    if event["charge_point_id"] != state["cp"]:
        raise EventError(f"event of {event['charge_point_id']!r} applied to the state of {state['cp']!r}")
    if "action" in event:
        apply_transaction(state, event)
    else:
        apply_station(state, event)
    return state


def expire(state: State, now: datetime | int, params: Params = DEFAULT) -> State:
    """Advance the state's event time to ``now`` (latest event time the agent saw) and forget old data.

    Sessions idle past ``params.horizon`` are then completed (as estimated) by the next ``drain``.
    """
    ts = to_us(now)
    if state["watermark"] is None or ts > state["watermark"]:
        state["watermark"] = ts
    prune(state, params)
    return state


def finish(state: State, params: Params = DEFAULT) -> tuple[State, list[Output]]:
    """Complete every open session now (end of a batch or replay); stopped ones as usual, others estimated."""
    return drain(state, params, close_all=True)
