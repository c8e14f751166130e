"""``roamstream.completed``: a completed-session record written as ``CompletedSessionV2`` (its timeline in columns)
reads back as exactly what the ``CompletedSession`` of the same record reads as (the same keys in the same order,
the same values of the same types), so pricing builds the same CDR bytes from either; a timeline the columns
cannot hold is written as a ``CompletedSession``; values written before the union existed still read."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

import fastavro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schemas
from roamstream import completed
from roamstream.avro import AvroSerde, SerdeError, schema_id
from roamstream.sessions import state

SERDE = AvroSerde()
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def record(points: list[dict]) -> dict:
    return {
        "session_id": "CP-1-42", "charge_point_id": "CP-1", "transaction_id": "42", "connector_id": 1,
        "evse_id": None, "id_tag": "NL-EMA-0001", "start": T0, "end": T0 + timedelta(hours=1),
        "meter_start_wh": "1000", "meter_stop_wh": "12000", "estimated": False, "flags": ["meter_reset"],
        "samples": points, "auth_method": "WHITELIST", "authorization_reference": None,
        "received_at": T0 + timedelta(hours=1, seconds=2),
    }


def point(minute: int, energy: str, power: str | None = "11000", current: str | None = "16.0",
          charging: bool = True) -> dict:
    # as the fold makes them (``timeline._point``): a UTC datetime from its µs
    at = state.from_us(state.to_us(T0 + timedelta(minutes=minute)))
    return {"timestamp": at, "energy_wh": energy, "power_w": power, "current_a": current, "charging": charging}


def as_v1(rec: dict) -> dict:
    """What the ``CompletedSession`` branch of ``rec`` reads as."""
    return completed.decode(SERDE, SERDE.encode(completed.TOPIC, (completed.V1, rec)))


def written_branch(value: bytes) -> str:
    raw = SERDE.decode(completed.TOPIC, value)
    return completed.V2 if completed.COLUMNS in raw else completed.V1


def same(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    assert a == b
    for x, y in zip(a["samples"], b["samples"], strict=True):
        assert list(x) == list(y)
        assert [type(v) for v in x.values()] == [type(v) for v in y.values()]
        assert x["timestamp"].tzinfo == y["timestamp"].tzinfo


def test_a_fold_timeline_is_written_in_columns_and_reads_as_its_completed_session():
    points = [point(0, "0", None, None), point(1, "180"), point(2, "360.5", "10800.25", None),
              point(3, "360.5", None, "0", charging=False), point(90, "1.8E+4")]
    rec = record(points)
    value = completed.encode(SERDE, rec)
    assert written_branch(value) == completed.V2
    same(completed.decode(SERDE, value), as_v1(rec))
    assert len(value) < len(SERDE.encode(completed.TOPIC, (completed.V1, rec)))


def test_an_empty_timeline_round_trips():
    rec = record([])
    value = completed.encode(SERDE, rec)
    assert written_branch(value) == completed.V2
    same(completed.decode(SERDE, value), as_v1(rec))


@pytest.mark.parametrize("bad", [
    {"energy_wh": "1\x1f2"},  # the separator in a value
    {"energy_wh": ""},  # an empty string where no null is allowed
    {"power_w": ""},  # an empty string that columns would read back as null
    {"charging": 1},  # not a bool: it would read back as True
    {"timestamp": datetime(2026, 11, 2, 8, 1)},  # naive
    {"extra": "x"},  # a field the point record does not have
])
def test_a_timeline_the_columns_cannot_hold_is_written_as_a_completed_session(bad):
    rec = record([point(0, "0"), point(1, "180") | bad])
    assert completed.to_columns(rec["samples"]) is None
    value = completed.encode(SERDE, rec)
    assert written_branch(value) == completed.V1


def test_a_value_the_record_schema_cannot_hold_either_is_refused_as_it_was():
    rec = record([point(0, "0"), point(1, "180", current=16)])  # not a string
    assert completed.to_columns(rec["samples"]) is None
    with pytest.raises(SerdeError, match="current_a"):
        completed.encode(SERDE, rec)


def test_a_timestamp_in_another_zone_reads_back_as_the_same_instant_in_utc():
    cet = timezone(timedelta(hours=1))
    rec = record([point(0, "0") | {"timestamp": datetime(2026, 11, 2, 9, 0, tzinfo=cet)}])
    got = completed.decode(SERDE, completed.encode(SERDE, rec))
    same(got, as_v1(rec))
    assert got["samples"][0]["timestamp"] == T0 and got["samples"][0]["timestamp"].tzinfo == UTC


class _NoOffset(tzinfo):
    """A tzinfo that knows no offset: its datetimes are aware by attribute, naive in arithmetic."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None


