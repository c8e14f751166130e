"""Pure parts of the connector: timestamps, measurands, frames, handshake rules, normalisers, plans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.ocpp import frames, validation
from connectors.ocpp.exceptions import BadTimestamp, FrameError, HandshakeRejected, UninterpretableMessage
from connectors.ocpp.handshake import (
    check_basic_auth,
    hash_password,
    identity_from_path,
    select_subprotocol,
    verify_password,
)
from connectors.ocpp.keys import to_camel, to_snake
from connectors.ocpp.measurands import RawSample, decimal_text, energy_register_wh, normalise
from connectors.ocpp.model import Received
from connectors.ocpp.simulator.plan import PlanOptions, plan_station
from connectors.ocpp.timestamps import format_timestamp, parse_timestamp
from connectors.ocpp.v16 import normalise as v16
from connectors.ocpp.v201 import normalise as v201

AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
RX = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def rx(action: str = "StartTransaction") -> Received:
    return Received("CP-1", "m-1", action, RX)


@pytest.mark.parametrize(
    ("text", "expected", "assumed"),
    [
        ("2026-01-05T08:00:00Z", AT, False),
        ("2026-01-05T08:00:00.5z", AT + timedelta(microseconds=500000), False),
        ("2026-01-05T09:30:00+01:30", AT, False),
        ("2026-01-05T0800", None, None),
        ("2026-01-05 08:00", AT, True),
        ("2026-01-05T03:00:00-0500", AT, False),
        ("2026-01-05T08:00:00.1234567891Z", AT + timedelta(microseconds=123456), False),
    ],
)
def test_timestamps_are_read_leniently(text, expected, assumed):
    if expected is None:
        with pytest.raises(BadTimestamp):
            parse_timestamp(text)
        return
    parsed = parse_timestamp(text)
    assert (parsed.value, parsed.assumed_utc) == (expected, assumed)


@pytest.mark.parametrize("bad", ["2026-13-01T00:00:00Z", "", 1736064000, None, "5 Jan 2026"])
def test_unreadable_timestamps_are_bad(bad):
    with pytest.raises(BadTimestamp):
        parse_timestamp(bad)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_formatted_timestamps_read_back_to_the_millisecond(value):
    assert parse_timestamp(format_timestamp(value)).value == value.replace(microsecond=value.microsecond // 1000 * 1000)


@pytest.mark.parametrize(
    ("raw", "value", "unit", "raw_unit"),
    [
        (RawSample(AT, "12.5", unit="kWh"), "12500", "Wh", "kWh"),
        (RawSample(AT, "7400", measurand="Power.Active.Import"), "7400", "W", None),
        (RawSample(AT, Decimal("7.4"), measurand="Power.Active.Import", unit="W", multiplier=3), "7400", "W", "W*10^3"),
        (RawSample(AT, Decimal("1.5"), unit="kWh", multiplier=-3), "1.5", "Wh", "kWh*10^-3"),
        (RawSample(AT, "16", measurand="Current.Import", phase="L1"), "16", "A", None),
        (RawSample(AT, "80", measurand="SoC", unit="Percent"), "80", "%", "Percent"),
        (RawSample(AT, "21", measurand="Temperature", unit="Celcius"), "21", "Celsius", "Celcius"),
        (RawSample(AT, "3", measurand="Energy.Reactive.Import.Register", unit="kvarh"), "3000", "varh", "kvarh"),
    ],
)
def test_sampled_values_are_normalised_exactly_and_the_raw_value_kept(raw, value, unit, raw_unit):
    flags: list[str] = []
    sample = normalise(raw, flags)
    assert (sample.value, sample.unit, sample.raw_unit, flags) == (value, unit, raw_unit, [])
    assert sample.raw_value == (raw.value if isinstance(raw.value, str) else decimal_text(Decimal(raw.value)))


def test_a_sample_that_is_not_a_number_is_dropped_and_flagged():
    flags: list[str] = []
    assert normalise(RawSample(AT, "n/a", measurand="Voltage"), flags) is None
    assert normalise(RawSample(AT, True, measurand="Voltage"), flags) is None
    assert flags == ["sample_not_a_number:Voltage"] * 2


def test_the_energy_register_is_the_outlet_total_not_a_phase_or_the_ev():
    flags: list[str] = []
    samples = tuple(
        normalise(r, flags)
        for r in (
            RawSample(AT, "5", phase="L1"),
            RawSample(AT, "6", location="EV"),
            RawSample(AT, "7", location="Inlet"),
            RawSample(AT, "8", location="Outlet"),
        )
    )
    assert energy_register_wh(samples) == "8"
    assert energy_register_wh(samples[:3]) is None


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**12), max_value=10**12))
def test_decimal_text_is_plain_and_exact(value):
    text = decimal_text(value)
    assert "E" not in text and Decimal(text) == value


@pytest.mark.parametrize(
    ("raw", "code", "message_id"),
    [
        ("{", "FormationViolation", "-1"),
        ("3", "ProtocolError", "-1"),
        ('[2, 5, "Heartbeat", {}]', "ProtocolError", "-1"),
        ('[2, "x", "Heartbeat", []]', "ProtocolError", "x"),
        ('[3, "x"]', "ProtocolError", "x"),
        ('[9, "x", {}]', "ProtocolError", "x"),
        ('[2, "' + "a" * 37 + '", "Heartbeat", {}]', "ProtocolError", "a" * 36),
    ],
)
def test_frames_that_are_not_ocpp_name_the_problem(raw, code, message_id):
    with pytest.raises(FrameError) as err:
        frames.parse(raw, "1.6")
    assert (err.value.code, err.value.message_id) == (code, message_id)


def test_frames_read_numbers_as_decimals():
    call = frames.parse('[2, "x", "MeterValues", {"v": 0.1}]', "2.0.1")
    assert call.payload == {"v": Decimal("0.1")}


def test_codes_are_spelled_as_each_version_spells_them():
    assert frames.wire_code("FormatViolation", "1.6") == "FormationViolation"
    assert frames.wire_code("OccurrenceConstraintViolation", "1.6") == "OccurenceConstraintViolation"
    assert frames.wire_code("OccurrenceConstraintViolation", "2.0.1") == "OccurrenceConstraintViolation"


def test_validation_lists_every_violation_with_its_code():
    found = validation.violations("1.6", "StartTransaction", {"connectorId": "1", "idTag": "x" * 21})
    assert [(v.code, v.where) for v in found] == [
        ("OccurrenceConstraintViolation", "(payload)"),
        ("OccurrenceConstraintViolation", "(payload)"),
        ("TypeConstraintViolation", "connectorId"),
        ("PropertyConstraintViolation", "idTag"),
    ]
    assert validation.violations("1.6", "Heartbeat", {}) == []
    assert validation.violations("1.6", "NoSuchAction", {"a": 1}) == []


def test_date_time_format_is_not_enforced_by_the_schema():
    payload = {"connectorId": 1, "idTag": "A", "meterStart": 0, "timestamp": "2026-01-05 08:00"}
    assert validation.violations("1.6", "StartTransaction", payload) == []


def test_key_conversion_follows_the_ocpp_package():
    payload = {"chargePointVendor": "x", "meterValue": [{"sampledValue": [{"unitOfMeasure": {"unit": "W"}}]}]}
    assert to_snake(payload) == {
        "charge_point_vendor": "x",
        "meter_value": [{"sampled_value": [{"unit_of_measure": {"unit": "W"}}]}],
    }
    assert to_camel(to_snake(payload)) == payload


@pytest.mark.parametrize(
    ("path", "identity"),
    [("/ocpp/CP-1", "CP-1"), ("/ocpp/CP%201?x=1", "CP 1"), ("/CP-2", "CP-2"), ("/ocpp/" + "a" * 48, "a" * 48)],
)
def test_the_identity_is_the_last_segment(path, identity):
    assert identity_from_path(path) == identity


@pytest.mark.parametrize("path", ["/ocpp/", "/ocpp/a:b", "/ocpp/" + "a" * 49, "/ocpp/%0A", "/"])
def test_bad_identities_are_refused(path):
    with pytest.raises(HandshakeRejected):
        identity_from_path(path)


def test_subprotocols_newest_first():
    assert select_subprotocol(["ocpp1.6", "ocpp2.0.1"]) == "ocpp2.0.1"
    assert select_subprotocol(["ocpp1.6"]) == "ocpp1.6"
    assert select_subprotocol(["ocpp2.1", "ocpp1.5"]) is None
    assert select_subprotocol([]) is None


def test_passwords_are_stored_hashed_and_salted():
    secret = "pass word"  # a space never occurs in the base64 of a hash, so "not in" cannot pass by chance
    one, two = hash_password(secret, iterations=1000), hash_password(secret, iterations=1000)
    assert one != two and secret not in one
    assert verify_password(secret, one) and not verify_password("pass word2", one)
    assert not verify_password("pw", "plain-text") and not verify_password("pw", "md5$1$a$b")


def test_basic_auth_rules():
    stored = {"CP-1": hash_password("pw", iterations=1000)}
    check_basic_auth("CP-1", "Basic Q1AtMTpwdw==", stored, require_auth=False)  # CP-1:pw
    check_basic_auth("CP-2", None, stored, require_auth=False)
    for header in (None, "Bearer x", "Basic Q1AtMTp4", "Basic Q1AtMjpwdw=="):  # CP-1:x, CP-2:pw
        with pytest.raises(HandshakeRejected):
            check_basic_auth("CP-1", header, stored, require_auth=False)
    with pytest.raises(HandshakeRejected):
        check_basic_auth("CP-2", None, stored, require_auth=True)


START = {"connector_id": 1, "id_tag": "A", "meter_start": 1500, "timestamp": "2026-01-05T08:00:00Z"}


def test_the_16_transaction_id_is_deterministic_positive_and_31_bit():
    first = v16.start_transaction(START, rx())
    again = v16.start_transaction({**START, "timestamp": "2026-01-05T09:00:00+01:00"}, rx())
    other = v16.start_transaction({**START, "meter_start": 1501}, rx())
    assert first.transaction_id == again.transaction_id != other.transaction_id
    assert first.event_id == again.event_id
    assert 0 < int(first.transaction_id) < 2**31


def test_16_start_requires_its_natural_key():
    for missing in START:
        with pytest.raises(UninterpretableMessage):
            v16.start_transaction({k: v for k, v in START.items() if k != missing}, rx())
    with pytest.raises(UninterpretableMessage):
        v16.start_transaction({**START, "connector_id": "one"}, rx())


def test_16_signed_data_is_skipped_and_flagged():
    r = rx("MeterValues")
    event = v16.meter_values(
        {
            "connector_id": 1,
            "meter_value": [
                {
                    "timestamp": "2026-01-05T08:05:00Z",
                    "sampled_value": [{"value": "ab==", "format": "SignedData"}, {"value": "1600"}],
                }
            ],
        },
        r,
    )
    assert [s.value for s in event.samples] == ["1600"] and event.meter_wh == "1600"
    assert event.flags == ("signed_data_skipped:Energy.Active.Import.Register",)
    assert event.transaction_id is None and event.timestamp == AT + timedelta(minutes=5)


def test_201_event_ids_follow_transaction_and_seq_no():
    payload = {
        "event_type": "Updated",
        "timestamp": "2026-01-05T08:00:00Z",
        "trigger_reason": "MeterValuePeriodic",
        "seq_no": 3,
        "transaction_info": {"transaction_id": "T-1"},
    }
    a = v201.transaction_event(payload, rx("TransactionEvent"))
    b = v201.transaction_event({**payload, "offline": True}, Received("CP-1", "m-2", "TransactionEvent", RX))
    c = v201.transaction_event({**payload, "seq_no": 4}, rx("TransactionEvent"))
    assert a.event_id == b.event_id != c.event_id
    assert (a.offline, b.offline) == (False, True)
    with pytest.raises(UninterpretableMessage):
        v201.transaction_event({**payload, "event_type": "Paused"}, rx("TransactionEvent"))


def test_201_ended_without_a_reason_is_local():
    payload = {
        "event_type": "Ended",
        "timestamp": "2026-01-05T08:00:00Z",
        "trigger_reason": "StopAuthorized",
        "seq_no": 9,
        "transaction_info": {"transaction_id": "T-1"},
    }
    assert v201.transaction_event(payload, rx("TransactionEvent")).stop_reason == "Local"


def test_plans_are_reproducible_and_energy_is_exact():
    opts = PlanOptions(sessions=3, seed=7)
    one, two = plan_station("SIM-0001", 0, AT, opts), plan_station("SIM-0001", 0, AT, opts)
    assert one == two
    assert all(p.readings[-1].register_wh < p.meter_stop_wh for p in one if p.readings)
    assert [p.meter_start_wh for p in one[1:]] == [p.meter_stop_wh for p in one[:-1]]
    assert all(b.started_at > a.stopped_at for a, b in zip(one, one[1:], strict=False))
    assert plan_station("SIM-0001", 0, AT, PlanOptions(sessions=3, seed=8)) != one


def test_clock_skew_is_receive_time_minus_station_time():
    late = v16.stop_transaction({"transaction_id": 5, "meter_stop": 9, "timestamp": "2026-01-05T11:59:59.250Z"}, rx())
    ahead = v16.stop_transaction({"transaction_id": 5, "meter_stop": 9, "timestamp": "2026-01-05T12:00:02Z"}, rx())
    assert (late.clock_skew_ms, ahead.clock_skew_ms) == (750, -2000)


def test_records_written_before_clock_skew_existed_still_read():
    import io

    import fastavro

    import schemas
    from roamstream.avro import AvroSerde, LocalSchemaIds

    for name, record in (
        ("ocpp.transaction.v1", v16.start_transaction(START, rx()).to_record()),
        ("ocpp.station.v1", v16.heartbeat({}, rx("Heartbeat")).to_record()),
    ):
        current = schemas.raw(name)
        previous = {**current, "fields": [f for f in current["fields"] if f["name"] != "clock_skew_ms"]}
        ids = LocalSchemaIds()
        sid = ids.id_for(f"{name}-value", previous)
        body = io.BytesIO()
        fastavro.schemaless_writer(body, fastavro.parse_schema(previous), record)
        decoded = AvroSerde(ids).decode(name, b"\x00" + sid.to_bytes(4, "big") + body.getvalue())
        assert decoded["clock_skew_ms"] is None
        assert decoded["charge_point_id"] == "CP-1"


def test_the_specs_defaults_are_made_explicit():
    sample = normalise(RawSample(AT, "42"), [])
    assert (sample.measurand, sample.unit, sample.raw_unit, sample.location, sample.context) == (
        "Energy.Active.Import.Register",
        "Wh",
        None,
        "Outlet",
        "Sample.Periodic",
    )
    assert energy_register_wh((sample,)) == "42"
