from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient

from roamstream.kafka import AsyncProducer
from roamstream.topics import CATALOG


def test_every_catalog_topic_is_created_with_its_partitions(topics):
    md = AdminClient({"bootstrap.servers": topics.kafka.bootstrap_servers}).list_topics(timeout=5)
    for spec in CATALOG:
        assert len(md.topics[topics.topic(spec.name)].partitions) == spec.partitions


async def test_send_returns_after_delivery_and_the_record_is_readable(topics):
    producer = AsyncProducer(topics)
    partition, offset = await producer.send("deadletter.v1", b"payload", key=b"cp-1")
    producer.close()
    consumer = Consumer({"bootstrap.servers": topics.kafka.bootstrap_servers, "group.id": topics.topic("g"),
                         "auto.offset.reset": "earliest", "session.timeout.ms": 6000})
    consumer.subscribe([topics.topic("deadletter.v1")])
    got = None
    for _ in range(100):
        msg = consumer.poll(0.2)
        if msg is not None and not msg.error():
            got = msg
            break
    consumer.close()
    assert got is not None
    assert (got.partition(), got.offset(), got.key(), got.value()) == (partition, offset, b"cp-1", b"payload")
