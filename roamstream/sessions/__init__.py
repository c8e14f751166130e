"""The session fold: OCPP transaction and station events of one charge point in, sessions out.

Pure (no faust, Kafka or HTTP). A faust agent keyed by charge point keeps one ``State`` per charge point in
a table and, per event, calls::

    state = apply(state, event)            # ocpp.transaction.v1 or ocpp.station.v1 record (decoded dict)
    state, outputs = drain(state, params)  # completed sessions and snapshots to send
    table[cp] = state                      # write the value back

and, from a timer, ``expire(state, now, params)`` then ``drain`` with ``now`` = the latest event time the
agent has seen, so that sessions of quiet charge points still close. ``finish`` completes everything
(end of a batch or a replay).

State: a JSON-ready dict (see ``state.initial``) with ``"v": VERSION``; ``apply`` updates it in place and
returns it. Outputs: ``Output(kind, record)``; kind ``"completed"`` carries a ``sessions.completed.v1``
record (timestamps as tz-aware datetimes, decimals as strings), kind ``"snapshot"`` a session snapshot
(see ``drain._snapshot``). Rules are documented in ``transaction`` (facts and deduplication), ``drain``
(when a session completes), ``timeline`` (energy, timeline, parking).
"""

from roamstream.sessions.drain import COMPLETED, SNAPSHOT, Output, drain, next_due
from roamstream.sessions.exceptions import EventError, SessionError, StateVersionError
from roamstream.sessions.fold import apply, expire, finish
from roamstream.sessions.ids import session_id
from roamstream.sessions.state import DEFAULT, VERSION, Params, State, initial

__all__ = [
    "COMPLETED", "DEFAULT", "SNAPSHOT", "VERSION", "EventError", "Output", "Params", "SessionError", "State",
    "StateVersionError",
    "apply", "drain", "expire", "finish", "initial", "next_due", "session_id",
]
