"""Assemble a closed session into the ``sessions.completed.v1`` record: energy, meter timeline, parking.

Energy is ``meter_stop - meter_start``, cross-checked by walking the register from the start meter through
every register sample inside the session to the stop meter: a decrease is a reset or rollover, flagged
``meter_reset``; the register is then taken to have restarted at zero (the value after the decrease counts
in full) and ``meter_stop_wh`` is reported as ``meter_start_wh`` + the energy so found.

Timeline points: start, every register/power/current sample inside the session, every charging change,
and end. ``energy_wh`` is the energy since the start at the latest register reading at or before the point
(carried forward, not interpolated). ``charging`` describes the interval from the point to the next one;
the last point (the end) has ``charging=False``. Where charging comes from, first that applies:

1. charging states (2.0.1 ``charging_state``) and connector statuses (Charging / SuspendedEV /
   SuspendedEVSE / Finishing) inside the session; before the first one, charging;
2. register samples inside the session: an interval in which the register does not rise is parking;
3. neither: the session charges (if any energy was delivered) until the stop, and when the connector
   reported Available after the stop, the session ends there, the time after the stop being parking.
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal
from typing import Any, NamedTuple

from roamstream.sessions.ids import session_id
from roamstream.sessions.samples import (
    CURRENT,
    ENERGY,
    POWER,
    charging_states,
    claim,
    has_register_inside,
    readings,
)
from roamstream.sessions.state import Session, Start, State, Stop, authorization, from_us, id_tag
from roamstream.sessions.station import charging_changes, first_status_after

CHARGING_STATES = {
    "Charging": True,
    "EVConnected": False,
    "SuspendedEV": False,
    "SuspendedEVSE": False,
    "Idle": False,
}
_ZERO = Decimal(0)
_NONE: dict[str, Decimal] = {}


def span(session: Session) -> tuple[int, int]:
    """(start, end) before parking rule 3: the start and stop, else the first and last event times."""
    start = session["start"][Start.TIME] if session["start"] else session["first"]
    end = session["stop"][Stop.TIME] if session["stop"] else session["last"]
    return start, max(start, end)


def needs_available(state: State, session: Session) -> bool:
    """Rule 3 applies: nothing inside the stopped session says whether it was charging."""
    start, stop = session["start"], session["stop"]
    if start is None or stop is None:
        return False
    pooled = state["pool"].get(session["connector_key"], {})
    if has_register_inside(session["m"], start[Start.TIME], stop[Stop.TIME]) or has_register_inside(
            pooled, start[Start.TIME], stop[Stop.TIME]):
        return False
    return not charging_facts(state, session, start[Start.TIME], stop[Stop.TIME])


def charging_facts(state: State, session: Session, start: int, end: int,
                   states: dict[int, str] | None = None) -> dict[int, bool]:
    """Whether charging, at each time in [start, end) a charging state or connector status says so (the
    charging state wins when both speak at one time). ``states``: the session's ``charging_states`` if known."""
    facts = charging_changes(state, session["connector_key"], start, end)
    for t, value in (charging_states(session["m"]) if states is None else states).items():
        if value in CHARGING_STATES and start <= t < end:
            facts[t] = CHARGING_STATES[value]
    return facts


def available_after_stop(state: State, session: Session) -> int | None:
    stop = session["stop"][Stop.TIME]
    available = first_status_after(state, session["connector_key"], stop)
    next_start = state["latest_starts"].get(session["connector_key"], -1)
    if available is None or stop < next_start < available:
        return None
    return available


def complete(state: State, session: Session) -> dict[str, Any]:
    """The ``sessions.completed.v1`` record of ``session`` (times as tz-aware datetimes)."""
    return _complete(state, session)[0]


class Built(NamedTuple):
    """What a timeline was made from: the session's readings (pooled samples claimed), the register times
    (start, those inside, end) and the energy at each, the charging facts, whether registers lie inside, the
    meter start and whether the register went back (``energy_at``)."""

    read: dict[int, dict[str, Decimal]]
    reg_times: list[int]
    cumulative: list[Decimal]
    changes: dict[int, bool]
    rising: bool
    meter_start: Decimal
    reset: bool


def _complete(state: State, session: Session) -> tuple[dict[str, Any], Built]:
    """``complete``'s record and what it was built from."""
    first, stop = session["start"], session["stop"]
    start, end = span(session)
    pool = state["pool"].get(session["connector_key"])
    if pool:
        claim(pool, session, start, end)
    flags = session_flags(session)
    read = readings(session["m"])
    registers = sorted(t for t, r in read.items() if ENERGY in r and start <= t <= end)
    meter_start = _meter(first[Start.METER_WH] if first else None, read, registers[:1])
    meter_stop = _meter(stop[Stop.METER_WH] if stop else None, read, registers[-1:])
    if meter_start is None:
        flags.add("no_meter_start")
        meter_start = meter_stop if meter_stop is not None else _ZERO
    if meter_stop is None:
        flags.add("no_meter_stop")
        meter_stop = meter_start
    inner = [t for t in registers if start < t < end]
    reg_times = [start, *inner, end]
    reg_values = [meter_start, *(read[t][ENERGY] for t in inner), meter_stop]
    cumulative, reset = energy_at(reg_values)
    if reset:
        flags.add("meter_reset")
        meter_stop = meter_start + cumulative[-1]

    changes = charging_facts(state, session, start, end)
    parking_end = None
    if not changes and not inner and stop is not None:
        available = available_after_stop(state, session)
        if available is not None and available > end:
            parking_end = available

    change_times = sorted(changes)
    times = {start, end, *inner, *flips(changes, change_times)}
    times.update(t for t, r in read.items() if start < t < end and (POWER in r or CURRENT in r))
    total = cumulative[-1]
    points = points_at(sorted(times), end, reg_times, cumulative, changes, change_times, bool(inner), read)
    if parking_end is not None:
        points.append(_point(parking_end, total, None, None, False))
        end = parking_end

    record = completed_record(state, session, start, end, meter_start, meter_stop, flags, points)
    return record, Built(read, reg_times, cumulative, changes, bool(inner), meter_start, reset)