class _Stamp(datetime):
    pass


@pytest.mark.parametrize("at", [
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC).astimezone(ZoneInfo("Europe/Amsterdam")),  # before the DST change
    datetime(2026, 10, 25, 1, 30, tzinfo=UTC).astimezone(ZoneInfo("Europe/Amsterdam")),  # after it
    datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),  # before the epoch
    _Stamp(2026, 11, 2, 8, 0, 0, 1, tzinfo=UTC),  # a datetime subclass
])
def test_a_timestamp_is_written_as_its_microseconds_since_the_epoch(at):
    rec = record([point(0, "0"), point(1, "180") | {"timestamp": at}])
    assert completed.to_columns(rec["samples"])["timestamps"] == [state.to_us(p["timestamp"]) for p in rec["samples"]]
    same(completed.decode(SERDE, completed.encode(SERDE, rec)), as_v1(rec))


def test_a_timestamp_whose_zone_knows_no_offset_raises_and_a_naive_one_beside_it_goes_to_the_record_schema():
    odd = {"timestamp": datetime(2026, 11, 2, 8, 1, tzinfo=_NoOffset())}
    with pytest.raises(TypeError, match="offset-naive"):
        completed.to_columns([point(0, "0"), point(1, "180") | odd])
    assert completed.to_columns([point(0, "0") | odd, point(1, "180") | {"timestamp": datetime(2026, 11, 2, 8, 1)}]) \
        is None


@pytest.mark.parametrize("bad", [
    {"power_w": StrEnum("Power", {"W": "11000"}).W},  # a str of another type: it would read back as a str
    {"energy_wh": None},  # null where none is allowed
    {"current_a": "16\x1f0"},  # the separator in a nullable value
])
def test_a_value_of_another_type_or_with_the_separator_goes_to_the_record_schema(bad):
    assert completed.to_columns([point(0, "0"), point(1, "180") | bad]) is None


def test_a_value_written_with_the_record_schema_before_the_union_still_reads():
    [previous] = [s for s in schemas.history(completed.TOPIC) if isinstance(s, dict) and "received_at" in
                  {f["name"] for f in s["fields"]}]
    rec = record([point(0, "0"), point(1, "180", None)])
    body = io.BytesIO()
    fastavro.schemaless_writer(body, fastavro.parse_schema(previous), rec)
    value = b"\x00" + schema_id(previous).to_bytes(4, "big") + body.getvalue()
    same(completed.decode(SERDE, value), as_v1(rec))


@pytest.mark.parametrize(("points", "column", "text"), [
    ([point(0, "0"), point(1, "180")], "energy_wh", "0"),
    ([point(0, "0"), point(1, "180")], "charging", "1"),
    ([], "energy_wh", "0"),
])
def test_columns_of_unequal_lengths_are_a_serde_error(points, column, text):
    v2 = dict(completed.branch(record(points))[1])
    v2["timeline"] = {**v2["timeline"], column: text}
    with pytest.raises(SerdeError, match="unequal lengths"):
        completed.decode(SERDE, SERDE.encode(completed.TOPIC, (completed.V2, v2)))


def test_a_charging_column_of_other_characters_is_a_serde_error():
    v2 = dict(completed.branch(record([point(0, "0")]))[1])
    v2["timeline"] = {**v2["timeline"], "charging": "x"}
    with pytest.raises(SerdeError):
        completed.decode(SERDE, SERDE.encode(completed.TOPIC, (completed.V2, v2)))


def test_a_record_without_samples_is_left_to_the_record_schema():
    rec = record([])
    del rec["samples"]
    assert completed.branch(rec) == (completed.V1, rec)


decimals = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), allow_nan=False,
                       allow_infinity=False, places=4).map(str)
points_strategy = st.lists(st.tuples(st.integers(0, 10**7), decimals, st.none() | decimals, st.none() | decimals,
                                     st.booleans()), max_size=40)


@settings(max_examples=200, deadline=None)
@given(points_strategy)
def test_any_fold_like_timeline_reads_as_its_completed_session(raw_points):
    points = [{"timestamp": state.from_us(1_700_000_000_000_000 + s * 1_000_000), "energy_wh": e, "power_w": p,
               "current_a": c, "charging": on} for s, e, p, c, on in raw_points]
    rec = record(points)
    value = completed.encode(SERDE, rec)
    assert written_branch(value) == completed.V2
    same(completed.decode(SERDE, value), as_v1(rec))
