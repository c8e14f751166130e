"""The session fold: one charge point's OCPP transaction and station events in, sessions out.

Pure (no faust, Kafka or HTTP imports). Per charge point, a faust agent keeps one ``State`` in a table::

    state = initial(charge_point_id)            # or json.loads(stored)
    state = apply(state, event)                 # decoded ocpp.transaction.v1 (has "action") or ocpp.station.v1
    state, outputs = drain(state, params)       # completed sessions and snapshots to send, in order
    table[cp] = json.dumps(state)               # write the value back

and from a timer, for the charge points whose ``next_due(state, params)`` has passed::

    state, outputs = drain(expire(state, now, params), params)

with ``now`` the event time the agent has reached (the latest transaction-event time it has seen on
*all* its partitions, i.e. their minimum, for replays to be deterministic). Without that timer the last
session of a quiet charge point completes only when it sends a later transaction event. ``finish(state,
params)`` completes everything at once (end of a batch or replay).

State: a JSON-ready dict (``state.initial``; ``"v": VERSION``) that ``apply``/``drain``/``expire``
update in place and return (no copy per event); a state of another version raises
``StateVersionError``. Event time is the latest station time of the transaction events (station events
come from another topic and do not advance it).

Outputs: ``Output(kind, record)``. ``kind == COMPLETED``: a ``sessions.completed.v1`` record (datetimes
tz-aware UTC, decimals as strings). ``kind == SNAPSHOT``: ``{session_id, charge_point_id, transaction_id,
connector_id, evse_id, id_tag, status ("ACTIVE"|"COMPLETED"), start, end (None while active), kwh
(Decimal, kWh), last_event, estimated, reason ("start"|"interval"|"energy"|"end")}``; the COMPLETED
snapshot comes just before its completed record.

The rules live with their code: ``transaction`` (facts, deduplication, 1.6 start retries), ``samples``
(meter samples), ``station`` (connector statuses), ``drain`` (when a session completes; late events),
``timeline`` (energy, meter timeline, parking), ``ids`` (session ids).
"""

from roamstream.sessions.drain import COMPLETED, SNAPSHOT, Output, drain, next_due
from roamstream.sessions.exceptions import EventError, SessionError, StateVersionError
from roamstream.sessions.fold import apply, expire, finish
from roamstream.sessions.ids import session_id
from roamstream.sessions.state import DEFAULT, VERSION, Params, State, initial

__all__ = [
    "COMPLETED", "DEFAULT", "SNAPSHOT", "VERSION", "EventError", "Output", "Params", "SessionError", "State",
    "StateVersionError", "apply", "drain", "expire", "finish", "initial", "next_due", "session_id",
]
