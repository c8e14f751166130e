"""The shared connection routing, with the socket and Kafka replaced by recorders (both leave the process)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx

from connectors.ocpp.connection import ConnectionOptions
from connectors.ocpp.publisher import Publisher
from connectors.ocpp.v16.handler import V16ChargePoint
from roamstream.avro import AvroSerde
from roamstream.partners.pull.objects import ObjectsView
from roamstream.partners.registry import Registry
from roamstream.partners.tokens.authorizer import TokenAuthorizer

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


class Wire:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, message: str) -> None:
        self.sent.append(message)


class Kafka:
    def __init__(self) -> None:
        self.records: list[tuple[str, str]] = []

    async def send(self, topic: str, value: bytes, key=None):
        self.records.append((topic, key))
        return 0, len(self.records)

    def produce(self, topic: str, value: bytes, key=None) -> None:
        self.records.append((topic, key))


def station() -> tuple[V16ChargePoint, Wire, Kafka]:
    wire, kafka = Wire(), Kafka()
    cp = V16ChargePoint("CP-1", wire, Publisher(kafka, AvroSerde(), lambda: NOW), ConnectionOptions())
    # no tokens known, none accepted: no eMSP is ever asked, so the HTTP client is never used
    cp.authorizer = TokenAuthorizer(ObjectsView(AvroSerde()), Registry(), httpx.AsyncClient(), 1.0, False,
                                   ("NL", "RST"))
    return cp, wire, kafka


async def test_answers_to_calls_we_never_made_are_dropped():
    cp, wire, _ = station()
    await cp.route_message('[3, "stray", {}]')
    await cp.route_message('[4, "stray-2", "InternalError", "", {}]')
    assert cp._response_queue.empty() and wire.sent == []


async def test_an_answer_to_our_call_in_flight_is_passed_on():
    cp, _, _ = station()
    async with cp._call_lock:
        await cp.route_message('[3, "ours", {"status": "Accepted"}]')
    assert cp._response_queue.get_nowait().payload == {"status": "Accepted"}


async def test_a_bug_in_a_handler_is_an_internal_error_without_internals():
    cp, wire, kafka = station()

    async def broken(**payload):
        raise ZeroDivisionError("secret detail")

    cp.route_map["Heartbeat"] = {"_on_action": broken}
    await cp.route_message('[2, "h1", "Heartbeat", {}]')
    assert json.loads(wire.sent[-1]) == [4, "h1", "InternalError", "an unexpected error occurred", {}]
    assert ("deadletter.v1", "CP-1") in kafka.records
    await cp.route_message('[2, "h2", "Authorize", {"idTag": "A"}]')  # the connection goes on
    assert json.loads(wire.sent[-1]) == [3, "h2", {"idTagInfo": {"status": "Invalid"}}]
