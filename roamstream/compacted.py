"""A compacted topic kept in memory: the latest decoded value of every key, read from the topic's beginning
by a background thread and kept current, so that a process sees new, changed and removed objects without a
restart (the partner registry, the tariffs and locations the pull interfaces serve, the tokens the OCPP
connector authorises with).

No consumer group: every reader reads every partition from the beginning (the topics are small and compacted).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, TopicPartition

from roamstream.config import Settings
from roamstream.kafka import consumer_config
from roamstream.topics import spec

log = logging.getLogger(__name__)

#: ``on_record(key, value)`` with the Kafka key (text) and the raw value (None for a tombstone)
OnRecord = Callable[[str, bytes | None], None]


class CompactedTopicReader:
    """Reads ``topic`` (catalog name) from its beginning and calls ``on_record`` for each record, in a thread.

    ``wait_caught_up(timeout)`` returns once every record that was in the topic when the reader started has
    been handed over (the high watermarks read at start; on the embedded broker they may be a little low, see
    DESIGN.md, so a caller that needs one particular record waits for it instead).
    """

    def __init__(self, settings: Settings, topic: str, on_record: OnRecord) -> None:
        self._settings = settings
        self._topic = topic
        self._on_record = on_record
        self._stop = threading.Event()
        self._caught_up = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> CompactedTopicReader:
        self._thread = threading.Thread(target=self._run, name=f"read-{self._topic}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wait_caught_up(self, timeout: float) -> bool:
        return self._caught_up.wait(timeout)

    def _consumer(self) -> Consumer:
        return Consumer(consumer_config(self._settings, **{
            "group.id": f"{self._settings.kafka.topic_prefix}reader-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": self._settings.kafka.fetch_max_wait_ms,
        }))

    def _run(self) -> None:
        name = self._settings.topic(self._topic)
        partitions = range(spec(self._topic).partitions)
        consumer = None
        while consumer is None and not self._stop.is_set():
            consumer = self._consumer()
            try:
                # a short timeout, tried again until stopped: a reader whose broker is down stops at once
                ends = {p: consumer.get_watermark_offsets(TopicPartition(name, p), timeout=1)[1] for p in partitions}
            except KafkaException as exc:
                log.warning("cannot read %s yet: %s", name, exc)
                consumer.close()  # one client at a time, not one more per attempt
                consumer = None
                self._stop.wait(0.5)
        if consumer is None:
            return
        try:
            consumer.assign([TopicPartition(name, p, OFFSET_BEGINNING) for p in partitions])
            positions = dict.fromkeys(partitions, 0)
            self._check_caught_up(positions, ends)
            while not self._stop.is_set():
                msg = consumer.poll(0.1)
                if msg is None:
                    continue
                if msg.error():
                    log.warning("reading %s: %s", name, msg.error())
                    continue
                key = msg.key().decode() if msg.key() is not None else ""
                try:
                    self._on_record(key, msg.value())
                except Exception:  # a bad record must not stop the reader; the handler logs what it refused
                    log.exception("record %s of %s not applied", key, name)
                positions[msg.partition()] = msg.offset() + 1
                self._check_caught_up(positions, ends)
        finally:
            consumer.close()

    def _check_caught_up(self, positions: dict[int, int], ends: dict[int, int]) -> None:
        if not self._caught_up.is_set() and all(positions[p] >= ends[p] for p in ends):
            self._caught_up.set()


class CompactedView:
    """The latest decoded value of each key; ``decode`` returns None for a record that removes its key."""

    def __init__(self, decode: Callable[[bytes | None], Any]) -> None:
        self._decode = decode
        self._values: dict[str, Any] = {}
        self._lock = threading.Lock()


    def apply(self, key: str, raw: bytes | None) -> None:
        value = self._decode(raw)
        with self._lock:
            if value is None:
                self._values.pop(key, None)
            else:
                self._values[key] = value

    def get(self, key: str) -> Any | None:
        return self._values.get(key)

    def values(self) -> list[Any]:
        with self._lock:
            return list(self._values.values())
