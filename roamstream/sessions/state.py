"""The fold's state: plain JSON data (dicts, lists, str, int, bool, None), versioned.

Times are integers of microseconds since the epoch (the Avro ``timestamp-micros`` value); as dict keys
they are their decimal strings. Decimals are strings. Connector keys (``ckey``) are ``e<evse>`` when the
event names an EVSE (OCPP 2.0.1), else ``c<connector>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from roamstream.sessions.exceptions import EventError

#: 2: ``sk`` (the clock skew of the latest transaction event), with which station events advance event time
#: 3: a session's ``au`` (how its id tag was authorised at the charger)
#: 4: keys named in full (``wm`` -> ``watermark``, ``ck`` -> ``connector_key``, ...: ``_RENAMED_IN_4``)
VERSION = 4

#: version 3's terse keys -> their names from version 4 on: of the state, and of each open session
_RENAMED_IN_4 = {"wm": "watermark", "sk": "clock_skew", "nk": "natural_keys", "ls": "latest_starts"}
_SESSION_RENAMED_IN_4 = {"ck": "connector_key", "ef": "energy_first", "el": "energy_last", "au": "decision"}

State = dict[str, Any]
Session = dict[str, Any]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Params:
    """Event-time rules of the fold (durations in event time, never the wall clock).

    Event time (``state["watermark"]``) is the latest station time of the charge point's own events: a
    transaction event's timestamp; a clock station event's (heartbeat, connection, boot, the connector's
    tick) receive time less the clock skew of the latest transaction event (``clock_skew``); or the ``now`` given
    to ``expire``. Nothing else moves it, so completion is a function of the charge point's own stream.
    """

    #: a session without a stop and without events for this long is closed as estimated
    horizon: timedelta = timedelta(hours=24)
    #: a next start or an Available closes an unstopped session once event time is this far past it;
    #: a session whose start is missing waits this long for it
    close_grace: timedelta = timedelta(minutes=2)
    #: a stopped session is completed once event time reaches stop + settle, so that samples delivered
    #: after the stop (offline queues, Transaction.End MeterValues) still count
    settle: timedelta = timedelta(minutes=5)
    #: a stopped session with no charging information waits this long for its connector's Available
    parking_wait: timedelta = timedelta(hours=4)
    #: snapshots of an active session: at most one per this much event time or this much energy
    snapshot_every: timedelta = timedelta(minutes=15)
    snapshot_kwh: Decimal = Decimal("1")
    #: completed transactions are remembered this long (and at most max_closed of them) to drop late events
    retention: timedelta = timedelta(days=7)
    max_closed: int = 512


DEFAULT = Params()


def initial(charge_point_id: str) -> State:
    """The empty state of one charge point."""
    return {
        "v": VERSION,
        "cp": charge_point_id,
        "watermark": None,  # latest event time seen (or given to expire)
        # received_at - timestamp of the latest transaction event (µs): the station time of station events
        "clock_skew": None,
        "open": {},  # canonical transaction id -> Session
        "alias": {},  # other transaction id of the same start (1.6 retries) -> canonical id
        "natural_keys": {},  # 1.6 start natural key -> canonical transaction id
        "closed": {},  # completed canonical transaction id -> end time
        "status": {},  # ckey -> {time: {connector status: received_at}}
        "pool": {},  # ckey -> samples of events without transaction id, as Session["m"]
        "latest_starts": {},  # ckey -> latest start time seen on it
        "stats": {"dup": 0, "late": 0, "orphan": 0},
    }


def upgrade(state: State) -> State:
    """A state of an earlier version in this version's shape (in place); states written by an older worker
    stay readable after a deploy."""
    if state.get("v") == 1:
        state["sk"] = None
        state["v"] = 2
    if state.get("v") == 2:
        for session in state["open"].values():
            session["au"] = None
        state["v"] = 3
    if state.get("v") == 3:
        _rename(state, _RENAMED_IN_4)
        for session in state["open"].values():
            _rename(session, _SESSION_RENAMED_IN_4)
        state["v"] = 4
    return state


def _rename(data: dict[str, Any], names: dict[str, str]) -> None:
    for old, new in names.items():
        if old in data:
            data[new] = data.pop(old)


class Start:
    """Positions in a session's ``start`` fact (a list, as JSON keeps it)."""

    TIME, METER_WH, RECEIVED_AT, SEQ, CONNECTOR_ID, EVSE_ID, ID_TAG = range(7)