def session_flags(session: Session) -> set[str]:
    """The completed record's flags that its timeline does not decide: the session's own, and a missing start or
    stop or a stop before the start."""
    first, stop = session["start"], session["stop"]
    flags = set(session["flags"])
    if first is None:
        flags.add("missing_start")
    if stop is None:
        flags.add("missing_stop")
    if stop is not None and first is not None and stop[Stop.TIME] < first[Start.TIME]:
        flags.add("stop_before_start")
    return flags


def completed_record(state: State, session: Session, start: int, end: int, meter_start: Decimal, meter_stop: Decimal,
                     flags: set[str], points: list[dict]) -> dict[str, Any]:
    """The ``sessions.completed.v1`` record of ``session`` with the span, meter values, flags and timeline given."""
    first = session["start"]
    method, reference = authorization(session)
    return {
        "session_id": session_id(state["cp"], session["tx"]),
        "charge_point_id": state["cp"],
        "transaction_id": session["tx"],
        "connector_id": first[Start.CONNECTOR_ID] if first else _from_ck(session["connector_key"], "c"),
        "evse_id": first[Start.EVSE_ID] if first else _from_ck(session["connector_key"], "e"),
        "id_tag": id_tag(session),
        "start": from_us(start),
        "end": from_us(end),
        "meter_start_wh": str(meter_start),
        "meter_stop_wh": str(meter_stop),
        "estimated": first is None or session["stop"] is None,
        "flags": sorted(flags),
        "samples": points,
        "auth_method": method,
        "authorization_reference": reference,
    }


def samples_so_far(state: State, session: Session) -> list[dict]:
    """The timeline ``complete`` would give the open ``session`` now, up to its latest energy register reading
    (the state is not changed). Points after that reading are left out: until the next reading, whether the
    vehicle charges after it is not known, and a later reading may say otherwise."""
    return so_far(state, session)[0]


def so_far(state: State, session: Session) -> tuple[list[dict], Built | None, int | None]:
    """``samples_so_far``, what it was made from and the time of its last point, the latest energy register
    reading (None when there is none inside the session: then only the start point)."""
    pool = state["pool"]
    ck = session["connector_key"]
    if pool.get(ck):  # complete claims pooled samples into the session: let it change copies
        state = {**state, "pool": {**pool, ck: dict(pool[ck])}}
        session = {**session, "m": dict(session["m"]), "flags": list(session["flags"])}
    record, built = _complete(state, session)  # with nothing pooled, complete only reads the session
    start, end = span(session)
    registers = [t for t, r in built.read.items() if ENERGY in r and start < t <= end]
    if not registers:
        return record["samples"][:1], built, None
    until = max(registers)
    at = from_us(until)
    return [p for p in record["samples"] if p["timestamp"] <= at], built, until


def points_at(times: list[int], end: int, reg_times: list[int], cumulative: list[Decimal], changes: dict[int, bool],
            change_times: list[int], rising: bool, read: dict[int, dict[str, Decimal]]) -> list[dict]:
    """The timeline's points at ``times`` (sorted, none before ``reg_times[0]``): the energy at the latest register
    at or before each (``cumulative`` at ``reg_times``, which ends at ``end``), and whether charging from there:
    by the charging facts if there are any, else (``rising``: registers inside) by whether the register rises
    until the next one, else by whether any energy was delivered."""
    total = cumulative[-1]
    points = []
    for t in times:
        i = bisect_right(reg_times, t) - 1
        if t == end:
            charging = False
        elif change_times:
            j = bisect_right(change_times, t) - 1
            charging = True if j < 0 else changes[change_times[j]]
        elif rising:
            charging = cumulative[i + 1] > cumulative[i]
        else:
            charging = total > 0
        r = read.get(t, _NONE)
        points.append(_point(t, cumulative[i], r.get(POWER), r.get(CURRENT), charging))
    return points


def flips(changes: dict[int, bool], times: list[int]) -> list[int]:
    """The times at which charging actually changes (it is taken to charge before the first report)."""
    out, charging = [], True
    for t in times:
        if changes[t] != charging:
            out.append(t)
            charging = changes[t]
    return out


def _meter(given: str | None, read: dict[int, dict[str, Decimal]], at: list[int]) -> Decimal | None:
    if given is not None:
        return Decimal(given)
    return read[at[0]][ENERGY] if at else None


def energy_at(values: list[Decimal], total: Decimal = _ZERO) -> tuple[list[Decimal], bool]:
    """Energy since the first value at each value (plus ``total``, the energy before the first value); a
    decrease restarts the register at zero."""
    reset, out = False, [total]
    for prev, cur in zip(values, values[1:], strict=False):
        if cur >= prev:
            total += cur - prev
        else:
            reset = True
            total += max(cur, _ZERO)
        out.append(total)
    return out, reset


def _point(t: int, energy: Decimal, power: Decimal | None, current: Decimal | None, charging: bool) -> dict:
    return {
        "timestamp": from_us(t),
        "energy_wh": str(energy),
        "power_w": None if power is None else str(power),
        "current_a": None if current is None else str(current),
        "charging": charging,
    }


def _from_ck(ck: str | None, kind: str) -> int | None:
    return int(ck[1:]) if ck and ck[0] == kind else None
