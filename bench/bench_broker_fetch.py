"""Embedded broker bench (issue 15, latency after catch-up): does a fetch cost the broker more as the partition it
reads holds more record batches?

An embedded broker (tansu, in-memory storage) is started here. A probe measures a consumer's round trip
(produce one record, see it consumed, ``--rate`` records/s for ``--probe-s`` seconds, fetch wait 20 ms as the
embedded profile sets it) and the broker process's CPU seconds meanwhile, three times in one run:

(1) baseline: an empty broker;
(2) after ``--batches`` single-record batches were produced to ANOTHER topic;
(3) after as many were produced to the probed topic itself.

Each figure is printed against (1).

Before them (unless ``--no-idle``): what an idle consumer's fetches cost the broker by the partitions they carry, 4
against ``--idle-partitions`` (default 32; a faust worker that fetched every changelog partition of its tables
carried 40, see ``pipelines.compat``'s ``fetch-paused``), at the embedded profile's 20 ms fetch wait, ``--idle-s``
seconds each, in turn, twice.

A worker's outputs produced a few records at a time (Session snapshots,
changelogs, completed sessions, CDRs) leave many small batches in the partitions the next stage fetches; the
catch-up phase of ``bench_pipeline.py`` leaves tens of thousands.

    python bench/bench_broker_fetch.py [--batches 60000] [--rate 50] [--probe-s 6] [--idle-partitions 32] [--no-idle]
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid

from confluent_kafka import OFFSET_END, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from procstat import cpu_s

from roamstream.broker import EmbeddedBroker

PARTITIONS = 12
#: the partitions of each topic an idle consumer fetches (as the pipeline's topics have)
IDLE_TOPIC_PARTITIONS = 4


def probe(servers: str, topic: str, rate: float, seconds: float) -> list[float]:
    """Round trips (s) of records produced at ``rate``/s, each seen by a consumer subscribed from the end."""
    consumer = Consumer({"bootstrap.servers": servers, "group.id": f"probe-{uuid.uuid4().hex[:8]}",
                         "auto.offset.reset": "latest", "enable.auto.commit": False, "fetch.wait.max.ms": 20})
    consumer.subscribe([topic])
    deadline = time.monotonic() + 30
    while not consumer.assignment() and time.monotonic() < deadline:
        consumer.poll(0.1)
    time.sleep(1.0)
    consumer.poll(0.1)
    producer = Producer({"bootstrap.servers": servers, "linger.ms": 1})
    sent: dict[bytes, float] = {}
    trips: list[float] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            message = consumer.poll(0.05)
            if message is not None and message.error() is None and message.key() in sent:
                trips.append(time.monotonic() - sent[message.key()])

    reader = threading.Thread(target=read)
    reader.start()
    for n in range(int(rate * seconds)):
        key = f"probe-{n}".encode()
        sent[key] = time.monotonic()
        producer.produce(topic, b"x" * 300, key)
        producer.poll(0)
        time.sleep(1 / rate)
    producer.flush(10)
    time.sleep(2.0)
    stop.set()
    reader.join()
    consumer.close()
    return sorted(trips)


def fill(servers: str, topic: str, batches: int) -> None:
    """``batches`` record batches of one record each (no linger, one record per batch)."""
    producer = Producer({"bootstrap.servers": servers, "linger.ms": 0, "batch.num.messages": 1})
    for n in range(batches):
        while True:
            try:
                producer.produce(topic, b"y" * 500, f"cp-{n % 500}".encode())
                break
            except BufferError:
                producer.poll(0.01)
        producer.poll(0)
    producer.flush(60)


def idle_fetches(servers: str, pid: int, topics: list[str], seconds: float) -> float:
    """The broker's CPU share (of a core) while one consumer, assigned every partition of ``topics`` at their end,
    fetches with the embedded profile's 20 ms wait and finds nothing."""
    consumer = Consumer({"bootstrap.servers": servers, "group.id": f"idle-{uuid.uuid4().hex[:8]}",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 20})
    consumer.assign([TopicPartition(t, n, OFFSET_END) for t in topics for n in range(IDLE_TOPIC_PARTITIONS)])
    start = time.monotonic()
    while time.monotonic() - start < 1.0:  # connected and fetching before the measurement
        consumer.poll(0.1)
    cpu0, start = cpu_s(pid), time.monotonic()
    while time.monotonic() - start < seconds:
        consumer.poll(0.1)
    share = (cpu_s(pid) - cpu0) / (time.monotonic() - start)
    consumer.close()
    return share


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=60_000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--probe-s", type=float, default=6.0)
    parser.add_argument("--idle-partitions", type=int, default=32)
    parser.add_argument("--idle-s", type=float, default=5.0)
    parser.add_argument("--no-idle", dest="idle", action="store_false")
    args = parser.parse_args()
    with EmbeddedBroker() as broker:
        servers, pid = broker.bootstrap_servers, broker.pid
        admin = AdminClient({"bootstrap.servers": servers})
        for future in admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in ("probed", "other")]).values():
            future.result()
        if args.idle:
            idle = [f"idle{n}" for n in range(max(1, args.idle_partitions // IDLE_TOPIC_PARTITIONS))]
            for future in admin.create_topics([NewTopic(t, IDLE_TOPIC_PARTITIONS, 1) for t in idle]).values():
                future.result()
            print(f"== idle fetches (20 ms wait), load average at the start {os.getloadavg()[0]:.2f}")
            for _ in range(2):
                few = idle_fetches(servers, pid, idle[:1], args.idle_s)
                many = idle_fetches(servers, pid, idle, args.idle_s)
                print(f"{len(idle) * IDLE_TOPIC_PARTITIONS} partitions: the broker {many:.1%} of a core "
                      f"(x{many / few:.1f}); {IDLE_TOPIC_PARTITIONS} partitions, same run: {few:.1%}")
        base = None
        phases = [("empty broker", None), (f"{args.batches:,} batches in another topic", "other"),
                  (f"{args.batches:,} batches in the probed topic", "probed")]
        print(f"== embedded broker fetch bench: {args.rate:g} records/s for {args.probe_s:g} s per probe, "
              f"{PARTITIONS} partitions, load average at the start {os.getloadavg()[0]:.2f}")
        for name, target in phases:
            if target is not None:
                fill(servers, target, args.batches)
            cpu0 = cpu_s(pid)
            trips = probe(servers, "probed", args.rate, args.probe_s)
            cpu = cpu_s(pid) - cpu0
            p50, p99 = trips[len(trips) // 2] * 1000, trips[min(len(trips) - 1, int(len(trips) * 0.99))] * 1000
            if base is None:
                base = (cpu, p50)
            print(f"{name}: broker CPU {cpu:.2f} s (x{cpu / base[0]:.1f} the empty broker), round trip p50 "
                  f"{p50:.0f} ms (x{p50 / base[1]:.1f}), p99 {p99:.0f} ms, {len(trips)} records")


if __name__ == "__main__":
    main()
