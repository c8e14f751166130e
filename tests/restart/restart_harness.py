"""Pieces of the restart test: a recorded OCPP feed, and pipeline runs whose worker is a child process.

A *run* has its own topics, consumer group, lake and demo eMSP on the shared embedded broker; its worker is
``python -m roamstream worker`` started with the environment a deployment would give it, so that it can be
killed with SIGKILL like a crashed process.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka import TopicPartition as AioTopicPartition
from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient

from analytics import open_lake
from connectors.ocpp.server import OcppServer
from connectors.ocpp.simulator import SimulatedSession, simulate
from ingest_api.records import object_record
from pipelines.compat import true_end_offsets
from pipelines.tables import TABLES
from roamstream import completed as completed_records
from roamstream import events
from roamstream.asgi import ServedApp
from roamstream.avro import AvroSerde
from roamstream.config import Partner, Settings
from roamstream.demo import seed
from roamstream.demo.emsp import EmspStore, create_emsp_app
from roamstream.kafka import AsyncProducer, create_topics
from roamstream.ocpi.location import Location
from roamstream.ocpi.tariff import Tariff
from roamstream.ocpi.token import Token
from roamstream.partners.delivery.pending import split_entry

REPO = Path(__file__).resolve().parents[2]
#: what the connector publishes of a charge point's traffic: its transaction and station events, in one topic
FEED_TOPICS = (events.TOPIC,)
PARTNER = seed.PARTNERS[0]
EMSP_TOKEN = "token-b-restart"
#: liveness bound for anything the pipeline must eventually do (a loaded 2-core machine), not a speed check
LIVENESS_S = 150.0


@dataclass(frozen=True)
class Record:
    topic: str
    key: bytes
    value: bytes


class RecordingProducer:
    """The OCPP connector's producer, keeping what the broker took for ``ocpp.events.v1`` (transaction and
    station events alike), in delivery order (per charge point, the order the connector published)."""

    def __init__(self, producer: AsyncProducer) -> None:
        self._producer = producer
        self.records: list[Record] = []

    async def send(self, topic: str, value: bytes, key: bytes | str | None = None) -> tuple[int, int]:
        delivered = await self._producer.send(topic, value, key)
        if topic in FEED_TOPICS:
            self.records.append(Record(topic, key.encode() if isinstance(key, str) else key, value))
        return delivered

    def produce(self, *args, **kwargs) -> None:
        self._producer.produce(*args, **kwargs)


async def record_feed(settings: Settings, serde: AvroSerde, *, charge_points: int, sessions: int,
                      ) -> tuple[list[SimulatedSession], list[Record]]:
    """Drive the simulator through the real OCPP endpoint (on ``settings``' topics) and keep its records."""
    settings = settings.model_copy(update={"ocpp": settings.ocpp.model_copy(update={"port": 0})})
    create_topics(settings)
    producer = AsyncProducer(settings)
    recording = RecordingProducer(producer)
    try:
        async with OcppServer(settings, recording, serde) as server:
            simulated = await simulate(
                server.url, charge_points=charge_points, sessions=sessions, id_tags=id_tags(charge_points),
                start=seed.START, prefix="RS-CP-", meter_interval_min=10, clock_tail_min=15,
            )
    finally:
        producer.close()
    return simulated, recording.records


def id_tags(count: int) -> list[str]:
    return [seed.token(PARTNER, n)["uid"] for n in range(1, count + 1)]


def reference_records(serde: AvroSerde, charge_point_ids: list[str], tokens: int) -> list[Record]:
    """The tariff, the location and the partner's tokens as ``ocpi.object.v1`` records (as the ingest API
    publishes them)."""
    objects = [("ocpi.tariffs.v1", Tariff.model_validate(seed.tariff()), seed.TARIFF_ID),
               ("ocpi.locations.v1", Location.model_validate(seed.location(charge_point_ids)), seed.LOCATION_ID)]
    objects += [("ocpi.tokens.v1", Token.model_validate(seed.token(PARTNER, n)), seed.token(PARTNER, n)["uid"])
                for n in range(1, tokens + 1)]
    return [Record(topic, f"{obj.country_code}-{obj.party_id}-{object_id}".encode(),
                   serde.encode("ocpi.object.v1", object_record(obj, object_id)))
            for topic, obj, object_id in objects]


def split_mid_session(records: list[Record], serde: AvroSerde, parts: int) -> list[list[Record]]:
    """Cut the feed into ``parts`` consecutive pieces, each cut right after a meter value of an open
    transaction (a session is in progress at every cut). Together the pieces are the feed in its order, so
    every partition receives the same records in the same order as from the whole feed."""
    cuts = [0]
    for n in range(1, parts):
        position = len(records) * n // parts
        while not _inside_transaction(records[position - 1], serde):
            position += 1
        cuts.append(position)
    cuts.append(len(records))
    return [records[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


def _inside_transaction(record: Record, serde: AvroSerde) -> bool:
    if record.topic != events.TOPIC:
        return False
    event = events.decode(serde, record.value)
    return events.is_transaction(event) and event["kind"] == "UPDATED" and event["transaction_id"] is not None


@dataclass(frozen=True)
class Outcome:
    #: the lake's ``cdrs`` table: CDR id -> OCPI JSON
    cdrs: dict[str, str]
    #: CDR id -> (rows in the raw files, distinct OCPI JSONs among them)
    raw_copies: dict[str, tuple[int, int]]
    #: session id -> reason, for sessions the pricing stage sent to the dead-letter topic
    priced_out: dict[str, str]
    #: reasons of dead letters of the stages after sessions and pricing, but push (lake, reference)
    other_dead: list[str]
    push_dead: list[str]

    def sessions(self) -> set[str]:
        """Every session accounted for: priced (the session id in its CDR) or dead-lettered by pricing."""
        return {json.loads(text)["session_id"] for text in self.cdrs.values()} | set(self.priced_out)


@dataclass
class Run:
    """One pipeline run: unique topics, group and lake on the broker of ``base``; a demo eMSP; a worker."""

    name: str
    settings: Settings
    logs: Path
    store: EmspStore = field(default_factory=EmspStore)
    emsp: ServedApp | None = None
    worker: subprocess.Popen | None = None
    #: workers started beside ``worker`` on the same consumer group (scale-out), see ``join_worker``
    joined: list[subprocess.Popen] = field(default_factory=list)
    workers_started: int = 0
    _worker_logs: dict[int, Path] = field(default_factory=dict)
    #: settings of this run's workers beyond the deployment's (``worker_env``), e.g. a wider batch window
    env: dict[str, str] = field(default_factory=dict)
    _admin: AdminClient | None = None

    @classmethod
    def create(cls, name: str, base: Settings, tmp_path: Path) -> Run:
        prefix = f"r{uuid.uuid4().hex[:10]}."
        settings = base.model_copy(update={
            "kafka": base.kafka.model_copy(update={"topic_prefix": prefix}),
            "pipeline": base.pipeline.model_copy(update={"app_id": f"{prefix}roamstream"}),
            "lake": base.lake.model_copy(update={"uri": str(tmp_path / name / "lake")}),
        })
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
        return cls(name, settings, tmp_path / name)

    @property
    def lake(self) -> str:
        return self.settings.lake.uri

    async def start_emsp(self) -> None:
        self.emsp = await ServedApp(create_emsp_app(EMSP_TOKEN, self.store)).start()

    def worker_env(self) -> dict[str, str]:
        """What a deployment sets for a worker attached to the embedded broker (no other roamstream setting
        leaks in from the test process)."""
        assert self.emsp is not None
        partner = Partner(country_code=PARTNER[0], party_id=PARTNER[1], token=EMSP_TOKEN,
                          cdrs_url=f"{self.emsp.url}/ocpi/emsp/2.2.1/cdrs")
        ours = ("ROAMSTREAM_", "KAFKA_", "PIPELINE_", "LAKE_", "PARTNERS_", "SCHEMA_REGISTRY_")
        env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
        env.update({
            "ROAMSTREAM_PROFILE": "embedded",
            "KAFKA_BOOTSTRAP_SERVERS": self.settings.kafka.bootstrap_servers,
            "KAFKA_TOPIC_PREFIX": self.settings.kafka.topic_prefix,
            # the suite's (tests/conftest.py): a killed worker leaves the group, and a new one joins, sooner
            "KAFKA_SESSION_TIMEOUT_S": str(self.settings.kafka.session_timeout_s),
            "PIPELINE_APP_ID": self.settings.pipeline.app_id,
            "PIPELINE_DATADIR": str(self.settings.pipeline.datadir),
            "LAKE_URI": self.lake,
            "LAKE_FLUSH_INTERVAL_S": "0.2",
            "PARTNERS_EMSPS": json.dumps([{**partner.model_dump(mode="json"), "token": EMSP_TOKEN}]),
            "PARTNERS_BACKOFF_S": "0.05",
            **self.env,
        })
        return env

    def _spawn(self) -> subprocess.Popen:
        self.workers_started += 1
        path = self.logs / f"worker-{self.workers_started}.log"
        with path.open("wb") as log:
            worker = subprocess.Popen([sys.executable, "-m", "roamstream", "worker"], cwd=REPO,
                                      env=self.worker_env(), stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self._worker_logs[worker.pid] = path
        return worker

    def start_worker(self) -> None:
        self.worker = self._spawn()

    def join_worker(self) -> subprocess.Popen:
        """One more worker process on the run's consumer group, beside ``worker``: the group rebalances and
        the partitions are split between them."""
        worker = self._spawn()
        self.joined.append(worker)
        return worker

    async def leave_worker(self, worker: subprocess.Popen) -> None:
        """A clean stop (SIGTERM) of a joined worker; fails if it does not exit with status 0."""
        self.check_worker()
        worker.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(worker.wait, 60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        self.joined.remove(worker)
        if worker.returncode != 0:
            self._fail_with_log(worker, "stopped")

    def _fail_with_log(self, worker: subprocess.Popen, how: str) -> None:
        tail = self._worker_logs[worker.pid].read_text(errors="replace")[-3000:]
        pytest.fail(f"{self.name}: worker {worker.pid} {how} with {worker.returncode}:\n{tail}")

    def log_digest(self, lines: int = 12) -> str:
        """What a failed liveness wait shows of each worker this run started (live or gone): its last partition
        assignment, its warnings and errors, and its last lines."""
        parts = []
        for pid, path in self._worker_logs.items():
            text = path.read_text(errors="replace").splitlines() if path.exists() else []
            assigned = [line for line in text if "Setting newly assigned partitions" in line][-1:]
            alarms = [line for line in text if line.startswith(("WARNING", "ERROR", "CRITICAL", "Traceback"))]
            parts.append("\n".join([f"--- {self.name} worker {pid} ({path.name}): last assignment, "
                                     "warnings/errors, last lines", *assigned, *alarms[-lines:], *text[-lines:]]))
        parts.append(f"--- {self.name}: the group's committed offsets")
        try:
            parts.extend(self._committed_offsets())
        except Exception as exc:  # a diagnostic only: never hide the failure it describes
            parts.append(f"(not read: {exc!r})")
        return "\n".join(parts)

    def _committed_offsets(self) -> list[str]:
        """A line per topic of the run's consumer group: each partition's committed offset."""
        by_topic: dict[str, list[str]] = {}
        for (topic, partition), offset in sorted(self._group_offsets().items()):
            by_topic.setdefault(topic, []).append(f"p{partition}={offset}")
        return [f"{topic}: {' '.join(offsets)}" for topic, offsets in by_topic.items()]

    def _group_offsets(self, tps: list[TopicPartition] | None = None) -> dict[tuple[str, int], int]:
        """The run's consumer group committed offsets, ``(topic, partition) -> offset``: of ``tps``, or all."""
        if self._admin is None:
            self._admin = AdminClient({"bootstrap.servers": self.settings.kafka.bootstrap_servers})
        request = ConsumerGroupTopicPartitions(self.settings.pipeline.app_id, tps)
        [future] = self._admin.list_consumer_group_offsets([request]).values()
        return {(tp.topic, tp.partition): tp.offset for tp in future.result(10).topic_partitions}

    def check_worker(self) -> None:
        """Fail with the worker's log if one died on its own."""
        for worker in [self.worker, *self.joined]:
            if worker is not None and worker.poll() is not None:
                self._fail_with_log(worker, "exited")

    def kill_worker(self) -> None:
        """SIGKILL: no shutdown, no final commit, no flush."""
        assert self.worker is not None
        self.check_worker()
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait()
        self.worker = None

    async def stop(self) -> None:
        for worker in [w for w in [self.worker, *self.joined] if w is not None]:
            worker.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(worker.wait, 30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        self.worker, self.joined = None, []
        if self.emsp is not None:
            await self.emsp.stop()
            self.emsp = None

    def committed(self, ends: dict[tuple[str, int], int]) -> bool:
        """Has the worker's consumer group committed every ``(catalog topic, partition) -> end offset``?"""
        got = self._group_offsets([TopicPartition(self.settings.topic(topic), partition) for topic, partition in ends])
        return all(got.get((self.settings.topic(t), p), -1) >= end for (t, p), end in ends.items())

    def assigned(self, worker: subprocess.Popen, topic: str) -> set[int]:
        """The partitions of ``topic`` (catalog name) the worker's consumer holds: aiokafka's last "Setting newly
        assigned partitions" line in its log (the embedded broker's DescribeGroups lists no members)."""
        lines = [line for line in self._worker_logs[worker.pid].read_text(errors="replace").splitlines()
                 if "Setting newly assigned partitions" in line]
        if not lines:
            return set()
        pattern = re.compile(rf"TopicPartition\(topic='{re.escape(self.settings.topic(topic))}', partition=(\d+)\)")
        return {int(p) for p in pattern.findall(lines[-1])}

    def outcome(self, serde: AvroSerde) -> Outcome:
        """What the lake shows: the ``cdrs`` table, raw copies per CDR id, sessions pricing dead-lettered."""
        con = open_lake(self.lake)
        try:
            cdrs = dict(con.execute("select cdr_id, ocpi_json from cdrs").fetchall())
            raw = con.execute("select cdr_id, count(*), count(distinct ocpi_json) from stg_cdrs group by cdr_id"
                              ).fetchall()
            dead = con.execute("select stage, reason, payload from stg_deadletter").fetchall()
        finally:
            con.close()
        priced_out = {completed_records.decode(serde, payload)["session_id"]: reason
                      for stage, reason, payload in dead if stage == "pricing"}
        return Outcome(cdrs, {cdr_id: (rows, jsons) for cdr_id, rows, jsons in raw}, priced_out,
                       sorted(reason for stage, reason, _ in dead if stage not in ("sessions", "pricing", "push")),
                       sorted(reason for stage, reason, _ in dead if stage == "push"))

    async def ledger_keys(self) -> set[str]:
        """Every key whose latest record in the push ledger's changelog (read to its true end, see
        ``pipelines.compat``) holds an acknowledged value (not only a pending state: ``split_entry``)."""
        topic = f"{self.settings.pipeline.app_id}-push_ledger-changelog"
        consumer = AIOKafkaConsumer(bootstrap_servers=self.settings.kafka.bootstrap_servers, group_id=None,
                                    enable_auto_commit=False, auto_offset_reset="earliest")
        await consumer.start()
        try:
            tps = [AioTopicPartition(topic, p) for p in range(TABLES["push_ledger"][0])]
            ends = await true_end_offsets(self.settings.kafka.bootstrap_servers, await consumer.end_offsets(tps))
            consumer.assign(tps)
            latest: dict[bytes, bytes | None] = {}
            async with asyncio.timeout(LIVENESS_S):
                while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
                    for records in (await consumer.getmany(timeout_ms=200)).values():
                        latest.update((r.key, r.value) for r in records)
            return {key.decode() for key, value in latest.items() if split_entry(value)[1] is not None}
        finally:
            await consumer.stop()

    def cdr_posts(self) -> list[str]:
        """The CDR id of every POST the eMSP received, in order (accepted or not)."""
        return [json.loads(r["body"])["id"] for r in self.store.requests
                if r["method"] == "POST" and r["path"].endswith("/cdrs")]


async def produce(settings: Settings, records: list[Record]) -> dict[tuple[str, int], int]:
    """Produce ``records`` in order (keys pick partitions as the connector's producer does); returns the end
    offset each written partition has now: ``(catalog topic, partition) -> last offset + 1``."""
    producer = AsyncProducer(settings)
    try:
        delivered = await asyncio.gather(*(producer.send(r.topic, r.value, r.key) for r in records))
    finally:
        producer.close()
    ends: dict[tuple[str, int], int] = {}
    for record, (partition, offset) in zip(records, delivered, strict=True):
        ends[(record.topic, partition)] = max(ends.get((record.topic, partition), 0), offset + 1)
    return ends


async def eventually(condition: Callable[[], bool], what: str, runs: list[Run], limit_s: float = LIVENESS_S) -> None:
    """Wait for ``condition``; fail naming ``what`` if it never holds, or at once if a worker died."""
    deadline = time.monotonic() + limit_s
    while not condition():
        for run in runs:
            run.check_worker()
        if time.monotonic() > deadline:
            progress = {run.name: {"cdrs at the eMSP": len(run.store.cdrs)} for run in runs}
            logs = "\n".join(run.log_digest() for run in runs)
            pytest.fail(f"never happened: {what}; {progress}\n{logs}")
        await asyncio.sleep(0.2)
