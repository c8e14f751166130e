"""The fold gives the same sessions whichever ``ocpp.events.v1`` shape carried the samples: the
``TransactionEvent`` of older data (a record per sample) and the ``TransactionEventV2`` producers write
(samples in columns), both decoded as the sessions stage decodes them."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roamstream import events
from roamstream.avro import AvroSerde

from .fixtures import run, run_stepwise, sample
from .test_properties import session_events

SERDE = AvroSerde()

#: samples beside the energy register: those the fold keeps (power, current, per phase or total, at the
#: outlet) and those it leaves to the lake (voltage, SoC, other locations, phases it does not know)
EXTRAS = [
    ("16.5", "Current.Import", {"phase": "L1"}),
    ("16.25", "Current.Import", {"phase": "L2-N"}),
    ("15", "Current.Import", {}),
    ("7400", "Power.Active.Import", {"phase": "L3", "location": "Outlet"}),
    ("230.1", "Voltage", {"phase": "L1-N"}),
    ("81", "SoC", {"location": "EV"}),
    ("11000", "Power.Active.Import", {"location": "Inlet"}),
    ("900", "Energy.Active.Import.Register", {"phase": "N"}),
    ("1200", "Energy.Active.Import.Register", {"location": "Cable"}),
    ("3", "Current.Import", {"phase": "L1", "context": "Transaction.End"}),
]


@st.composite
def events_with_many_samples(draw):
    """A session's events (``test_properties``) with other measurands, phases and locations mixed in,
    some at another station time than the event's."""
    out = []
    for event in draw(session_events()):
        if events.is_transaction(event) and event["samples"]:
            extra = []
            for value, measurand, kw in draw(st.lists(st.sampled_from(EXTRAS), max_size=6)):
                shift = timedelta(minutes=draw(st.sampled_from([0, 0, -0.5])))
                extra.append({**sample(0, value, measurand, **kw), "timestamp": event["timestamp"] + shift})
            event = {**event, "samples": [*event["samples"], *extra]}
        out.append(event)
    return out


def as_stage_reads(value: bytes) -> dict:
    return events.decode(SERDE, value, logical_types=False, columns=True)  # pipelines.sessions.item_of


def old_encoding(event: dict) -> bytes:
    branch = events.TRANSACTION if events.is_transaction(event) else events.STATION
    return SERDE.encode(events.TOPIC, (branch, event))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_old_and_new_encodings_of_the_same_events_fold_into_the_same_sessions(data):
    source = data.draw(events_with_many_samples())
    old = [as_stage_reads(old_encoding(e)) for e in source]
    new_values = [events.encode(SERDE, e) for e in source]
    assert any(v[5] == 4 for v in new_values)  # TransactionEventV2 written
    new = [as_stage_reads(v) for v in new_values]
    assert any("meter_values" in e for e in new) and not any("meter_values" in e for e in old)
    now = max(e["timestamp"] for e in source) + timedelta(hours=5)
    state_old, completed_old, snapshots_old = run(old, now=now)
    state_new, completed_new, snapshots_new = run(new, now=now)
    assert len(completed_old) == 1
    assert (completed_new, snapshots_new, state_new) == (completed_old, snapshots_old, state_old)
    assert run_stepwise(new, now=now) == run_stepwise(old, now=now)
