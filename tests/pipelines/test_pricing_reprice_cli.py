"""``roamstream reprice --session ID`` against the embedded broker: the latest completed record of the session
(never a pricing retry copy) is sent again with its key; unknown sessions exit 1."""

from __future__ import annotations

import time

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from typer.testing import CliRunner

from pipelines.pricing import RETRY_HEADER
from roamstream.avro import serde_for
from roamstream.cli import app
from roamstream.kafka import producer_config
from roamstream.topics import spec
from tests.cdrs.cdr_fixtures import completed

pytestmark = pytest.mark.integration
TOPIC = "sessions.completed.v1"
SERDE = serde_for(None)


def produce(settings, records: list[tuple[dict, list | None]]) -> None:
    producer = Producer(producer_config(settings))
    for record, headers in records:
        producer.produce(settings.topic(TOPIC), key=record["charge_point_id"].encode(),
                         value=SERDE.encode(TOPIC, record), headers=headers)
    assert producer.flush(10) == 0


def read_all(settings, count: int, limit_s: float = 30) -> list:
    consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap_servers, "group.id": "unused"})
    consumer.assign([TopicPartition(settings.topic(TOPIC), p, OFFSET_BEGINNING) for p in range(spec(TOPIC).partitions)])
    got, deadline = [], time.monotonic() + limit_s  # a liveness bound, not a speed check
    try:
        while len(got) < count and time.monotonic() < deadline:
            message = consumer.poll(0.1)
            if message is not None and not message.error():
                got.append(message)
    finally:
        consumer.close()
    return got


def invoke(settings, *args: str):
    env = {"ROAMSTREAM_PROFILE": "embedded", "KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
           "KAFKA_TOPIC_PREFIX": settings.kafka.topic_prefix, "COLUMNS": "200"}
    return CliRunner().invoke(app, ["reprice", *args], env=env)


def test_the_latest_record_of_the_session_is_sent_again(topics):
    settings = topics
    first = completed(meter_stop_wh="9999")
    latest = completed()
    retry_copy = completed(meter_stop_wh="1")
    other = completed(charge_point_id="CP-8", transaction_id="1", session_id="CP-8-1")
    produce(settings, [(first, None), (latest, None), (retry_copy, [(RETRY_HEADER, b"1")]), (other, None)])

    result = invoke(settings, "--session", "CP-7-42")
    assert result.exit_code == 0, result.output
    assert "sent again: CP-7-42 (charge point CP-7)" in result.output

    messages = read_all(settings, 5)
    assert len(messages) == 5
    again = messages_of(messages, "CP-7-42")[-1]
    assert SERDE.decode(TOPIC, again.value()) == latest
    assert again.key() == b"CP-7"
    assert not again.headers()


def messages_of(messages: list, session_id: str) -> list:
    """The session's messages in offset order (one charge point: one partition)."""
    mine = [m for m in messages if SERDE.decode(TOPIC, m.value())["session_id"] == session_id]
    return sorted(mine, key=lambda m: m.offset())


def test_an_unknown_session_exits_1_and_sends_nothing(topics):
    produce(topics, [(completed(), None)])
    result = invoke(topics, "--session", "CP-7-42", "--session", "NOPE-1")
    assert result.exit_code == 1
    assert "not found on sessions.completed.v1: NOPE-1" in result.output
    assert "sent again: CP-7-42" in result.output
    assert len(read_all(topics, 2)) == 2
