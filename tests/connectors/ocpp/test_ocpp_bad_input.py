"""Bad input gets a precise answer, a dead-letter record, and the connection keeps working."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from ocpp_clock import NOW
from wire import bare, exchange

from connectors.ocpp.server import OcppServer
from roamstream.avro import AvroSerde

pytestmark = pytest.mark.integration

HEARTBEAT = [2, "hb", "Heartbeat", {}]
T = "2026-01-05T08:00:00Z"
AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


async def still_serving(ws) -> None:
    assert await exchange(ws, HEARTBEAT) == [3, "hb", {"currentTime": "2026-01-05T12:00:00.000Z"}]


@pytest.mark.parametrize(
    ("version", "frame", "reply"),
    [
        ("1.6", "this is not json", ["-1", "FormationViolation"]),
        ("2.0.1", "this is not json", ["-1", "FormatViolation"]),
        ("1.6", '{"not": "a list"}', ["-1", "ProtocolError"]),
        ("2.0.1", '{"not": "a list"}', ["-1", "RpcFrameworkError"]),
        ("2.0.1", "[2]", ["-1", "RpcFrameworkError"]),
        ("1.6", '[2, "m1", "BootNotification"]', ["m1", "ProtocolError"]),
        ("2.0.1", '[7, "m2", "Heartbeat", {}]', ["m2", "MessageTypeNotSupported"]),
        # OCPP-J: an action not known at all is NotImplemented; one of the version's that a CSMS does not
        # serve (here: sent by the CSMS, never by a station) is NotSupported
        ("1.6", '[2, "m3", "Teleport", {}]', ["m3", "NotImplemented"]),
        ("2.0.1", '[2, "m4", "Teleport", {}]', ["m4", "NotImplemented"]),
        ("1.6", '[2, "m5", "RemoteStartTransaction", {"idTag": "A"}]', ["m5", "NotSupported"]),
        ("2.0.1", '[2, "m9", "RequestStartTransaction", {}]', ["m9", "NotSupported"]),
        # a non-transaction message that breaks its schema is refused
        (
            "1.6",
            '[2, "m6", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Bogus"}]',
            ["m6", "PropertyConstraintViolation"],
        ),
        (
            "2.0.1",
            '[2, "m7", "BootNotification", {"reason": "PowerUp"}]',
            ["m7", "OccurrenceConstraintViolation"],
        ),
        (
            "1.6",
            '[2, "m8", "BootNotification", {"chargePointVendor": 5, "chargePointModel": "x"}]',
            ["m8", "TypeConstraintViolation"],
        ),
    ],
)
async def test_frames_that_cannot_be_served_get_a_callerror_and_a_dead_letter(server, reader, version, frame, reply):
    async with bare(server.url, "CP-BAD", version) as ws:
        answer = await exchange(ws, frame)
        assert answer[0] == 4 and answer[1:3] == reply
        assert isinstance(answer[3], str) and answer[3] and answer[4] == {}
        await still_serving(ws)
    [dead] = await asyncio.to_thread(reader.read, "deadletter.v1", 1)
    assert dead["stage"] == "ocpp.connector"
    assert dead["reason"] == f"{reply[1]}: {answer[3]}"
    assert dead["payload"] == frame.encode()
    assert dead["key"] == b"CP-BAD" and dead["_key"] == "CP-BAD"
    assert dead["occurred_at"] == NOW
    assert await asyncio.to_thread(reader.transactions, 0, wait_s=1) == []


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
@pytest.mark.parametrize("package_validation", [False, True])
async def test_unknown_and_unsupported_actions_get_the_codes_and_descriptions_of_the_spec(
    ocpp_settings, producer, version, package_validation
):
    """OCPP-J 1.6 §4.2.3 and 2.0.1 part 4 §4.3: NotImplemented is "Requested Action is not known by
    receiver", NotSupported "Requested Action is recognized but not supported by the receiver"."""
    options = {"package_validation": package_validation, "port": 0}
    settings = ocpp_settings.model_copy(update={"ocpp": ocpp_settings.ocpp.model_copy(update=options)})
    served_by_csms = "ChangeAvailability"  # an action of both versions that only a CSMS sends
    async with OcppServer(settings, producer, AvroSerde(), clock=lambda: NOW) as server:
        async with bare(server.url, "CP-ACTIONS", version) as ws:
            unknown = await exchange(ws, [2, "u1", "Teleport", {}])
            known = await exchange(ws, [2, "u2", served_by_csms, {}])
            await still_serving(ws)
    assert unknown == [4, "u1", "NotImplemented", "Requested Action is not known by receiver: Teleport", {}]
    assert known == [
        4, "u2", "NotSupported",
        f"Requested Action is recognized but not supported by the receiver: {served_by_csms}", {},
    ]  # fmt: skip


async def test_a_binary_frame_is_refused(server, reader):
    async with bare(server.url, "CP-BIN") as ws:
        answer = await exchange(ws, b"\x00\x01")
        assert answer[:3] == [4, "-1", "FormationViolation"]
        await still_serving(ws)


