"""A 2.0.1 transaction through the real endpoint (``ocpp`` client, websockets, embedded broker)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from expect import as_received, eid, receive_order, sample
from ocpp_clock import NOW

from connectors.ocpp.simulator import simulate
from roamstream.events import is_transaction

pytestmark = pytest.mark.integration

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
CP = "SIM-0001"
TX = "SIM-0001-T0001"


async def test_a_201_transaction_becomes_exact_avro_events(server, reader):
    [s] = await simulate(
        server.url,
        charge_points=1,
        sessions=1,
        version="2.0.1",
        id_tags=["TAG-B"],
        start=START,
        energy_wh=2000,
    )
    assert (s.transaction_id, s.meter_start_wh, s.meter_stop_wh) == (TX, 1000, 3000)

    events = await asyncio.to_thread(reader.transactions, 4)
    assert [(e["kind"], e["seq_no"]) for e in events] == [
        ("STARTED", 0),
        ("UPDATED", 1),
        ("UPDATED", 2),
        ("ENDED", 3),
    ]
    started, mv1, mv2, ended = events
    base = {
        "_key": CP,
        "charge_point_id": CP,
        "ocpp_version": "2.0.1",
        "action": "TransactionEvent",
        "received_at": NOW,
        "transaction_id": TX,
        "offline": False,
        "flags": [],
        "authorization_reference": None,
    }
    stop = START + timedelta(minutes=11)
    assert started == {
        **base,
        "event_id": eid(CP, "2.0.1", TX, 0),
        "kind": "STARTED",
        "message_id": "SIM-0001-5",
        "timestamp": START,
        "clock_skew_ms": 4 * 3600 * 1000,  # received 12:00, station time 08:00
        "connector_id": 1,
        "evse_id": 1,
        "id_tag": "TAG-B",
        "meter_wh": "1000",
        "seq_no": 0,
        "trigger_reason": "Authorized",
        "charging_state": "Charging",
        "stop_reason": None,
        "samples": [sample(START, "Energy.Active.Import.Register", "1000", "Wh", context="Transaction.Begin")],
        "auth_method": "WHITELIST",  # the answer to this TransactionEvent's idToken (the endpoint's token copy)
    }
    assert ended == {
        **base,
        "event_id": eid(CP, "2.0.1", TX, 3),
        "kind": "ENDED",
        "message_id": "SIM-0001-9",
        "timestamp": stop,
        "clock_skew_ms": (4 * 60 - 11) * 60 * 1000,
        "connector_id": None,
        "evse_id": None,
        "id_tag": "TAG-B",
        "meter_wh": "3000",
        "seq_no": 3,
        "trigger_reason": "EVCommunicationLost",
        "charging_state": "Idle",
        "stop_reason": "EVDisconnected",
        "samples": [sample(stop, "Energy.Active.Import.Register", "3000", "Wh", context="Transaction.End")],
        "auth_method": "WHITELIST",
    }
    t5 = START + timedelta(minutes=5)
    assert {k: v for k, v in mv1.items() if k != "samples"} == {
        **base,
        "event_id": eid(CP, "2.0.1", TX, 1),
        "kind": "UPDATED",
        "message_id": "SIM-0001-7",
        "timestamp": t5,
        "clock_skew_ms": (4 * 60 - 5) * 60 * 1000,
        "connector_id": None,
        "evse_id": None,
        "id_tag": None,
        "meter_wh": "1909",
        "seq_no": 1,
        "trigger_reason": "MeterValuePeriodic",
        "charging_state": None,
        "stop_reason": None,
        "auth_method": None,  # no idToken: nothing was answered
    }
    voltage = mv1["samples"][5]["value"]
    current = str((Decimal(11000) / (3 * Decimal(voltage))).quantize(Decimal("0.01")))
    assert mv1["samples"] == [
        sample(t5, "Energy.Active.Import.Register", "1909", "Wh", location="Outlet"),
        # 11 with multiplier 3: normalised to 11000 W, the raw value and scale kept
        sample(t5, "Power.Active.Import", "11000", "W", raw_value="11", raw_unit="W*10^3"),
        *[sample(t5, "Current.Import", current, "A", phase=p) for p in ("L1", "L2", "L3")],
        *[sample(t5, "Voltage", voltage, "V", phase=f"{p}-N") for p in ("L1", "L2", "L3")],
        sample(t5, "SoC", mv1["samples"][8]["value"], "%", raw_unit="Percent", location="EV"),
    ]
    assert (mv2["meter_wh"], mv2["timestamp"]) == ("2818", START + timedelta(minutes=10))

    station = await asyncio.to_thread(reader.stations, 7)
    assert [(e["kind"], e["status"], e["evse_id"], e["ocpp_version"]) for e in station] == [
        ("CONNECTED", None, None, "2.0.1"),
        ("BOOT", None, None, "2.0.1"),
        ("HEARTBEAT", None, None, "2.0.1"),
        ("STATUS", "Available", 1, "2.0.1"),
        ("STATUS", "Occupied", 1, "2.0.1"),
        ("STATUS", "Available", 1, "2.0.1"),
        ("DISCONNECTED", None, None, "2.0.1"),
    ]
    # transaction and station events in one stream, in the order their frames came in
    raw = await asyncio.to_thread(reader.read, "ocpp.raw.v1", 2 * 10)
    assert [r["direction"] for r in raw] == ["IN", "OUT"] * 10
    assert receive_order(raw).count("TransactionEvent") == 4
    everything = await asyncio.to_thread(reader.events, 11)
    assert as_received(everything) == receive_order(raw)
    assert [e for e in everything if not is_transaction(e)] == station
    assert [e for e in everything if is_transaction(e)] == events
