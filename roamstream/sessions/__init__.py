"""The session fold: one charge point's OCPP transaction and station events in, sessions out.

Pure (no faust, Kafka or HTTP imports). Per charge point, a faust agent keeps one ``State`` in a table::

    state = initial(charge_point_id)            # or json.loads(stored)
    state = apply(state, event)                 # a decoded ocpp.events.v1 record, in offset order
    state, outputs = drain(state, params)       # completed sessions and snapshots to send, in order
    table[cp] = json.dumps(state)               # write the value back

A transaction event's samples may come in either shape of ``ocpp.events.v1`` (records, or the columns of a
``TransactionEventV2`` as written); the fold reads both through ``roamstream.event_samples.readings``.

The outcome is a function of the charge point's own events in the order the connector received them
(``roamstream.events``): event time (``watermark``) moves only with them (a transaction event's station time, a
heartbeat's, connection's or tick's receive time less the latest clock skew; ``Params``), and a session
completes when it passes the session's due time. A charge point that goes quiet gets the connector's TICK
events in its stream (``connectors.ocpp.ticks``), so its last session completes too, at the same place on
every replay.
``expire(state, now, params)`` advances event time from outside (tests, tools); ``finish(state, params)``
completes everything at once (end of a replay).

State: a JSON-ready dict (``state.initial``; ``"v": VERSION``) that ``apply``/``drain``/``expire``
update in place and return (no copy per event); a state of an earlier version is upgraded
(``state.upgrade``), one of an unknown version raises ``StateVersionError``.

Outputs: ``Output(kind, record)``. ``kind == COMPLETED``: a ``sessions.completed.v1`` record (datetimes
tz-aware UTC, decimals as strings). ``kind == SNAPSHOT``: ``{session_id, charge_point_id, transaction_id,
connector_id, evse_id, id_tag, status ("ACTIVE"|"COMPLETED"), start, end (None while active), kwh
(Decimal, kWh), last_event, estimated, reason ("start"|"interval"|"energy"|"end"), auth_method,
authorization_reference}``; ``auth_method`` (WHITELIST or AUTH_REQUEST) and ``authorization_reference`` are
the connector's decision for the id tag carried by the earliest transaction event that has one (None when
no event carried one); the COMPLETED
snapshot comes just before its completed record.

A snapshot also carries ``samples``: the meter timeline in the completed record's shape, the completed
record's own in the COMPLETED snapshot, else the timeline so far up to the latest energy register reading
(``timeline.samples_so_far``), from which a Session's charging periods are cut. ``drain`` makes it through
``timeline_memo.MEMO``, which keeps each open session's timeline so far in memory for its next snapshot and its
completed record (derived data, bounded; None makes every one from the whole session: the same outputs).

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
