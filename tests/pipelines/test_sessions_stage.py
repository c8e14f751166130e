"""The sessions stage in a real worker on the embedded broker: the partition clock completes a quiet charge
point's last session from another charge point's events, also across a restart (clock and states recovered
from the changelog), and exactly once. Records go in through Kafka and are read back from Kafka."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

from pipelines.session_batches import clock_key
from pipelines.worker import Worker
from roamstream.avro import serde_for
from roamstream.config import Settings
from roamstream.sessions.state import to_us
from roamstream.topics import spec
from tests.pipelines.session_events import charge_point_events
from tests.sessions.fixtures import at, sample, tx_event

pytestmark = pytest.mark.integration


class Completed:
    """Reads sessions.completed.v1 from its start in a thread (no consumer group)."""

    def __init__(self, settings: Settings) -> None:
        self.records: list[dict] = []
        self._serde = serde_for(None)
        self._stop = threading.Event()
        name = "sessions.completed.v1"
        self._consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap_servers, "group.id": "unused",
                                   "enable.auto.commit": False})
        self._consumer.assign([TopicPartition(settings.topic(name), p, OFFSET_BEGINNING)
                               for p in range(spec(name).partitions)])
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            message = self._consumer.poll(0.05)
            if message is not None and not message.error():
                self.records.append(self._serde.decode("sessions.completed.v1", message.value()))

    def ids(self) -> list[tuple[str, str]]:
        return [(r["charge_point_id"], r["transaction_id"]) for r in self.records]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._consumer.close()


async def eventually(condition: Callable[[], bool], what: str, limit_s: float = 60.0) -> None:
    """A liveness bound, not a speed check."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        await asyncio.sleep(0.05)


def send(settings: Settings, events: list[dict]) -> None:
    """Transaction events to partition 0 (both charge points share it, hence its clock), in order."""
    serde = serde_for(None)
    producer = Producer({"bootstrap.servers": settings.kafka.bootstrap_servers})
    for event in events:
        producer.produce(settings.topic("ocpp.transaction.v1"), serde.encode("ocpp.transaction.v1", event),
                         event["charge_point_id"], partition=0)
    producer.flush(10)


async def test_a_quiet_charge_points_session_completes_on_the_partition_clock_across_a_restart(topics):
    settings = topics
    quiet = [e for e in charge_point_events("CP-QUIET", 0, sessions=1) if "action" in e]  # stop at minute 35
    completed = Completed(settings)
    try:
        async with Worker(settings) as worker:
            send(settings, [*quiet, tx_event("STARTED", 38, tx="7", cp="CP-BUSY", meter="0")])
            table = worker.app.tables["session_state"]
            await eventually(lambda: table.get(clock_key(0)) is not None
                             and b'"now":%d' % to_us(at(38)) in table.get(clock_key(0)),
                             "the partition clock written back at minute 38")
        assert completed.ids() == []  # 38 < stop 35 + settle 5
        async with Worker(settings):
            send(settings, [tx_event("UPDATED", 41, tx="7", cp="CP-BUSY", samples=[sample(41, "300")])])  # > 40
            await eventually(lambda: ("CP-QUIET", "1") in completed.ids(), "CP-QUIET's session completed")
            # CP-BUSY's session completes after it, in the same partition: then nothing else is on its way
            send(settings, [tx_event("ENDED", 50, tx="7", cp="CP-BUSY", meter="900", stop_reason="Local"),
                            tx_event("UPDATED", 60, tx=None, cp="CP-BUSY", connector=0,
                                     samples=[sample(60, "900", context="Sample.Clock")])])
            await eventually(lambda: ("CP-BUSY", "7") in completed.ids(), "CP-BUSY's session completed")
        assert completed.ids() == [("CP-QUIET", "1"), ("CP-BUSY", "7")]
        quiet_record = completed.records[0]
        assert (quiet_record["start"], quiet_record["end"], quiet_record["meter_stop_wh"]) == (at(0), at(35), "5250")
    finally:
        completed.close()
