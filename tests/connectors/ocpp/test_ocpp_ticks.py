"""Clock ticks (``connectors.ocpp.ticks``): a quiet charge point gets ``TICK`` station events in its own stream
on ``ocpp.events.v1`` every ``OCPP_TICK_INTERVAL_S`` of quiet, while connected and after it went offline,
until ``OCPP_TICK_FOR_H`` after its last own event; then the ticker forgets it."""

from __future__ import annotations

import asyncio
import time

import pytest
from ocpp_clock import NOW
from wire import bare, exchange

from connectors.ocpp.server import OcppServer
from roamstream import events
from roamstream.avro import AvroSerde
from roamstream.kafka import AsyncProducer

pytestmark = pytest.mark.integration

CP = "CP-QUIET"
INTERVAL_S = 0.2
KEEP_S = 3.0
#: liveness bound on a loaded machine, not a speed check
LIVENESS_S = 60.0


class SendLog:
    """The real producer, logging (monotonic time the broker had it, station event kind or "transaction")
    for every ``ocpp.events.v1`` record."""

    def __init__(self, inner: AsyncProducer) -> None:
        self.inner = inner
        self.serde = AvroSerde()
        self.sent: list[tuple[float, str]] = []

    async def send(self, topic: str, value: bytes, key=None):
        result = await self.inner.send(topic, value, key)
        if topic == events.TOPIC:
            record = events.decode(self.serde, value)
            self.sent.append((time.monotonic(), "transaction" if events.is_transaction(record) else record["kind"]))
        return result

    def produce(self, topic: str, value: bytes, key=None) -> None:
        self.inner.produce(topic, value, key)


async def until(condition, what: str) -> None:
    deadline = time.monotonic() + LIVENESS_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        await asyncio.sleep(0.05)


async def test_a_quiet_charge_point_is_ticked_until_tick_for_h_after_its_last_own_event(
    ocpp_settings, producer, reader
):
    options = {"tick_interval_s": INTERVAL_S, "tick_for_h": KEEP_S / 3600}
    settings = ocpp_settings.model_copy(update={"ocpp": ocpp_settings.ocpp.model_copy(update=options)})
    log = SendLog(producer)

    def kinds() -> list[str]:
        return [kind for _, kind in log.sent]

    async with OcppServer(settings, log, AvroSerde(), clock=lambda: NOW) as server:
        async with bare(server.url, CP) as ws:
            assert (await exchange(ws, [2, "hb", "Heartbeat", {}]))[0] == 3
            # connected and quiet: ticked
            await until(lambda: kinds()[kinds().index("HEARTBEAT") :].count("TICK") >= 2, "two ticks while connected")
        # offline: still ticked (its last session must still complete), counted from the DISCONNECTED
        await until(lambda: "DISCONNECTED" in kinds(), "DISCONNECTED published")
        [disconnected_at] = [at for at, kind in log.sent if kind == "DISCONNECTED"]
        await until(lambda: CP not in server.publisher.last_own, "the ticker forgets the charge point")
        forgotten_at = time.monotonic()
        assert await server.ticker.tick_once() == []
        sent = len(log.sent)
        await asyncio.sleep(5 * INTERVAL_S)  # five more rounds of the ticker's loop: nothing more for it
        assert len(log.sent) == sent

    # forgotten no sooner than OCPP_TICK_FOR_H after its last own event (last_own is set once the broker has it)
    assert forgotten_at - disconnected_at >= KEEP_S
    kinds_sent = kinds()
    assert [k for k in kinds_sent if k != "TICK"] == ["CONNECTED", "HEARTBEAT", "DISCONNECTED"]
    heartbeat, disconnected = kinds_sent.index("HEARTBEAT"), kinds_sent.index("DISCONNECTED")
    assert kinds_sent[heartbeat:disconnected].count("TICK") >= 2
    assert kinds_sent[disconnected:].count("TICK") >= 1
    # one tick at least OCPP_TICK_INTERVAL_S after the one before (the ticker's loop sends one at a time)
    tick_times = [at for at, kind in log.sent if kind == "TICK"]
    assert all(b - a >= INTERVAL_S for a, b in zip(tick_times, tick_times[1:], strict=False))
    # on the topic exactly as published, in order: the charge point's own key, the connector's clock
    published = await asyncio.to_thread(reader.events, len(kinds_sent), ticks=True)
    assert [e["kind"] for e in published] == kinds_sent
    ticks = [e for e in published if e["kind"] == "TICK"]
    assert all(not events.is_transaction(t) for t in ticks)
    assert {tuple(sorted(t.items())) for t in ticks} == {
        tuple(sorted({
            "_key": CP, "charge_point_id": CP, "kind": "TICK", "timestamp": NOW, "received_at": NOW,
            "ocpp_version": None, "connector_id": None, "evse_id": None, "status": None, "error_code": None,
            "vendor": None, "model": None, "clock_skew_ms": None, "message_action": None, "frame": None,
        }.items()))
    }  # fmt: skip