async def test_a_16_meter_value_sent_as_a_number_is_accepted_flagged_and_dead_lettered(server, reader):
    frame = (
        '[2, "mv1", "MeterValues", {"connectorId": 1, "transactionId": 77, "meterValue": [{"timestamp": "'
        + T
        + '", "sampledValue": [{"value": 1234.5, "unit": "kWh"}, {"value": "7", "unit": "Fathoms"}]}]}]'
    )
    async with bare(server.url, "CP-NUM") as ws:
        assert await exchange(ws, frame) == [3, "mv1", {}]
    [event] = await asyncio.to_thread(reader.transactions, 1)
    assert event["kind"] == "UPDATED" and event["transaction_id"] == "77"
    assert event["meter_wh"] == "1234500"  # kWh normalised to Wh, exactly
    assert [(s["value"], s["unit"], s["raw_value"], s["raw_unit"]) for s in event["samples"]] == [
        ("1234500", "Wh", "1234.5", "kWh"),
        ("7", "Fathoms", "7", "Fathoms"),
    ]
    flags = event["flags"]
    assert flags[0] == "schema:meterValue/0/sampledValue/0/value: 1234.5 is not of type 'string'"
    assert flags[1].startswith("schema:meterValue/0/sampledValue/1/unit: 'Fathoms' is not one of ['Wh', 'kWh'")
    assert flags[2:] == ["unknown_unit:Fathoms"]
    [dead] = await asyncio.to_thread(reader.read, "deadletter.v1", 1)
    assert dead["payload"] == frame.encode()
    assert dead["reason"] == "MeterValues accepted with flags: " + "; ".join(event["flags"])
    assert dead["event_time"] == AT


async def test_an_overlong_id_tag_on_a_16_start_is_accepted_and_flagged(server, reader):
    tag = "T" * 25
    payload = f'{{"connectorId": 2, "idTag": "{tag}", "meterStart": 10, "timestamp": "2026-01-05T09:00:00+01:00"}}'
    async with bare(server.url, "CP-LONG") as ws:
        answer = await exchange(ws, f'[2, "s1", "StartTransaction", {payload}]')
    assert answer[:2] == [3, "s1"] and answer[2]["idTagInfo"] == {"status": "Accepted"}
    [event] = await asyncio.to_thread(reader.transactions, 1)
    assert (event["id_tag"], event["timestamp"], event["transaction_id"]) == (
        tag,
        AT,
        str(answer[2]["transactionId"]),
    )
    assert event["flags"] == [f"schema:idTag: '{tag}' is too long"]
    assert len(await asyncio.to_thread(reader.read, "deadletter.v1", 1)) == 1


async def test_a_201_event_with_an_unknown_unit_is_accepted_flagged_and_dead_lettered(server, reader):
    event = {
        "eventType": "Updated",
        "timestamp": T,
        "triggerReason": "MeterValuePeriodic",
        "seqNo": 4,
        "transactionInfo": {"transactionId": "TX-9"},
        "meterValue": [
            {
                "timestamp": T,
                "sampledValue": [
                    {"value": 3.25, "unitOfMeasure": {"unit": "kWh", "multiplier": 1}},
                    {"value": 1, "measurand": "Power.Active.Import", "unitOfMeasure": {"unit": "Horsepower"}},
                ],
            }
        ],
    }
    async with bare(server.url, "CP-HP", "2.0.1") as ws:
        assert await exchange(ws, [2, "e1", "TransactionEvent", event]) == [3, "e1", {}]
    [published] = await asyncio.to_thread(reader.transactions, 1)
    assert published["flags"] == ["unknown_unit:Horsepower"]
    assert [(s["value"], s["unit"], s["raw_value"], s["raw_unit"]) for s in published["samples"]] == [
        ("32500", "Wh", "3.25", "kWh*10^1"),
        ("1", "Horsepower", "1", "Horsepower"),
    ]
    assert published["meter_wh"] == "32500"
    assert len(await asyncio.to_thread(reader.read, "deadletter.v1", 1)) == 1


async def test_a_transaction_message_that_cannot_be_read_at_all_is_refused(server, reader):
    async with bare(server.url, "CP-NOTS") as ws:
        answer = await exchange(ws, '[2, "s2", "StartTransaction", {"connectorId": 1, "idTag": "A", "meterStart": 1}]')
        assert answer[:3] == [4, "s2", "OccurenceConstraintViolation"]
        assert "timestamp is required" in answer[3]
        answer = await exchange(
            ws, '[2, "s3", "StopTransaction", {"transactionId": 1, "meterStop": 5, "timestamp": "yesterday"}]'
        )
        assert answer[:3] == [4, "s3", "FormationViolation"]
        assert answer[3] == "timestamp 'yesterday' is not ISO 8601"
        await still_serving(ws)
    assert len(await asyncio.to_thread(reader.read, "deadletter.v1", 2)) == 2
    assert await asyncio.to_thread(reader.transactions, 0, wait_s=1) == []


async def test_timestamps_are_read_leniently(server, reader):
    async with bare(server.url, "CP-TS") as ws:
        for i, stamp in enumerate(
            ["2026-01-05T09:00:00.123456789+01:00", "2026-01-05 08:00:00,5", "2026-01-05T08:00Z"]
        ):
            payload = f'{{"transactionId": {i + 1}, "meterStop": 5, "timestamp": "{stamp}"}}'
            assert (await exchange(ws, f'[2, "x{i}", "StopTransaction", {payload}]'))[:2] == [3, f"x{i}"]
    events = await asyncio.to_thread(reader.transactions, 3)
    assert [(e["timestamp"], e["flags"]) for e in events] == [
        (datetime(2026, 1, 5, 8, 0, 0, 123456, tzinfo=UTC), []),
        (datetime(2026, 1, 5, 8, 0, 0, 500000, tzinfo=UTC), ["timestamp_without_offset"]),
        (AT, []),
    ]
