"""confluent-kafka plumbing shared by the edges: topic creation and an asyncio-friendly producer."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from roamstream.config import Settings
from roamstream.exceptions import RoamstreamError
from roamstream.topics import CATALOG, TopicSpec, spec

#: librdkafka's own log lines (connection errors, shutdown notes) go to Python logging, served by the clients'
#: polls, instead of straight to stderr: a command decides where log records go (``roamstream demo``: a file)
RDKAFKA_LOG = logging.getLogger("librdkafka")


class DeliveryError(RoamstreamError):
    """The broker did not take a record."""


#: how long a readiness check waits for a broker's answer
READY_TIMEOUT_S = 2.0


def broker_answers(client: Any, topic: str, timeout: float = READY_TIMEOUT_S) -> bool:
    """Whether a broker answers ``client``'s metadata request for ``topic`` within ``timeout`` seconds: the
    client is connected (blocking: call it in a thread). One topic, so that a large cluster is not listed."""
    try:
        return bool(client.list_topics(topic, timeout=timeout).brokers)
    except KafkaException:
        return False


def create_topics(
    settings: Settings, specs: Iterable[TopicSpec] = CATALOG, timeout: float = 10.0, *, prefix: bool = True
) -> list[str]:
    """Create every topic in ``specs`` (with the settings' prefix unless ``prefix`` is false: faust changelog
    names already carry it through the app id); existing ones are left as they are."""
    admin = AdminClient({"bootstrap.servers": settings.kafka.bootstrap_servers, **security_config(settings),
                         "logger": RDKAFKA_LOG})
    new = [
        NewTopic(settings.topic(s.name) if prefix else s.name, s.partitions, settings.kafka.replication_factor,
                 config=s.config)
        for s in specs
    ]
    created = []
    for name, fut in admin.create_topics(new, request_timeout=timeout).items():
        try:
            fut.result(timeout)
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    return created


def security_config(settings: Settings) -> dict[str, Any]:
    """librdkafka's security properties from the ``KAFKA_SECURITY_PROTOCOL``/``KAFKA_SASL_*``/``KAFKA_SSL_CAFILE``
    settings (the faust app takes the same ones: ``pipelines.app.broker_credentials``)."""
    kafka = settings.kafka
    config: dict[str, Any] = {"security.protocol": kafka.security_protocol}
    if kafka.uses_sasl:
        config["sasl.mechanism"] = kafka.sasl_mechanism
        config["sasl.username"] = kafka.sasl_username
        config["sasl.password"] = kafka.sasl_password.get_secret_value() if kafka.sasl_password else None
    if kafka.uses_ssl and kafka.ssl_cafile is not None:
        config["ssl.ca.location"] = str(kafka.ssl_cafile)
    return config


def consumer_config(settings: Settings, **extra: Any) -> dict[str, Any]:
    """A confluent-kafka consumer's configuration: the brokers and their security settings, then ``extra``."""
    return {"bootstrap.servers": settings.kafka.bootstrap_servers, **security_config(settings), "logger": RDKAFKA_LOG,
            **extra}


def producer_config(settings: Settings, **extra: Any) -> dict[str, Any]:
    return {
        "bootstrap.servers": settings.kafka.bootstrap_servers,
        **security_config(settings),
        "linger.ms": settings.kafka.linger_ms,
        "enable.idempotence": False,  # the embedded broker rejects InitProducerId (DESIGN.md); outputs are idempotent
        "acks": "all",
        # without idempotence, a retried request could land after a later one: one request in flight per
        # broker keeps each partition in send order, which fixes a charge point's event order at ingestion
        "max.in.flight.requests.per.connection": 1,
        # the Java client's (and faust/aiokafka's) key hashing, so that every producer of a key agrees on its
        # partition: a charge point's events and the state derived from them stay co-partitioned
        "partitioner": "murmur2_random",
        "logger": RDKAFKA_LOG,
        **extra,
    }


def read_to_end(settings: Settings, name: str, *, error: type[RoamstreamError], group: str = "read",
                idle_s: float = 0.5, limit_s: float = 60.0) -> Iterator[Message]:
    """Every record of catalog topic ``name``, from its start to its end, in a throwaway consumer group: the end
    the broker reports, then until nothing came for ``idle_s`` (the embedded broker reports too low an end,
    DESIGN.md). A broker error, or not reaching the end within ``limit_s``, raises ``error``."""
    topic = settings.topic(name)
    partitions = range(spec(name).partitions)
    consumer = Consumer(consumer_config(settings, **{"group.id": f"{group}-{uuid.uuid4().hex}",
                                                     "enable.auto.commit": False, "enable.partition.eof": False}))
    try:
        try:
            ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions}
        except KafkaException as exc:
            raise error(f"{topic}: {exc.args[0].str() if exc.args else exc}") from None
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        position = dict.fromkeys(partitions, -1)
        deadline = time.monotonic() + limit_s
        idle_since = time.monotonic()
        while time.monotonic() < deadline:
            message = consumer.poll(0.1)
            if message is None:
                at_end = all(position[p] + 1 >= ends[p] for p in partitions)
                if at_end and time.monotonic() - idle_since >= idle_s:
                    return
                continue
            if message.error():
                raise error(f"{topic}: {message.error().str()}")
            idle_since = time.monotonic()
            position[message.partition()] = message.offset()
            yield message
        raise error(f"{topic}: not read to its end within {limit_s:g} s")
    finally:
        consumer.close()


class AsyncProducer:
    """A confluent-kafka producer whose ``send`` returns when the broker has the record.

    One poll thread serves delivery reports; each report resolves the caller's future on its own loop.
    """

    def __init__(self, settings: Settings, **extra: Any) -> None:
        self._settings = settings
        self._producer = Producer(producer_config(settings, **extra))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="kafka-delivery", daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._producer.poll(0.05)

    async def send(self, topic: str, value: bytes, key: bytes | str | None = None) -> tuple[int, int]:
        """Produce to ``topic`` (catalog name; the prefix is added) and wait for delivery: (partition, offset)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[tuple[int, int]] = loop.create_future()

        def delivered(err: KafkaError | None, msg: Any) -> None:
            if err is not None:
                loop.call_soon_threadsafe(_settle, fut, DeliveryError(f"{topic}: {err.str()}"), None)
            else:
                loop.call_soon_threadsafe(_settle, fut, None, (msg.partition(), msg.offset()))

        self.produce(topic, value, key, delivered)
        return await fut

    def produce(self, topic: str, value: bytes, key: bytes | str | None = None, on_delivery: Any = None) -> None:
        while True:
            try:
                self._producer.produce(self._settings.topic(topic), value=value, key=key, on_delivery=on_delivery)
                return
            except BufferError:
                self._producer.poll(0.01)

    def flush(self, timeout: float = 10.0) -> int:
        return self._producer.flush(timeout)

    def connected(self) -> bool:
        """Whether a broker answers now (blocking, at most ``READY_TIMEOUT_S``): readiness."""
        return broker_answers(self._producer, self._settings.topic("deadletter.v1"))

    def close(self) -> None:
        self.flush()
        self._stop.set()
        self._thread.join(timeout=2)
        self._producer = None  # librdkafka closes its connections when the handle is freed


def _settle(fut: asyncio.Future, exc: BaseException | None, result: Any) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(result)
