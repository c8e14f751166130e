"""``jsonio.dumps`` writes the common exact types (str, Decimal, dict, list, datetime) by a fast path with memoised
number and time texts; the text is the one the general rules give (``_write_other`` for everything), whatever the
values: Decimals equal in value but written differently, times in other zones or naive, subclasses."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum

from hypothesis import given, settings
from hypothesis import strategies as st

from roamstream.ocpi import jsonio


class Colour(StrEnum):
    RED = "RED"


def _general(obj) -> str:
    """The text by the general rules alone (no fast path, no memo)."""
    parts: list[str] = []
    saved = jsonio._write
    jsonio._write = jsonio._write_other  # the items of containers too
    try:
        jsonio._write_other(obj, parts, None, 0)
    finally:
        jsonio._write = saved
    return "".join(parts)


decimals = st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**12, max_value=10**12, places=None)
zones = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30)), None])
times = st.builds(lambda d, tz: d.replace(tzinfo=tz), st.datetimes(min_value=datetime(2000, 1, 1),
                                                                   max_value=datetime(2100, 1, 1)), zones)
leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5), decimals, times,
                   st.just(Colour.RED))
trees = st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(st.text(max_size=4), inner, max_size=4)),
                     max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(tree=trees)
def test_the_fast_path_writes_what_the_general_rules_do(tree):
    assert jsonio.dumps(tree) == _general(tree)
    assert jsonio.dumps(tree) == _general(tree)  # memoised by now


def test_equal_decimals_written_differently_share_a_text():
    assert [jsonio.dumps(Decimal(v)) for v in ("1.50", "1.5", "1.500000", "15E-1")] == ["1.5"] * 4
    assert jsonio.dumps([Decimal("-0.00"), Decimal("0"), Decimal("1E+2"), Decimal("100.00004")]) == "[0, 0, 100, 100]"


def test_the_same_instant_in_another_zone_and_a_naive_time():
    at = datetime(2026, 3, 2, 8, 0, 0, 250_000, tzinfo=UTC)
    there = at.astimezone(timezone(timedelta(hours=1)))
    assert jsonio.dumps([at, there, at.replace(tzinfo=None)]) == '["2026-03-02T08:00:00.25Z"' + (
        ', "2026-03-02T08:00:00.25Z"' * 2) + "]"
