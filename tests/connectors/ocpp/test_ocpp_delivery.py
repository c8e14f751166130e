"""Acknowledgement follows delivery: a transaction message is answered only after Kafka has its event, and
not at all (an InternalError, so the station retries) when Kafka does not take it."""

from __future__ import annotations

import asyncio

import pytest
from ocpp_clock import NOW
from wire import bare, exchange

from connectors.ocpp.server import OcppServer
from roamstream import events
from roamstream.avro import AvroSerde
from roamstream.kafka import AsyncProducer, DeliveryError

pytestmark = pytest.mark.integration

START = [
    2,
    "s1",
    "StartTransaction",
    {"connectorId": 1, "idTag": "A", "meterStart": 0, "timestamp": "2026-01-05T08:00:00Z"},
]


def what(topic: str, value: bytes, serde: AvroSerde) -> str:
    """``topic``, and for ``ocpp.events.v1`` which branch of its union the record is."""
    if topic != events.TOPIC:
        return topic
    return f"{topic} {'transaction' if events.is_transaction(events.decode(serde, value)) else 'station'}"


class RecordingProducer:
    """The real producer, with a log of what was produced and when a send came back delivered; sends of
    ``fail`` (as ``what`` names them) fail."""

    def __init__(self, inner: AsyncProducer, fail: str | None = None) -> None:
        self.inner = inner
        self.fail = fail
        self.serde = AvroSerde()
        self.log: list[str] = []
        self.sent: list[tuple[str, bytes]] = []

    async def send(self, topic: str, value: bytes, key=None):
        sent = what(topic, value, self.serde)
        self.sent.append((sent, value))
        if sent == self.fail:
            self.log.append(f"failed {sent}")
            raise DeliveryError(f"{topic}: Broker: Not enough in-sync replicas")
        result = await self.inner.send(topic, value, key)
        self.log.append(f"delivered {sent}")
        return result

    def produce(self, topic: str, value: bytes, key=None) -> None:
        self.log.append(f"produced {what(topic, value, self.serde)}")
        self.inner.produce(topic, value, key)


async def test_the_answer_is_sent_after_the_event_is_delivered(ocpp_settings, producer, reader):
    recording = RecordingProducer(producer)
    async with OcppServer(ocpp_settings, recording, AvroSerde(), clock=lambda: NOW) as server:
        async with bare(server.url, "CP-ACK") as ws:
            answer = await exchange(ws, START)
    assert answer[:2] == [3, "s1"]
    start = recording.log.index("delivered ocpp.events.v1 station") + 1  # after CONNECTED
    # the frame in, the event delivered, then the answer out (recorded just before it is written)
    assert recording.log[start : start + 3] == [
        "produced ocpp.raw.v1",
        "delivered ocpp.events.v1 transaction",
        "produced ocpp.raw.v1",
    ]
    [event] = await asyncio.to_thread(reader.transactions, 1)
    assert event["transaction_id"] == str(answer[2]["transactionId"])
    [value] = [v for sent, v in recording.sent if sent == "ocpp.events.v1 transaction"]
    assert value[5] == 4  # the union's TransactionEventV2 (samples in columns), what producers write


async def test_when_kafka_does_not_take_the_event_the_station_gets_an_internal_error(ocpp_settings, producer):
    recording = RecordingProducer(producer, fail="ocpp.events.v1 transaction")
    async with OcppServer(ocpp_settings, recording, AvroSerde(), clock=lambda: NOW) as server:
        async with bare(server.url, "CP-NOACK") as ws:
            answer = await exchange(ws, START)
            assert answer == [4, "s1", "InternalError", "the message could not be stored; retry later", {}]
            assert (await exchange(ws, [2, "hb", "Heartbeat", {}]))[0] == 3
    assert "failed ocpp.events.v1 transaction" in recording.log


async def test_the_package_validation_baseline_serves_a_transaction_and_refuses_a_flawed_one(
    ocpp_settings, producer, reader
):
    ocpp = ocpp_settings.ocpp.model_copy(update={"package_validation": True})
    settings = ocpp_settings.model_copy(update={"ocpp": ocpp})
    async with OcppServer(settings, producer, AvroSerde(), clock=lambda: NOW) as server:
        async with bare(server.url, "CP-PKG") as ws:
            assert (await exchange(ws, START))[:2] == [3, "s1"]
            flawed = [2, "s2", "StartTransaction", {**START[3], "idTag": "T" * 25}]
            answer = await exchange(ws, flawed)
    # the package refuses what the compiled path would accept with a flag: that is why it is only the baseline
    assert answer[:3] == [4, "s2", "TypeConstraintViolation"]
    events = await asyncio.to_thread(reader.transactions, 1)
    assert [e["kind"] for e in events] == ["STARTED"]
