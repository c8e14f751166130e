"""OCPP connector fixtures: a running endpoint on a free port, publishing to this test's topics."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import rpc_station
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from ocpp_clock import NOW

from connectors.ocpp.server import OcppServer
from roamstream import event_samples, events
from roamstream.avro import AvroSerde
from roamstream.config import Settings
from roamstream.kafka import AsyncProducer
from roamstream.topics import spec

#: the fixed wall clock of the endpoint under test (``received_at``)


@pytest.fixture
def ocpp_settings(topics: Settings) -> Settings:
    # these tests are about the protocol: every idTag is accepted (test_ocpp_tokens covers authorisation)
    return topics.model_copy(update={"ocpp": topics.ocpp.model_copy(update={"port": 0, "accept_unknown_tokens": True})})


@pytest.fixture
def producer(ocpp_settings: Settings) -> Iterator[AsyncProducer]:
    p = AsyncProducer(ocpp_settings)
    yield p
    p.close()


@pytest.fixture
async def server(ocpp_settings: Settings, producer: AsyncProducer) -> AsyncIterator[OcppServer]:
    async with OcppServer(ocpp_settings, producer, AvroSerde(), clock=lambda: NOW) as s:
        yield s


class TopicReader:
    """Reads what the endpoint published to one of this test's topics, decoded."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.serde = AvroSerde()

    def read(
        self,
        topic: str,
        count: int,
        *,
        wait_s: float = 30.0,
        settle_s: float = 0.5,
        where: Callable[[dict], bool] | None = None,
    ) -> list[dict]:
        """Records of ``topic`` (those ``where`` holds for, if given) in partition order: at least ``count``
        of them, plus any that arrive within ``settle_s`` after (so that an extra, unexpected record is
        seen), or what came before ``wait_s`` (all of ``wait_s`` when ``count`` is 0)."""
        consumer = Consumer(
            {
                "bootstrap.servers": self.settings.kafka.bootstrap_servers,
                "group.id": f"{self.settings.kafka.topic_prefix}reader-{topic}-{time.monotonic_ns()}",
                "auto.offset.reset": "earliest",
                "session.timeout.ms": 6000,
                "heartbeat.interval.ms": 1000,
                "fetch.wait.max.ms": 20,
                "enable.auto.commit": False,
            }
        )
        # assigned, not subscribed: no group join (the embedded broker holds a join ~session.timeout.ms/2)
        name = self.settings.topic(topic)
        consumer.assign([TopicPartition(name, p, OFFSET_BEGINNING) for p in range(spec(topic).partitions)])
        out: list[tuple[int, int, dict]] = []
        deadline = time.monotonic() + wait_s
        settle_until = None
        try:
            while time.monotonic() < (settle_until or deadline):
                msg = consumer.poll(0.1)
                if msg is None or msg.error():
                    continue
                key = msg.key()
                decoded = self.serde.decode(topic, msg.value())
                if topic == events.TOPIC:
                    decoded = event_samples.with_samples(decoded)  # a TransactionEventV2 as its TransactionEvent
                record = {"_key": key.decode() if key else None, **decoded}
                if where is not None and not where(record):
                    continue
                out.append((msg.partition(), msg.offset(), record))
                if count and len(out) >= count and settle_until is None:
                    settle_until = time.monotonic() + settle_s
        finally:
            consumer.close()
        out.sort(key=lambda m: (m[0], m[1]))
        return [record for _, _, record in out]

    def events(self, count: int, *, ticks: bool = False, **kwargs) -> list[dict]:
        """What was published to ``ocpp.events.v1``, in partition order; the connector's clock ticks only
        with ``ticks``."""
        return self.read(events.TOPIC, count, where=None if ticks else is_not_tick, **kwargs)

    def transactions(self, count: int, **kwargs) -> list[dict]:
        """The transaction events of ``ocpp.events.v1``."""
        return self.read(events.TOPIC, count, where=events.is_transaction, **kwargs)

    def stations(self, count: int, **kwargs) -> list[dict]:
        """The station events of ``ocpp.events.v1`` but the connector's clock ticks (``TICK``), which come
        whenever a charge point is quiet for ``OCPP_TICK_INTERVAL_S`` (``test_ocpp_ticks.py`` has them)."""
        return self.read(events.TOPIC, count, where=is_station_not_tick, **kwargs)


def is_not_tick(record: dict) -> bool:
    return events.is_transaction(record) or record["kind"] != "TICK"


def is_station_not_tick(record: dict) -> bool:
    return not events.is_transaction(record) and record["kind"] != "TICK"


@pytest.fixture
def reader(ocpp_settings: Settings) -> TopicReader:
    return TopicReader(ocpp_settings)


@pytest.fixture(scope="session")
def ocpp_rpc(request, tmp_path_factory) -> Path:
    """node_modules holding the strict independent station's package (``rpc_station.install``)."""
    return rpc_station.install(request, tmp_path_factory)
