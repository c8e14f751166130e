"""Every consumer the replay and the compacted-topic readers open takes the Kafka security settings
(``roamstream.kafka.consumer_config``): the client's configuration is caught where it would leave the process
(confluent-kafka's ``Consumer``), with SASL settings in the environment."""

from __future__ import annotations

import asyncio

import pytest

from roamstream import compacted
from roamstream.avro import AvroSerde
from roamstream.config import Settings
from roamstream.replay import plumbing, record, run


class Opened(Exception):
    """Raised by the stand-in Consumer once it has the configuration."""


@pytest.fixture
def sasl(monkeypatch) -> Settings:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "replayer")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "a-long-random-password")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka.example:9093")
    return Settings()


def opened_with(monkeypatch, module, call) -> dict:
    configs: list[dict] = []

    def consumer(config: dict):
        configs.append(config)
        raise Opened

    monkeypatch.setattr(module, "Consumer", consumer)
    with pytest.raises(Opened):
        call()
    [config] = configs
    return config


@pytest.mark.parametrize("where", ["plumbing.consumed", "plumbing.end_offsets", "record.read_topics", "run.outputs",
                                   "compacted.reader"])
def test_the_consumer_takes_the_security_settings(where, sasl, monkeypatch):
    module, call = {
        "plumbing.consumed": (plumbing, lambda: asyncio.run(plumbing.consumed(sasl, {("ocpi.cdrs.v1", 0): 1}, 1))),
        "plumbing.end_offsets": (plumbing, lambda: asyncio.run(plumbing.end_offsets(sasl, ("ocpi.cdrs.v1",)))),
        "record.read_topics": (record, lambda: record.read_topics(sasl, ("ocpi.cdrs.v1",))),
        "run.outputs": (run, lambda: run._Outputs(sasl, AvroSerde())),
        "compacted.reader": (compacted, lambda: compacted.CompactedTopicReader(sasl, "ocpi.tokens.v1",
                                                                              lambda k, v: None)._consumer()),
    }[where]
    config = opened_with(monkeypatch, module, call)
    assert config["bootstrap.servers"] == "kafka.example:9093"
    assert (config["security.protocol"], config["sasl.mechanism"]) == ("SASL_SSL", "SCRAM-SHA-256")
    assert (config["sasl.username"], config["sasl.password"]) == ("replayer", "a-long-random-password")
    assert config["group.id"]  # its own settings still there


def test_the_push_operator_reader_takes_the_security_settings(sasl, monkeypatch):
    from pipelines import push_operator

    arguments: list[dict] = []

    def consumer(**kwargs):
        arguments.append(kwargs)
        raise Opened

    monkeypatch.setattr(push_operator, "AIOKafkaConsumer", consumer)
    with pytest.raises(Opened):
        asyncio.run(push_operator.read_all(sasl, "push_pending"))
    [kwargs] = arguments
    assert (kwargs["security_protocol"], kwargs["sasl_mechanism"]) == ("SASL_SSL", "SCRAM-SHA-256")
    assert (kwargs["sasl_plain_username"], kwargs["sasl_plain_password"]) == ("replayer", "a-long-random-password")
