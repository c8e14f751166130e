"""The faults real chargers show, from the simulator through the endpoint: what the topic then holds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from expect import sample
from ocpp_clock import NOW

from connectors.ocpp.simulator import Faults, simulate

pytestmark = pytest.mark.integration

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


async def run(server, reader, version: str, faults: Faults, count: int, sessions: int = 1):
    result = await simulate(server.url, sessions=sessions, version=version, start=START, energy_wh=2000, faults=faults)
    return result, await asyncio.to_thread(reader.transactions, count)


async def test_16_duplicate_stop_with_a_new_message_id_has_the_same_event_id(server, reader):
    _, events = await run(server, reader, "1.6", Faults(duplicate_stop=True), 5)
    assert [e["kind"] for e in events] == ["STARTED", "UPDATED", "UPDATED", "ENDED", "ENDED"]
    first, second = events[3], events[4]
    assert first["message_id"] != second["message_id"]
    assert {k: v for k, v in first.items() if k != "message_id"} == {
        k: v for k, v in second.items() if k != "message_id"
    }


async def test_201_two_ended_events_with_different_seq_no_are_two_events(server, reader):
    _, events = await run(server, reader, "2.0.1", Faults(duplicate_ended=True), 5)
    assert [(e["kind"], e["seq_no"]) for e in events][-2:] == [("ENDED", 3), ("ENDED", 4)]
    assert events[3]["event_id"] != events[4]["event_id"]
    assert events[3]["meter_wh"] == events[4]["meter_wh"] == "3000"


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_transaction_end_meter_values_after_the_stop(server, reader, version):
    [s], events = await run(server, reader, version, Faults(end_meter_values_after_stop=True), 5)
    assert [e["kind"] for e in events] == ["STARTED", "UPDATED", "UPDATED", "ENDED", "UPDATED"]
    stop = START + timedelta(minutes=11)
    register = sample(stop, "Energy.Active.Import.Register", "3000", "Wh", context="Transaction.End")
    # 1.6 names the transaction and the connector; 2.0.1 MeterValues carry only the EVSE
    assert {k: v for k, v in events[4].items() if k != "event_id"} == {
        "_key": "SIM-0001", "charge_point_id": "SIM-0001", "ocpp_version": version, "kind": "UPDATED",
        "action": "MeterValues", "message_id": "SIM-0001-10", "timestamp": stop, "received_at": NOW,
        "transaction_id": s.transaction_id if version == "1.6" else None,
        "connector_id": 1 if version == "1.6" else None, "evse_id": None if version == "1.6" else 1,
        "id_tag": None, "meter_wh": "3000", "seq_no": None, "trigger_reason": None, "charging_state": None,
        "stop_reason": None, "offline": False, "samples": [register], "flags": [],
        "clock_skew_ms": (4 * 60 - 11) * 60 * 1000, "auth_method": None, "authorization_reference": None,
    }  # fmt: skip


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_meter_register_rebased_to_zero_per_transaction(server, reader, version):
    sessions, events = await run(server, reader, version, Faults(rebase_meter=True), 8, sessions=2)
    assert [(s.meter_start_wh, s.meter_stop_wh) for s in sessions] == [(0, 2000), (0, 2000)]
    assert [(e["kind"], e["meter_wh"]) for e in events] == [
        ("STARTED", "0"),
        ("UPDATED", "909"),
        ("UPDATED", "1818"),
        ("ENDED", "2000"),
    ] * 2
    assert len({e["transaction_id"] for e in events}) == 2


async def test_201_offline_queued_events_arrive_late_out_of_order_and_marked_offline(server, reader):
    _, events = await run(server, reader, "2.0.1", Faults(offline_queue=True), 4)
    assert [(e["kind"], e["seq_no"], e["offline"]) for e in events] == [
        ("STARTED", 0, False),
        ("ENDED", 3, False),
        ("UPDATED", 2, True),
        ("UPDATED", 1, True),
    ]
    late = {k: v for k, v in events[2].items() if k not in ("event_id", "samples")}
    assert late == {
        "_key": "SIM-0001", "charge_point_id": "SIM-0001", "ocpp_version": "2.0.1", "kind": "UPDATED",
        "action": "TransactionEvent", "message_id": "SIM-0001-8", "timestamp": START + timedelta(minutes=10),
        "received_at": NOW, "transaction_id": "SIM-0001-T0001", "connector_id": None, "evse_id": None,
        "id_tag": None, "meter_wh": "2818", "seq_no": 2, "trigger_reason": "MeterValuePeriodic",
        "charging_state": None, "stop_reason": None, "offline": True, "flags": [],
        "clock_skew_ms": (4 * 60 - 10) * 60 * 1000, "auth_method": None, "authorization_reference": None,
    }  # fmt: skip
    assert len(events[2]["samples"]) == 9
    assert [e["timestamp"] for e in events[2:]] == [START + timedelta(minutes=10), START + timedelta(minutes=5)]


async def test_16_offline_queued_meter_values_arrive_after_the_stop_newest_first(server, reader):
    _, events = await run(server, reader, "1.6", Faults(offline_queue=True), 4)
    assert [(e["kind"], e["meter_wh"]) for e in events] == [
        ("STARTED", "1000"),
        ("ENDED", "3000"),
        ("UPDATED", "2818"),
        ("UPDATED", "1909"),
    ]
