"""Meter samples kept by a session: energy register, power and current at the outlet.

Stored compactly for a cheap JSON round trip per event: ``{time: "E|=1000;I|L1=16;P|=11000"}``, one
string per sample time with ``code|phase=value`` items (phase empty for the total), sorted (so energy,
when present, comes first). The 2.0.1 charging state an event reports is kept in the same table at the
event's time, as ``S|<state>=<seqNo>``.

A sample is deduplicated by (time, measurand, phase): the context does not count, as a Transaction.End
reading and a periodic one at the same time are the same reading; a conflicting duplicate keeps the
larger value and flags the session ``conflicting_samples``, so the result does not depend on arrival order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple

from roamstream import event_samples
from roamstream.event_samples import COLUMNS, SEP, SampleView
from roamstream.sessions.exceptions import EventError
from roamstream.sessions.state import Reading, Session, add_flag, to_us

ENERGY, POWER, CURRENT, STATE = "E", "P", "I", "S"
MEASURANDS = {
    "Energy.Active.Import.Register": ENERGY,
    "Power.Active.Import": POWER,
    "Current.Import": CURRENT,
}
#: samples measured elsewhere than the outlet (EV, inlet, cable, body) are not the session's energy
_OUTLET = (None, "Outlet")
_PHASES = {"L1": "L1", "L2": "L2", "L3": "L3", "L1-N": "L1", "L2-N": "L2", "L3-N": "L3"}
_ZERO = Decimal(0)
_TOTAL_ENERGY = f"{ENERGY}|"

Samples = dict[str, str]


def add_samples(table: Samples, samples: Iterable[SampleView], session: Session | None) -> list[list[Any]]:
    """Add the usable ``samples`` of one event (``event_samples.readings``) to ``table``; return their total
    registers [time, value]."""
    grouped: dict[str, dict[str, str]] = {}
    totals = []
    for at, measurand, phase, location, value in samples:
        key = _key(measurand, phase, location)
        if key is None:
            continue
        ts = to_us(at)
        _check_number(value, ts, key)
        _put(grouped.setdefault(str(ts), {}), key, value, session)
        if key == _TOTAL_ENERGY:
            totals.append([ts, value])
    for ts, items in grouped.items():
        merge_entry(table, ts, items, session)
    return totals


def add_event_samples(table: Samples, event: dict[str, Any], session: Session | None) -> list[list[Any]]:
    """``add_samples(table, event_samples.readings(event), session)``: the same table, flags, totals and errors.
    The columns of a ``TransactionEventV2`` are read a run of samples at a time: which of its samples are usable,
    and as what, depends only on the run's measurand, phase and location columns, which a charge point sends
    alike in every event (``_usable``, memoised by their texts), so only the values are split per event; an event
    of one run at a new time is written straight into its entry (``_add_run``). Columns of unequal lengths go the
    way of ``readings``, which names the column (``SampleColumnsError``)."""
    groups = event.get(COLUMNS)
    if groups is None:
        return add_samples(table, event_samples.readings(event), session)
    if len(groups) == 1:
        totals = _add_run(table, groups[0])
        if totals is not None:
            return totals
    grouped: dict[str, dict[str, str]] = {}
    totals = []
    for group in groups:
        plan = _usable(group["measurands"], group["phases"], group["locations"])
        values = group["values"].split(SEP)
        if plan is None or len(values) != plan[0]:
            return add_samples(table, event_samples.readings(event), session)
        if not plan[1]:
            continue
        ts = to_us(group["timestamp"])
        items = grouped.setdefault(str(ts), {})
        for k, key in plan[1]:
            _check_number(values[k], ts, key)
            _put(items, key, values[k], session)
            if key == _TOTAL_ENERGY:
                totals.append([ts, values[k]])
    for ts, items in grouped.items():
        merge_entry(table, ts, items, session)
    return totals


def _add_run(table: Samples, group: dict[str, Any]) -> list[list[Any]] | None:
    """``add_event_samples`` of an event of this one run when the run keeps samples of distinct keys and the table
    has no entry at its time: then nothing is merged or in conflict, and the entry is the run's ``_Entry`` with the
    values filled in. None (nothing done) otherwise."""
    plan = _usable(group["measurands"], group["phases"], group["locations"])
    if plan is None or plan[2] is None:
        return None
    values = group["values"].split(SEP)
    if len(values) != plan[0]:
        return None
    ts = to_us(group["timestamp"])
    at = str(ts)
    if at in table:
        return None
    for k, key in plan[1]:
        _check_number(values[k], ts, key)
    entry = plan[2]
    table[at] = entry.text % entry.pick(values)
    return [] if entry.energy is None else [[ts, values[entry.energy]]]


def _check_number(value: str, ts: int, key: str) -> None:
    """``EventError`` unless ``value`` (a sample the fold keeps) is a finite decimal number: kept as text, it is read
    as a Decimal by every later step of its session, so a malformed one is refused with its event (dead-lettered)
    rather than failing the events after it."""
    if not is_number(value):
        raise EventError(f"meter value at {ts} µs ({key}): {value!r} is not a decimal number")


def is_number(value: Any) -> bool:
    """Whether ``value`` is a text the session's Decimal arithmetic can read: plain ASCII digits with at most one
    point (seen without making a Decimal), or a finite Decimal text within 1E±100."""
    if type(value) is not str:
        return False
    if value.isascii() and value.replace(".", "", 1).isdigit():
        return True
    try:
        number = Decimal(value)
        # finite, and no exponent that the session's arithmetic would overflow on (decimal's Emax is 999,999)
        return number.is_finite() and -100 <= number.adjusted() <= 100
    except ArithmeticError:  # decimal's InvalidOperation (not a number), Overflow
        return False


class _Entry(NamedTuple):
    """How a run whose kept samples have distinct keys is written as a table entry (as ``_format`` writes it)."""

    text: str  # the entry with ``%s`` for each value, keys sorted
    pick: Callable[[list[str]], Any]  # the values in the entry's order, from the run's values
    energy: int | None  # the index of the total energy register among the run's values


def _entry(kept: tuple[tuple[int, str], ...]) -> _Entry | None:
    keys = [key for _, key in kept]
    if not keys or len(set(keys)) != len(keys):
        return None
    order = sorted(kept, key=lambda item: item[1])
    energy = [k for k, key in kept if key == _TOTAL_ENERGY]
    return _Entry(";".join(f"{key.replace('%', '%%')}=%s" for _, key in order),
                  itemgetter(*(k for k, _ in order)), energy[0] if energy else None)


def _key(measurand: str, phase: str | None, location: str | None) -> str | None:
    """The table key (``code|phase``) of a sample the session keeps; None for one it does not."""
    code = MEASURANDS.get(measurand)
    if code is None or location not in _OUTLET:
        return None
    if phase is not None:
        phase = _PHASES.get(phase)
        if phase is None:
            return None
    return f"{code}|{phase or ''}"


@lru_cache(maxsize=4096)
def _usable(measurands: str, phases: str,
            locations: str) -> tuple[int, tuple[tuple[int, str], ...], _Entry | None] | None:
    """(the run's number of samples, (index, table key) of each it keeps, its ``_Entry`` if those keys are distinct),
    from its columns' texts alone (empty is null in ``phases`` and ``locations``); None if they hold different
    numbers of samples."""
    names, at_phase, at_location = measurands.split(SEP), phases.split(SEP), locations.split(SEP)
    count = len(names)
    if len(at_phase) != count or len(at_location) != count:
        return None
    keys = ((k, _key(names[k], at_phase[k] or None, at_location[k] or None)) for k in range(count))
    kept = tuple((k, key) for k, key in keys if key is not None)
    return count, kept, _entry(kept)


def merge_entry(table: Samples, ts: str, items: dict[str, str], session: Session | None) -> None:
    held = table.get(ts)
    if held is None:
        table[ts] = _format(items)
        return
    merged = parse(held)
    for key, value in items.items():
        _put(merged, key, value, session)
    table[ts] = _format(merged)


def parse(entry: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in entry.split(";"))


def _format(items: dict[str, str]) -> str:
    return ";".join(f"{k}={items[k]}" for k in sorted(items))


def add_charging_state(table: Samples, ts: int, state: str, seq: int) -> None:
    merge_entry(table, str(ts), {f"{STATE}|{state}": str(seq)}, None)


def charging_states(table: Samples) -> dict[int, str]:
    """time -> charging state; of two at one time, the one with the higher seqNo (first copies count, so
    a retried copy changes nothing), whatever the order of arrival."""
    out = {}
    for ts, entry in table.items():
        if "S|" in entry:
            states = [(int(v), k[2:]) for k, v in parse(entry).items() if k[0] == STATE]
            out[int(ts)] = max(states)[1]
    return out


def _put(items: dict[str, str], key: str, value: str, session: Session | None) -> None:
    held = items.get(key)
    if held is None:
        items[key] = value
    elif key[0] == STATE:
        items[key] = min(held, value, key=int)
    elif held != value:
        if (Decimal(value), value) > (Decimal(held), held):
            items[key] = value
        if session is not None and Decimal(value) != Decimal(held):
            add_flag(session, "conflicting_samples")


def readings(table: Samples) -> dict[int, dict[str, Decimal]]:
    """time -> {code: value}: the total when reported, else the sum of the phases.

    Each entry is parsed once (``entry_readings``, memoised by its text): a session's snapshots read its whole
    table again, and all but the newest entries are the ones the previous snapshot parsed. The values are
    shared between calls: read them, never change them."""
    out = {}
    for ts, entry in table.items():
        values = entry_readings(entry)
        if values:
            out[int(ts)] = values
    return out


@lru_cache(maxsize=1 << 16)
def entry_readings(entry: str) -> dict[str, Decimal]:
    """{code: value} of one table entry (empty when it holds only charging states); a function of the text
    alone, so a memoised answer is the one parsing it again would give. 65,536 entries (some 650 sessions of a
    hundred readings) take some 50 MB. The items are read in one pass, without ``parse``'s dict (a later copy of a
    key wins, as there): every entry of every session is read once, and that was some 4 µs an entry."""
    by_code: dict[str, dict[str, Decimal]] = {}
    for item in entry.split(";"):
        key, value = item.split("=", 1)
        code, phase = key.split("|")
        if code == STATE:
            continue
        by_code.setdefault(code, {})[phase] = Decimal(value)
    return {code: _total(phases) for code, phases in by_code.items()}


def _total(phases: dict[str, Decimal]) -> Decimal:
    return phases[""] if "" in phases else sum(phases.values(), _ZERO)


def has_register_inside(table: Samples, start: int, end: int) -> bool:
    return any(entry.startswith("E|") and start < int(ts) < end for ts, entry in table.items())


def claim(pool: Samples, session: Session, start: int, end: int) -> None:
    """Move the pooled samples inside [start, end] into the session."""
    for ts in [t for t in pool if start <= int(t) <= end]:
        merge_entry(session["m"], ts, parse(pool.pop(ts)), session)


def merge_into(session: Session, table: Samples) -> None:
    for ts, entry in table.items():
        merge_entry(session["m"], ts, parse(entry), session)


def track(session: Session, name: str, reading: list[Any], earliest: bool) -> None:
    """Keep the earliest (or latest) total register reading; at equal times the larger value."""
    held = session[name]
    T, V = Reading.TIME, Reading.VALUE  # noqa: N806
    if (
        held is None
        or (reading[T] < held[T] if earliest else reading[T] > held[T])
        or (reading[T] == held[T] and Decimal(reading[V]) > Decimal(held[V]))
    ):
        session[name] = reading
