"""Determinism: the same simulation against a restarted endpoint gives the same transaction ids and the
same event ids (a retried or replayed transaction is recognisable downstream)."""

from __future__ import annotations

import asyncio

import pytest
from ocpp_clock import NOW

from connectors.ocpp.server import OcppServer
from connectors.ocpp.simulator import simulate
from roamstream.avro import AvroSerde

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_a_restarted_endpoint_allocates_the_same_ids(ocpp_settings, producer, reader, version):
    runs = []
    for _ in range(2):
        async with OcppServer(ocpp_settings, producer, AvroSerde(), clock=lambda: NOW) as server:
            runs.append(await simulate(server.url, charge_points=2, sessions=2, version=version, seed=3))
    assert runs[0] == runs[1]
    assert len({s.transaction_id for s in runs[0]}) == 4
    per_run = sum(2 + s.meter_values_sent for s in runs[0])  # started, the meter values, ended
    events = await asyncio.to_thread(reader.transactions, 2 * per_run)
    assert len(events) == 2 * per_run
    by_station: dict[str, list[dict]] = {}
    for e in events:
        by_station.setdefault(e["charge_point_id"], []).append(e)
    for station_events in by_station.values():
        first, second = station_events[: len(station_events) // 2], station_events[len(station_events) // 2 :]
        assert [e["event_id"] for e in first] == [e["event_id"] for e in second]
        assert [e["transaction_id"] for e in first] == [e["transaction_id"] for e in second]
