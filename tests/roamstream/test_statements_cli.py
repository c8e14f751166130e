"""``roamstream statements load FILE`` against the embedded broker: lines published as POST /statements
publishes them; a refused file is dead-lettered, nothing of it published."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from typer.testing import CliRunner

from ingest_api.statement_files import HEADER
from roamstream.avro import serde_for
from roamstream.cli import app
from roamstream.topics import spec

pytestmark = pytest.mark.integration
SERDE = serde_for(None)


def read_topic(settings, topic: str, count: int, limit_s: float = 20) -> list[dict]:
    consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap_servers, "group.id": "unused"})
    consumer.assign([TopicPartition(settings.topic(topic), p, OFFSET_BEGINNING) for p in range(spec(topic).partitions)])
    got, deadline = [], time.monotonic() + limit_s  # a liveness bound, not a speed check
    try:
        while len(got) < count and time.monotonic() < deadline:
            message = consumer.poll(0.1)
            if message is not None and not message.error():
                got.append((message.key(), SERDE.decode(topic, message.value())))
    finally:
        consumer.close()
    return got


def invoke(settings, *args: str):
    env = {"ROAMSTREAM_PROFILE": "embedded", "KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
           "KAFKA_TOPIC_PREFIX": settings.kafka.topic_prefix, "COLUMNS": "200"}
    return CliRunner().invoke(app, ["statements", "load", *args], env=env)


def test_a_csv_statement_is_published_line_by_line_keyed_by_partner(topics, tmp_path: Path) -> None:
    file = tmp_path / "october.csv"
    file.write_text("\n".join([
        ",".join(HEADER),
        "DE-ABC,2026-10,2026-10-01,2026-10-31,CDR-1,EUR,12.3456,14.9382,25.5",
        "DE-ABC,2026-10,2026-10-01,2026-10-31,CDR-2,EUR,0.10,,1",
    ]))
    result = invoke(topics, str(file))
    assert result.exit_code == 0, result.output
    assert "published 2 line(s) of statement 2026-10 (DE-ABC)" in result.stdout
    lines = read_topic(topics, "partner.statements.v1", 2)
    assert [key for key, _ in lines] == [b"DE-ABC", b"DE-ABC"]
    assert [record["cdr_id"] for _, record in lines] == ["CDR-1", "CDR-2"]
    assert lines[0][1]["total_cost_excl_vat"] == Decimal("12.3456")
    assert lines[1][1]["total_cost_incl_vat"] is None


def test_an_invalid_file_names_row_and_field_is_dead_lettered_and_publishes_nothing(topics, tmp_path) -> None:
    file = tmp_path / "bad.csv"
    file.write_text("\n".join([
        ",".join(HEADER),
        "DE-ABC,2026-10,2026-10-01,2026-10-31,CDR-1,EUR,12.3456,,25.5",
        "DE-ABC,2026-10,2026-10-01,2026-10-31,CDR-2,EUR,1.23456,,1",
    ]))
    result = invoke(topics, str(file))
    assert result.exit_code == 1
    assert "bad.csv: row 3.total_cost_excl_vat: at most 4 decimals" in result.stderr
    [(_, dead)] = read_topic(topics, "deadletter.v1", 1)
    assert dead["stage"] == "statements_load"
    assert "row 3.total_cost_excl_vat" in dead["reason"]
    assert dead["payload"] == file.read_bytes()
    assert read_topic(topics, "partner.statements.v1", 1, limit_s=1) == []