class Stop:
    """Positions in a session's ``stop`` fact."""

    TIME, SEQ, METER_WH, REASON, ID_TAG = range(5)


class Tag:
    """Positions in a session's ``tag`` fact (the earliest event naming an id tag)."""

    TIME, SEQ, ID_TAG = range(3)


class Decision:
    """Positions in a session's ``decision`` fact (the connector's decision for its id tag)."""

    TIME, SEQ, RECEIVED_AT, AUTH_METHOD, REFERENCE = range(5)


class Reading:
    """Positions in an energy register reading (``energy_first``/``energy_last``) and in ``snap``."""

    TIME, VALUE = range(2)


def new_session(tx: str) -> Session:
    return {
        "tx": tx,
        "connector_key": None,  # connector key, from the first event that names one
        "start": None,  # [time, meter_wh|None, received_at, seq|-1, connector, evse, id_tag]
        "stop": None,  # [time, seq|-1, meter_wh|None, stop_reason, id_tag]
        "tag": None,  # [time, seq|-1, id_tag] of the earliest event naming an id tag
        # [time, seq|-1, received_at, auth_method, authorization_reference|None] of the earliest event
        # carrying the connector's decision for its id tag
        "decision": None,
        "first": None,
        "last": None,
        "seq": [],  # 2.0.1 seqNo seen
        "m": {},  # time -> "code|phase=value;..." (see samples)
        "energy_first": None,  # [time, value] earliest total energy register, for snapshots
        "energy_last": None,  # [time, value] latest total energy register, for snapshots
        "flags": [],
        "snap": None,  # [time, kwh] of the last snapshot sent
    }


def to_us(value: datetime | int) -> int:
    if isinstance(value, int):
        return value
    if value.tzinfo is None:
        raise EventError(f"naive timestamp {value!r}")
    return (value - EPOCH) // _US


@lru_cache(maxsize=1 << 15)
def from_us(us: int) -> datetime:
    """The tz-aware UTC datetime of ``us`` (memoised: a session's snapshots convert the same times again)."""
    return EPOCH + timedelta(microseconds=us)


@lru_cache(maxsize=64)
def span_us(delta: timedelta) -> int:
    """``delta`` in microseconds (memoised: the fold asks for the same few ``Params`` durations per event)."""
    return delta // _US


def ckey(evse_id: int | None, connector_id: int | None) -> str | None:
    if evse_id is not None:
        return f"e{evse_id}"
    if connector_id is not None:
        return f"c{connector_id}"
    return None


def keep_first_seen(table: dict[str, dict[str, int]], key: str, value: str, order: int) -> None:
    """Record ``value`` at time ``key`` with the earliest ``order`` (received_at, seqNo) it came with."""
    held = table.setdefault(key, {})
    if order < held.get(value, order + 1):
        held[value] = order


def latest(values: dict[str, int]) -> str:
    """Of two values at one time (two statuses in one second), the one sent last (first copies count,
    so a retried copy changes nothing), whatever the order of arrival."""
    return max(values.items(), key=lambda item: (item[1], item[0]))[0]


def id_tag(session: Session) -> str:
    """The start's id tag, else the earliest one an event named (2.0.1 may authorise after Started)."""
    start, tag = session["start"], session["tag"]
    return (start[Start.ID_TAG] if start else None) or (tag[Tag.ID_TAG] if tag else None) or ""


def authorization(session: Session) -> tuple[str | None, str | None]:
    """(auth_method, authorization_reference) decided at the charger, (None, None) when no event said."""
    decision = session["decision"]
    return (decision[Decision.AUTH_METHOD], decision[Decision.REFERENCE]) if decision else (None, None)


def add_flag(session: Session, flag: str) -> None:
    if flag not in session["flags"]:
        session["flags"].append(flag)
