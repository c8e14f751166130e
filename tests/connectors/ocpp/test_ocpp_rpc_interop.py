"""Interoperability: a station built on the npm package ``ocpp-rpc`` in strict mode (it validates every
call and every answer against the OCPP schemas) runs a 1.6 and a 2.0.1 transaction against the endpoint."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from rpc_station import run_station

pytestmark = pytest.mark.integration

T0, T1, T2 = (datetime(2026, 1, 5, 8, m, tzinfo=UTC) for m in (0, 5, 10))


async def test_an_ocpp_rpc_16_station_in_strict_mode(server, reader, ocpp_rpc):
    answers = await run_station(ocpp_rpc, server.url, "RPC-16", "1.6")
    assert answers["protocol"] == "ocpp1.6"
    assert answers["boot"] == {"currentTime": "2026-01-05T12:00:00.000Z", "interval": 300, "status": "Accepted"}
    assert answers["authorize"] == {"idTagInfo": {"status": "Accepted"}}
    assert answers["meterValues"] == {} and answers["status"] == {}
    assert answers["stop"] == {"idTagInfo": {"status": "Accepted"}}
    tx = answers["start"]["transactionId"]
    events = await asyncio.to_thread(reader.transactions, 3)
    assert [(e["kind"], e["transaction_id"], e["timestamp"], e["meter_wh"], e["flags"]) for e in events] == [
        ("STARTED", str(tx), T0, "500", []),
        ("UPDATED", str(tx), T1, "1250", []),
        ("ENDED", str(tx), T2, "2500", []),
    ]
    assert [(s["value"], s["unit"], s["raw_value"], s["raw_unit"]) for s in events[1]["samples"]] == [
        ("1250", "Wh", "1.25", "kWh"),
        ("7400", "W", "7.4", "kW"),
    ]


async def test_an_ocpp_rpc_201_station_in_strict_mode(server, reader, ocpp_rpc):
    answers = await run_station(ocpp_rpc, server.url, "RPC-201", "2.0.1")
    assert answers["protocol"] == "ocpp2.0.1"
    assert answers["boot"] == {"currentTime": "2026-01-05T12:00:00.000Z", "interval": 300, "status": "Accepted"}
    assert answers["authorize"] == {"idTokenInfo": {"status": "Accepted"}}
    assert answers["started"] == answers["ended"] == {"idTokenInfo": {"status": "Accepted"}}
    assert answers["updated"] == {}
    events = await asyncio.to_thread(reader.transactions, 3)
    assert [(e["kind"], e["seq_no"], e["transaction_id"], e["timestamp"], e["meter_wh"]) for e in events] == [
        ("STARTED", 0, "RPC-TX-1", T0, "500"),
        ("UPDATED", 1, "RPC-TX-1", T1, "1250"),
        ("ENDED", 2, "RPC-TX-1", T2, "2500"),
    ]
    assert [(s["value"], s["unit"], s["raw_value"], s["raw_unit"]) for s in events[1]["samples"]] == [
        ("1250", "Wh", "1.25", "kWh"),
        ("7400", "W", "74", "W*10^2"),
    ]
