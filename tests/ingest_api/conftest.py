"""Unit-test fixtures for the ingest API: an app on a fake producer (it stands in for the broker only)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from api_payloads import TOKEN
from fastapi.testclient import TestClient
from pydantic import SecretStr

from ingest_api.app import create_app
from roamstream.avro import AvroSerde
from roamstream.config import ApiSettings, Settings
from roamstream.kafka import DeliveryError


@dataclass
class Sent:
    topic: str
    key: str | bytes | None
    value: bytes


@dataclass
class FakeProducer:
    """Keeps what was sent; records to a topic in ``failing`` or with a key in ``failing_keys`` fail
    delivery like the broker would."""

    sent: list[Sent] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)
    failing_keys: set[str] = field(default_factory=set)
    #: raised by every send: a bug rather than a delivery failure
    bug: Exception | None = None
    #: what ``connected`` answers (readiness)
    broker_answers: bool = True

    async def send(self, topic: str, value: bytes, key: str | bytes | None = None) -> tuple[int, int]:
        if self.bug is not None:
            raise self.bug
        if topic in self.failing or key in self.failing_keys:
            raise DeliveryError(f"{topic}: Local: Message timed out")
        self.sent.append(Sent(topic, key, value))
        return 0, len(self.sent) - 1

    def connected(self) -> bool:
        return self.broker_answers

    def on(self, topic: str) -> list[Sent]:
        return [s for s in self.sent if s.topic == topic]


@pytest.fixture
def serde() -> AvroSerde:
    return AvroSerde()


@pytest.fixture
def producer() -> FakeProducer:
    return FakeProducer()


@pytest.fixture
def unit_settings() -> Settings:
    return Settings(api=ApiSettings(tokens=[SecretStr(TOKEN), SecretStr("second-token")], batch_max_events=3))


@pytest.fixture
def client(unit_settings: Settings, producer: FakeProducer, serde: AvroSerde) -> Iterator[TestClient]:
    with TestClient(create_app(unit_settings, producer, serde)) as c:
        yield c
