"""``samples.add_event_samples`` (a ``TransactionEventV2``'s columns read a run at a time, which samples are kept
memoised by the run's measurand, phase and location texts) does what ``add_samples`` over
``event_samples.readings`` does: the same table, totals, flags and errors, for any columns."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roamstream import event_samples
from roamstream.event_samples import SEP, SampleColumnsError
from roamstream.sessions.exceptions import EventError
from roamstream.sessions.samples import add_event_samples, add_samples, is_number
from roamstream.sessions.state import new_session

MEASURANDS = ["Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage", "SoC", "x"]
PHASES = ["", "L1", "L2", "L3", "L1-N", "L2-L3", "N"]
LOCATIONS = ["", "Outlet", "EV", "Inlet"]
VALUES = ["1000", "1000.0", "1001", "16", "7.5", "0"]


@st.composite
def runs(draw) -> dict:
    """A run of samples as columns; now and then a column one sample short or long."""
    n = draw(st.integers(1, 6))
    columns = {"measurands": draw(st.lists(st.sampled_from(MEASURANDS), min_size=n, max_size=n)),
               "phases": draw(st.lists(st.sampled_from(PHASES), min_size=n, max_size=n)),
               "locations": draw(st.lists(st.sampled_from(LOCATIONS), min_size=n, max_size=n)),
               "values": draw(st.lists(st.sampled_from(VALUES), min_size=n, max_size=n))}
    if draw(st.integers(0, 9)) == 0:
        broken = draw(st.sampled_from(["phases", "locations", "values"]))
        columns[broken] = columns[broken][1:] if draw(st.booleans()) else [*columns[broken], "1"]
    group = {name: SEP.join(items) for name, items in columns.items()}
    return {"timestamp": draw(st.sampled_from([1_000_000, 2_000_000, 60_000_000])), **group,
            "units": "", "raw_values": "", "raw_units": "", "contexts": ""}


def run(add, table: dict, event: dict, with_session: bool):
    session = new_session("7") if with_session else None
    try:
        return add(table, event, session), table, session, None
    except (SampleColumnsError, EventError) as exc:  # columns of unequal lengths; a kept value not a number
        return None, table, session, str(exc)


@settings(max_examples=400, deadline=None)
@given(groups=st.lists(runs(), min_size=1, max_size=4),
       held=st.dictionaries(st.sampled_from(["1000000", "2000000"]), st.sampled_from(["E|=999", "E|=1000;P|=5"])),
       with_session=st.booleans())
def test_the_same_as_add_samples_over_readings(groups: list[dict], held: dict, with_session: bool) -> None:
    event = {"meter_values": groups}
    fast = run(add_event_samples, dict(held), event, with_session)
    slow = run(lambda t, e, s: add_samples(t, event_samples.readings(e), s), dict(held), copy.deepcopy(event),
               with_session)
    assert fast == slow


def test_a_run_with_a_short_column_is_refused_naming_it() -> None:
    group = {"timestamp": 1_000_000, "measurands": SEP.join(["Energy.Active.Import.Register", "SoC"]),
             "phases": SEP, "locations": SEP, "values": "1000"}
    with pytest.raises(SampleColumnsError, match="values holds 1 samples, measurands 2"):
        add_event_samples({}, {"meter_values": [group]}, None)


def test_records_of_the_older_shape_are_read_as_before() -> None:
    event = {"samples": [{"timestamp": 5, "measurand": "Energy.Active.Import.Register", "phase": None,
                          "location": None, "value": "10"}]}
    table: dict = {}
    assert add_event_samples(table, event, None) == [[5, "10"]]
    assert table == {"5": "E|=10"}


@pytest.mark.parametrize("value", ["", "abc", "NaN", "-Infinity", "1e999999999", "1,5"])
def test_a_kept_value_that_is_not_a_number_refuses_the_event_naming_it(value: str) -> None:
    # found by the property above: a run whose values column is emptied still has one (empty) value per sample
    group = {"timestamp": 1_000_000, "measurands": "Energy.Active.Import.Register", "phases": "",
             "locations": "", "values": value, "units": "", "raw_values": "", "raw_units": "", "contexts": ""}
    for add in (add_event_samples, lambda t, e, s: add_samples(t, event_samples.readings(e), s)):
        table: dict = {}
        with pytest.raises(EventError, match=r"meter value at 1000000 µs \(E\|\): .* is not a decimal number"):
            add(table, {"meter_values": [group]}, None)
        assert table == {}


@pytest.mark.parametrize("value", ["0", "36820", "15.65", "-3.5", "1E+3", ".5", "0.0001"])
def test_decimal_texts_are_numbers(value: str) -> None:
    assert is_number(value)
