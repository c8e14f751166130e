"""The fold over what the real OCPP endpoint publishes for the simulator's faulty chargers.

Simulator -> OCPP endpoint (websockets) -> embedded broker -> read back -> fold, each charge point's events
in the offset order of ``ocpp.events.v1`` (the order the endpoint received them), drained after every event
as the agent does.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from confluent_kafka import Consumer

from connectors.ocpp.server import OcppServer
from connectors.ocpp.simulator import Faults, simulate
from roamstream import events as event_stream
from roamstream.avro import AvroSerde
from roamstream.kafka import AsyncProducer
from roamstream.sessions import COMPLETED, Params, apply, drain, expire, initial

pytestmark = pytest.mark.integration

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
FAULTS = dict(duplicate_stop=True, duplicate_ended=True, end_meter_values_after_stop=True, offline_queue=True)


@pytest.fixture
async def endpoint(topics):
    settings = topics.model_copy(update={"ocpp": topics.ocpp.model_copy(update={"port": 0})})
    producer = AsyncProducer(settings)
    try:
        async with OcppServer(settings, producer, AvroSerde()) as server:
            yield settings, server
    finally:
        producer.close()


def _read(settings, at_least: int, settle_s: float = 1.0, wait_s: float = 30.0) -> list[dict]:
    topic = event_stream.TOPIC
    serde = AvroSerde()
    consumer = Consumer({
        "bootstrap.servers": settings.kafka.bootstrap_servers, "auto.offset.reset": "earliest",
        "group.id": f"{settings.kafka.topic_prefix}fold-{topic}-{time.monotonic_ns()}",
        "enable.auto.commit": False, "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000,
        "fetch.wait.max.ms": 20,
    })
    consumer.subscribe([settings.topic(topic)])
    out, deadline, until = [], time.monotonic() + wait_s, None
    try:
        while time.monotonic() < (until or deadline):
            msg = consumer.poll(0.1)
            if msg is None or msg.error():
                continue
            out.append((msg.partition(), msg.offset(), event_stream.decode(serde, msg.value())))
            if len(out) >= at_least and until is None:
                until = time.monotonic() + settle_s
    finally:
        consumer.close()
    return [record for _, _, record in sorted(out, key=lambda m: (m[0], m[1]))]


@pytest.mark.parametrize(("version", "rebase"), [("1.6", False), ("2.0.1", True)])
async def test_faulty_simulated_chargers_fold_into_exactly_their_sessions(endpoint, version, rebase):
    settings, server = endpoint
    sims = await simulate(server.url, charge_points=2, sessions=3, version=version, start=START,
                          faults=Faults(**FAULTS, rebase_meter=rebase), meter_interval_min=5)
    expected_tx = sum(3 + s.meter_values_sent for s in sims)
    events = await asyncio.to_thread(_read, settings, expected_tx + 1)
    transactions = [e for e in events if event_stream.is_transaction(e)]
    assert len(transactions) >= expected_tx  # plus the faults' duplicates

    params, states, completed = Params(), {}, []
    for event in events:
        cp = event["charge_point_id"]
        state = json.loads(states[cp]) if cp in states else initial(cp)
        state, outputs = drain(apply(state, event), params)
        completed += [o.record for o in outputs if o.kind == COMPLETED]
        states[cp] = json.dumps(state)
    assert len(completed) < len(sims)  # the last session of each station waits for event time to pass
    now = max(e["timestamp"] for e in transactions) + timedelta(hours=1)
    for raw in states.values():
        state, outputs = drain(expire(json.loads(raw), now, params), params)
        completed += [o.record for o in outputs if o.kind == COMPLETED]

    by_tx = {r["transaction_id"]: r for r in completed}
    assert len(completed) == len(by_tx) == len(sims)
    for s in sims:
        r = by_tx[s.transaction_id]
        assert (r["charge_point_id"], r["connector_id"], r["id_tag"]) == (s.charge_point_id, s.connector_id,
                                                                           s.id_tag)
        assert (r["start"], r["end"]) == (s.started_at, s.stopped_at)
        assert (int(r["meter_start_wh"]), int(r["meter_stop_wh"])) == (s.meter_start_wh, s.meter_stop_wh)
        assert r["estimated"] is False
        assert r["flags"] == (["duplicate_stop"] if version == "2.0.1" else [])
        timeline = r["samples"]
        assert len(timeline) == s.meter_values_sent + 2  # offline-queued readings included
        assert [p["timestamp"] for p in timeline] == sorted(p["timestamp"] for p in timeline)
        assert int(timeline[-1]["energy_wh"]) == s.energy_wh
        assert all(p["charging"] for p in timeline[:-1])
