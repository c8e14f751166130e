"""A 1.6 transaction through the real endpoint (``ocpp`` client, websockets, embedded broker)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from expect import as_received, eid, receive_order, sample
from expect import v16_tx_id as expected_tx_id
from ocpp_clock import NOW

from connectors.ocpp.simulator import simulate
from roamstream.events import is_transaction

pytestmark = pytest.mark.integration

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


async def test_a_16_transaction_becomes_exact_avro_events(server, reader):
    sessions = await simulate(server.url, charge_points=1, sessions=1, id_tags=["TAG-A"], start=START, energy_wh=2000)
    [s] = sessions
    assert (s.charge_point_id, s.connector_id, s.id_tag) == ("SIM-0001", 1, "TAG-A")
    assert (s.meter_start_wh, s.meter_stop_wh) == (1000, 3000)
    assert (s.started_at, s.stopped_at) == (START, START + timedelta(minutes=11))
    tx = expected_tx_id("SIM-0001", 1, "TAG-A", START, 1000)
    assert s.transaction_id == tx

    events = await asyncio.to_thread(reader.transactions, 4)
    assert [e["kind"] for e in events] == ["STARTED", "UPDATED", "UPDATED", "ENDED"]
    assert all(e["_key"] == "SIM-0001" for e in events)
    started, mv1, mv2, ended = events

    base = {
        "_key": "SIM-0001",
        "charge_point_id": "SIM-0001",
        "ocpp_version": "1.6",
        "received_at": NOW,
        "evse_id": None,
        "seq_no": None,
        "trigger_reason": None,
        "charging_state": None,
        "offline": False,
        "flags": [],
        "auth_method": None,  # only the events whose id tag was answered carry the decision
        "authorization_reference": None,
    }
    assert started == {
        **base,
        "event_id": eid("SIM-0001", "1.6", "STARTED", tx),
        "kind": "STARTED",
        "action": "StartTransaction",
        "message_id": "SIM-0001-5",
        "timestamp": START,
        "clock_skew_ms": 4 * 3600 * 1000,  # received 12:00, station time 08:00
        "transaction_id": tx,
        "connector_id": 1,
        "id_tag": "TAG-A",
        "meter_wh": "1000",
        "stop_reason": None,
        "samples": [],
        "auth_method": "WHITELIST",  # the answer to StartTransaction (the endpoint's token copy)
    }
    assert ended == {
        **base,
        "event_id": eid("SIM-0001", "1.6", "ENDED", tx),
        "kind": "ENDED",
        "action": "StopTransaction",
        "message_id": "SIM-0001-9",
        "timestamp": START + timedelta(minutes=11),
        "clock_skew_ms": (4 * 60 - 11) * 60 * 1000,
        "transaction_id": tx,
        "connector_id": None,
        "id_tag": "TAG-A",
        "meter_wh": "3000",
        "stop_reason": "EVDisconnected",
        "samples": [
            sample(START, "Energy.Active.Import.Register", "1000", "Wh", context="Transaction.Begin"),
            sample(
                START + timedelta(minutes=11),
                "Energy.Active.Import.Register",
                "3000",
                "Wh",
                context="Transaction.End",
            ),
        ],
    }
    t5 = START + timedelta(minutes=5)
    assert {k: v for k, v in mv1.items() if k not in ("event_id", "samples")} == {
        **base,
        "kind": "UPDATED",
        "action": "MeterValues",
        "message_id": "SIM-0001-7",
        "timestamp": t5,
        "clock_skew_ms": (4 * 60 - 5) * 60 * 1000,
        "transaction_id": tx,
        "connector_id": 1,
        "id_tag": None,
        "meter_wh": "1909",
        "stop_reason": None,
    }
    # 2000 Wh over 11 minutes: 909 Wh after 5, 1818 Wh after 10 (integer Wh, floor)
    assert mv2["meter_wh"] == "2818" and mv2["timestamp"] == START + timedelta(minutes=10)
    voltage = mv1["samples"][5]["value"]  # seeded per session; the current follows from it at 11 kW
    current = str((Decimal(11000) / (3 * Decimal(voltage))).quantize(Decimal("0.01")))
    assert mv1["samples"] == [
        sample(t5, "Energy.Active.Import.Register", "1909", "Wh", location="Outlet"),
        sample(t5, "Power.Active.Import", "11000", "W"),
        *[sample(t5, "Current.Import", current, "A", phase=p) for p in ("L1", "L2", "L3")],
        *[sample(t5, "Voltage", voltage, "V", phase=f"{p}-N") for p in ("L1", "L2", "L3")],
        sample(t5, "SoC", mv1["samples"][8]["value"], "%", raw_unit="Percent", location="EV"),
    ]
    assert len({e["event_id"] for e in events}) == 4


async def test_station_events_and_every_frame_are_published(server, reader):
    await simulate(server.url, charge_points=1, sessions=1, id_tags=["TAG-A"], start=START, energy_wh=2000)
    station = await asyncio.to_thread(reader.stations, 7)
    assert [(e["kind"], e["status"], e["connector_id"]) for e in station] == [
        ("CONNECTED", None, None),
        ("BOOT", None, None),
        ("HEARTBEAT", None, None),
        ("STATUS", "Available", 1),
        ("STATUS", "Charging", 1),
        ("STATUS", "Available", 1),
        ("DISCONNECTED", None, None),
    ]
    boot = station[1]
    assert (boot["vendor"], boot["model"], boot["timestamp"], boot["received_at"]) == (
        "roamstream",
        "RS-Sim",
        NOW,
        NOW,
    )
    # station time from the StatusNotification, and how far it is behind receive time
    assert (station[4]["timestamp"], station[4]["clock_skew_ms"]) == (START, 4 * 3600 * 1000)
    assert boot["clock_skew_ms"] is None  # a BootNotification carries no station time
    raw = await asyncio.to_thread(reader.read, "ocpp.raw.v1", 20)
    # 10 CALLs in, 10 answers out, in order
    assert [r["direction"] for r in raw] == ["IN", "OUT"] * 10
    assert raw[0]["frame"].startswith('[2,"SIM-0001-1","BootNotification",')
    assert raw[1]["frame"].startswith('[3,"SIM-0001-1",{"currentTime":"2026-01-05T12:00:00.000Z"')
    # transaction and station events in one stream, in the order their frames came in
    assert receive_order(raw).count("StartTransaction") == 1
    everything = await asyncio.to_thread(reader.events, 11)
    assert as_received(everything) == receive_order(raw)
    assert [e for e in everything if not is_transaction(e)] == station
