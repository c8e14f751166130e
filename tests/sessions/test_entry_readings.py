"""``samples.entry_readings`` reads a table entry's items in one pass: the same readings (or error) as reading the
entry through ``samples.parse``, the way it did before, for any entry (charging states, totals, phases, a key twice)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from roamstream.sessions.samples import STATE, entry_readings, parse

KEYS = ["E|", "P|", "I|", "I|L1", "I|L2", "I|L3", "P|L1", f"{STATE}|Charging", f"{STATE}|EVConnected"]
VALUES = ["0", "16", "15.65", "1000.0", "7", "-3"]


def _through_parse(entry: str) -> dict[str, Decimal]:
    by_code: dict[str, dict[str, Decimal]] = {}
    for key, value in parse(entry).items():
        code, phase = key.split("|")
        if code == STATE:
            continue
        by_code.setdefault(code, {})[phase] = Decimal(value)
    return {code: p[""] if "" in p else sum(p.values(), Decimal(0)) for code, p in by_code.items()}


@given(st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(VALUES)), min_size=1, max_size=8))
def test_the_same_as_through_parse(items: list[tuple[str, str]]) -> None:
    entry = ";".join(f"{key}={value}" for key, value in items)
    assert repr(entry_readings.__wrapped__(entry)) == repr(_through_parse(entry))
