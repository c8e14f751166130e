"""The timeline of an open session's snapshot (``timeline.samples_so_far``), made from where its previous snapshot's
ended instead of from the whole session each time.

Every point of that timeline before its last one (the latest energy register reading, ``until``) depends only on
what the session holds up to ``until``: the start, the meter table's entries up to it, the charging facts before
it, and which rule says whether it charges (the facts, or registers rising). So a ``TimelineMemo`` keeps, per
session, those points and what they were made from, and the next snapshot takes them up when

- the session has the same start and connector and no stop, and its connector has no pooled samples;
- its meter table begins with the entries held, in the same order and unchanged (their keys and values compared
  as lists: a late sample merged into an older entry changes it in place; the fold adds entries at the table's
  end and removes none), and every other entry is later than ``until``, or at the start and of energy registers
  only while the start has its meter value (a 1.6 stop's transaction data repeats the start's register: the
  start's energy is its meter value, and no point reads a register at the start);
- its charging facts before ``until`` are the ones held and the same rule applies;
- its last event is later than ``until``.

Then only the entries after ``until`` are read, and the points from ``until`` on are made by the same code
(``points_at``), the energy continuing from the one held at ``until``. Anything else is made from the whole
session (``timeline.so_far``). The completed record of a session (``timeline.complete``) takes up its held
timeline the same way, also with a stop (the end is then the stop, and the energy there the stop's meter value
if it has one): what ``complete`` adds to a timeline depends on the meter start (held), whether the register
went back (held, and in the entries after ``until``), the stop and the session's flags, and on parking rule 3
only when no register lies inside the session, while ``until`` is one. Derived data, in memory only, bounded:
a worker with an empty memo (or none) makes the same timelines and records.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from roamstream.memo import WeightedLru
from roamstream.sessions.samples import CURRENT, ENERGY, POWER, charging_states, entry_readings
from roamstream.sessions.state import Session, Start, State, Stop
from roamstream.sessions.timeline import (
    charging_facts,
    complete,
    completed_record,
    energy_at,
    flips,
    points_at,
    session_flags,
    so_far,
    span,
)


@dataclass(slots=True)
class _Held:
    start: list  # the session's start fact
    connector_key: str | None
    keys: list[str]  # the meter table's keys taken, in its order
    values: list[str]  # and their entries
    states: dict[int, str]  # the charging states among them (``samples.charging_states``)
    until: int  # the time of the last point: an energy register reading
    energy: Decimal  # the energy since the start there
    value: Decimal  # the register's value there
    read_until: dict[str, Decimal]  # the readings there
    after: dict[int, str]  # the entries taken that are later than ``until``
    facts: dict[int, bool]  # the charging facts before ``until``
    by_facts: bool  # whether the charging facts (not the rising register) said where it charges
    points: list[dict]  # the points before ``until``
    meter_start: Decimal  # the register's value at the start
    reset: bool  # whether the register went back before ``until``


class TimelineMemo:
    """Each open session's timeline so far, by (charge point, transaction), for its next snapshot and its completed
    record; the least recently used sessions go once more than ``max_items`` points and meter-table entries are
    held."""

    def __init__(self, max_items: int = 200_000) -> None:
        self.max_items = max_items
        self._held: WeightedLru[tuple[str, str], _Held] = WeightedLru(max_items, _size)
        self.built = self.resumed = 0  # timelines made from the whole session; from the held one
        self.completed = 0  # completed records made from the held timeline

    def samples(self, state: State, session: Session) -> list[dict]:
        """``samples_so_far(state, session)``."""
        key = (state["cp"], session["tx"])
        held = self._held.pop(key)
        if held is not None:
            made = _resume(held, state, session)
            if made is not None:
                self.resumed += 1
                self._held.put(key, made[1])
                return made[0]
        self.built += 1
        samples, built, until = so_far(state, session)
        if until is None or state["pool"].get(session["connector_key"]) or session["stop"] is not None:
            return samples
        if not built.changes and not built.rising:  # charging by the energy delivered in all: the next may differ
            return samples
        i = bisect_right(built.reg_times, until) - 1
        m = session["m"]
        self._held.put(key, _Held(
            start=list(session["start"]), connector_key=session["connector_key"], keys=list(m), values=list(m.values()),
            states=charging_states(m), until=until, energy=built.cumulative[i], value=built.read[until][ENERGY],
            read_until=built.read[until], after={t: e for ts, e in m.items() if (t := int(ts)) > until},
            facts={t: v for t, v in built.changes.items() if t < until}, by_facts=bool(built.changes),
            points=samples[:-1], meter_start=built.meter_start, reset=built.reset))
        return samples

    def complete(self, state: State, session: Session) -> dict[str, Any]:
        """``timeline.complete(state, session)`` of a session leaving the state; its held timeline is let go."""
        held = self._held.pop((state["cp"], session["tx"]))
        if held is not None:
            record = _completed(held, state, session)
            if record is not None:
                self.completed += 1
                return record
        return complete(state, session)


def _size(held: _Held) -> int:
    return len(held.points) + len(held.keys)


def _resume(held: _Held, state: State, session: Session) -> tuple[list[dict], _Held] | None:
    """The timeline so far made from ``held`` and what follows it, and what to hold for the next; None if
    ``held`` cannot be taken up (see the module)."""
    if session["stop"] is not None:
        return None
    tail = _tail(held, state, session, None)
    if tail is None:
        return None
    registers, read, reg_times, cumulative = tail.registers, tail.read, tail.reg_times, tail.cumulative
    until = registers[-1] if registers else held.until
    times_kept = sorted(t for t in tail.times if t <= until)
    points = points_at(times_kept, tail.end, reg_times, cumulative, tail.facts, tail.change_times, True, read)
    samples = [*held.points, *points]
    i = bisect_right(reg_times, until) - 1
    return samples, _Held(
        start=held.start, connector_key=held.connector_key, keys=tail.keys, values=tail.values, states=tail.states,
        until=until, energy=cumulative[i], value=read[until][ENERGY], read_until=read[until],
        after={t: e for t, e in tail.after.items() if t > until},
        facts={t: v for t, v in tail.facts.items() if t < until}, by_facts=held.by_facts, points=samples[:-1],
        meter_start=held.meter_start, reset=held.reset or tail.reset)


def _completed(held: _Held, state: State, session: Session) -> dict[str, Any] | None:
    """``timeline.complete``'s record made from ``held`` and what follows it (the end is the stop if there is one,
    the energy there its meter value if it has one); None if ``held`` cannot be taken up (see the module)."""
    stop = session["stop"]
    tail = _tail(held, state, session, stop[Stop.METER_WH] if stop else None)
    if tail is None:
        return None
    points = points_at(sorted(tail.times), tail.end, tail.reg_times, tail.cumulative, tail.facts, tail.change_times,
                       True, tail.read)
    flags = session_flags(session)
    meter_stop = tail.meter_stop
    if held.reset or tail.reset:
        flags.add("meter_reset")
        meter_stop = held.meter_start + tail.cumulative[-1]
    return completed_record(state, session, session["start"][Start.TIME], tail.end, held.meter_start, meter_stop,
                            flags, [*held.points, *points])


class _Tail(NamedTuple):
    """The session after a held timeline's last point: its meter table's keys and entries, charging states and
    facts, its end, the entries later than ``until``, their readings (and the held ones at ``until``), the register
    times from ``until`` to the end and the energy at each, the meter value at the end, whether the register
    went back, and the times of the points from ``until`` to the end."""

    keys: list[str]
    values: list[str]
    states: dict[int, str]
    facts: dict[int, bool]
    change_times: list[int]
    end: int
    after: dict[int, str]
    read: dict[int, dict[str, Decimal]]
    registers: list[int]
    reg_times: list[int]
    cumulative: list[Decimal]
    meter_stop: Decimal
    reset: bool
    times: set[int]


def _tail(held: _Held, state: State, session: Session, meter_wh: str | None) -> _Tail | None:
    """What follows ``held`` in ``session``, the energy at the end being ``meter_wh`` if given, else the latest
    register's; None if ``held`` cannot be taken up."""
    m = session["m"]
    u = held.until
    ck = session["connector_key"]
    n = len(held.keys)
    if session["start"] != held.start or ck != held.connector_key or len(m) < n or state["pool"].get(ck):
        return None
    start, end = span(session)
    if end <= u:
        return None
    keys, values = list(m), list(m.values())
    if keys[:n] != held.keys or values[:n] != held.values:  # an entry held is gone or changed
        return None
    new = dict(zip(keys[n:], values[n:], strict=True))
    after = dict(held.after)
    for ts, entry in new.items():
        t = int(ts)
        if t > u:
            after[t] = entry
        elif t != start or held.start[Start.METER_WH] is None or not entry_readings(entry).keys() <= {ENERGY}:
            return None
    states = {**held.states, **charging_states(new)} if new else held.states
    facts = charging_facts(state, session, start, end, states)
    if bool(facts) != held.by_facts or (facts and {t: v for t, v in facts.items() if t < u}) != held.facts:
        return None

    read = {}
    registers = []
    times = {u, end}
    for t, entry in after.items():
        r = entry_readings(entry)
        if r:
            read[t] = r
            if ENERGY in r and t <= end:
                registers.append(t)
            if t < end and (POWER in r or CURRENT in r):
                times.add(t)
    registers.sort()
    inner = registers[:-1] if registers and registers[-1] == end else registers
    if meter_wh is not None:
        meter_stop = Decimal(meter_wh)
    else:
        meter_stop = read[registers[-1]][ENERGY] if registers else held.value
    reg_times = [u, *inner, end]
    cumulative, reset = energy_at([held.value, *(read[t][ENERGY] for t in inner), meter_stop], held.energy)
    change_times = sorted(facts)
    times.update(inner)
    if change_times:
        times.update(t for t in flips(facts, change_times) if t >= u)
    read[u] = held.read_until
    return _Tail(keys, values, states, facts, change_times, end, after, read, registers, reg_times, cumulative,
                 meter_stop, reset, times)


#: the fold's memo (``drain``): None makes every timeline from the whole session
MEMO: TimelineMemo | None = TimelineMemo()


def samples_so_far(state: State, session: Session) -> list[dict]:
    """``timeline.samples_so_far``, through ``MEMO``."""
    return MEMO.samples(state, session) if MEMO is not None else so_far(state, session)[0]


def complete_through(state: State, session: Session) -> dict[str, Any]:
    """``timeline.complete``, through ``MEMO``."""
    return MEMO.complete(state, session) if MEMO is not None else complete(state, session)
