"""The sessions stage in a real worker on the embedded broker: a quiet charge point's last session completes
on its own clock (the connector's TICK station events), never on another charge point's events, also across a
restart (states recovered from the changelog), and exactly once. Records go in through Kafka and are read back
from Kafka."""

from __future__ import annotations

import threading

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from waiting import eventually

from pipelines.worker import Worker
from roamstream import completed as completed_records
from roamstream.avro import serde_for
from roamstream.config import Settings
from roamstream.events import TOPIC, encode
from roamstream.sessions.state import to_us
from roamstream.topics import spec
from tests.pipelines.session_events import charge_point_events
from tests.sessions.fixtures import at, clock, sample, tx_event

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
                self.records.append(completed_records.decode(self._serde, message.value()))

    def ids(self) -> list[tuple[str, str]]:
        return [(r["charge_point_id"], r["transaction_id"]) for r in self.records]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._consumer.close()



def send(settings: Settings, events: list[dict]) -> None:
    """Events of ocpp.events.v1 to partition 0 (both charge points share it), in order."""
    serde = serde_for(None)
    producer = Producer({"bootstrap.servers": settings.kafka.bootstrap_servers})
    for event in events:
        producer.produce(settings.topic(TOPIC), encode(serde, event), event["charge_point_id"], partition=0)
    producer.flush(10)


async def test_a_quiet_charge_points_session_completes_on_its_own_ticks_across_a_restart(topics):
    settings = topics
    quiet = [e for e in charge_point_events("CP-QUIET", 0, sessions=1) if "action" in e]  # stop at minute 35
    completed = Completed(settings)
    try:
        async with Worker(settings) as worker:
            send(settings, [*quiet, clock(38, cp="CP-QUIET"),
                            tx_event("STARTED", 38, tx="7", cp="CP-BUSY", meter="0")])
            table = worker.app.tables["session_state"]
            await eventually(lambda: table.get(b"CP-QUIET") is not None
                             and b'"watermark":%d' % to_us(at(38)) in table.get(b"CP-QUIET"),
                             "CP-QUIET's state written back at its tick of minute 38")
        assert completed.ids() == []  # 38 < stop 35 + settle 5
        async with Worker(settings) as worker:
            table = worker.app.tables["session_state"]
            # another charge point's time never completes CP-QUIET's session: only its own clock does
            send(settings, [tx_event("UPDATED", 90, tx="7", cp="CP-BUSY", samples=[sample(90, "300")]),
                            clock(39, cp="CP-QUIET")])
            await eventually(lambda: b'"watermark":%d' % to_us(at(39)) in (table.get(b"CP-QUIET") or b""),
                             "CP-QUIET's state at its tick of minute 39, after CP-BUSY's minute 90")
            assert completed.ids() == []
            send(settings, [clock(40.5, cp="CP-QUIET")])  # > 40: its own tick completes it
            await eventually(lambda: ("CP-QUIET", "1") in completed.ids(), "CP-QUIET's session completed")
            assert completed.records[0]["end"] == at(35)
            # later ticks of CP-QUIET and CP-BUSY's own stop: CP-BUSY completes, CP-QUIET never again
            send(settings, [clock(60, cp="CP-QUIET"), clock(61, "HEARTBEAT", cp="CP-QUIET"),
                            tx_event("ENDED", 100, tx="7", cp="CP-BUSY", meter="900", stop_reason="Local"),
                            clock(106, cp="CP-BUSY")])
            await eventually(lambda: ("CP-BUSY", "7") in completed.ids(), "CP-BUSY's session completed")
        assert completed.ids() == [("CP-QUIET", "1"), ("CP-BUSY", "7")]
        quiet_record = completed.records[0]
        assert (quiet_record["start"], quiet_record["end"], quiet_record["meter_stop_wh"]) == (at(0), at(35), "5250")
    finally:
        completed.close()
