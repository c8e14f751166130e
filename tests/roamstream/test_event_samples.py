"""``ocpp.events.v1``'s two shapes of a transaction event's samples (``roamstream.event_samples``): what a
producer writes (a ``TransactionEventV2``, samples in columns, or a ``TransactionEvent`` when the columns
cannot hold them) reads back as the record it was given, and the fold's view is the same in both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roamstream import event_samples, events
from roamstream.avro import AvroSerde
from roamstream.event_samples import SEP, SampleColumnsError

SERDE = AvroSerde()
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
#: the union branch after the Confluent framing, as a zigzag varint
BRANCH_BYTE = {events.TRANSACTION: 0, events.STATION: 2, events.TRANSACTION_V2: 4}


def sample(value: str = "1000", measurand: str = "Energy.Active.Import.Register", *, minute: int = 0,
           **extra) -> dict:
    return {"timestamp": T0 + timedelta(minutes=minute), "measurand": measurand, "value": value, "unit": "Wh",
            "raw_value": value, "raw_unit": "Wh", "phase": None, "location": "Outlet",
            "context": "Sample.Periodic", **extra}


def transaction(samples: list[dict]) -> dict:
    return {
        "event_id": "e1", "charge_point_id": "CP1", "ocpp_version": "1.6", "kind": "UPDATED",
        "action": "MeterValues", "message_id": "m1", "timestamp": T0, "received_at": T0 + timedelta(seconds=1),
        "transaction_id": "7", "connector_id": 1, "evse_id": None, "id_tag": None, "meter_wh": None,
        "seq_no": None, "trigger_reason": None, "charging_state": None, "stop_reason": None, "offline": False,
        "samples": samples, "flags": [], "clock_skew_ms": 1000, "auth_method": None,
        "authorization_reference": None,
    }


text = st.lists(st.sampled_from(["a", "L1", "-", "1", ".", " ", SEP, "é"]), max_size=3).map("".join)
nullable = st.one_of(st.none(), text)
samples_strategy = st.lists(
    st.fixed_dictionaries({
        "timestamp": st.sampled_from([T0, T0 + timedelta(seconds=1), T0 + timedelta(minutes=5)]),
        "measurand": text, "value": text, "unit": text, "raw_value": text,
        "raw_unit": nullable, "phase": nullable, "location": nullable, "context": nullable,
    }),
    max_size=12,
)


def fits_columns(samples: list[dict]) -> bool:
    """What the columns can hold: no string with the separator, no empty string where null is allowed."""
    for s in samples:
        for field, _, is_nullable in event_samples.FIELDS:
            value = s[field]
            if value is not None and (SEP in value or (is_nullable and value == "")):
                return False
    return True


@settings(max_examples=200, deadline=None)
@given(samples=samples_strategy)
def test_any_samples_read_back_exactly_and_take_the_columns_whenever_they_fit(samples):
    record = transaction(samples)
    value = events.encode(SERDE, record)
    expected = events.TRANSACTION_V2 if fits_columns(samples) else events.TRANSACTION
    assert value[5] == BRANCH_BYTE[expected]
    decoded = events.decode(SERDE, value)
    assert decoded == record
    assert list(decoded) == list(record)  # the same fields in the same order (a repr compares equal too)
    as_written = events.decode(SERDE, value, columns=True)
    assert event_samples.samples_of(as_written) == samples
    assert list(event_samples.readings(as_written)) == list(event_samples.readings(record)) == [
        (s["timestamp"], s["measurand"], s["phase"], s["location"], s["value"]) for s in samples]


def test_a_meter_value_event_is_one_column_group_per_station_time_in_order():
    samples = [sample("1000"), sample("11000", "Power.Active.Import", unit="W"),
               sample("16", "Current.Import", phase="L1", minute=1), sample("1100", minute=2)]
    groups = event_samples.to_columns(samples)
    assert [g["timestamp"] for g in groups] == [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    assert groups[0]["measurands"] == f"Energy.Active.Import.Register{SEP}Power.Active.Import"
    assert groups[1]["phases"] == "L1" and groups[0]["phases"] == SEP  # two nulls
    assert event_samples.from_columns(groups) == samples


@pytest.mark.parametrize("odd", [{"raw_value": f"1{SEP}2"}, {"phase": ""}, {"context": f"x{SEP}"}])
def test_samples_the_columns_cannot_hold_are_written_as_a_transaction_event(odd):
    record = transaction([sample(), sample(minute=1, **odd)])
    value = events.encode(SERDE, record)
    assert value[5] == BRANCH_BYTE[events.TRANSACTION]
    assert events.decode(SERDE, value) == record
    assert events.decode(SERDE, value, columns=True) == record


def test_station_events_are_still_told_apart_by_their_branch_byte():
    station = {"charge_point_id": "CP1", "ocpp_version": "1.6", "kind": "STATUS", "timestamp": T0,
               "received_at": T0, "connector_id": 1, "evse_id": None, "status": "Charging", "error_code": None,
               "vendor": None, "model": None, "clock_skew_ms": None, "message_action": None, "frame": None}
    old = SERDE.encode(events.TOPIC, (events.TRANSACTION, transaction([sample()])))
    new = events.encode(SERDE, transaction([sample()]))
    assert [events.is_station_value(v) for v in (old, new, events.encode(SERDE, station))] == [False, False, True]


def test_columns_of_unequal_length_are_a_serde_error_for_every_reader():
    record = event_samples.with_columns(transaction([sample(), sample("11000", "Power.Active.Import")]))
    record["meter_values"][0]["values"] = "1000"  # one value for two measurands
    value = SERDE.encode(events.TOPIC, (events.TRANSACTION_V2, record))
    with pytest.raises(SampleColumnsError, match="values holds 1 samples, measurands 2"):
        events.decode(SERDE, value)
    as_written = events.decode(SERDE, value, columns=True)
    with pytest.raises(SampleColumnsError):
        list(event_samples.readings(as_written))
