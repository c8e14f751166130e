"""Pipeline bench (issues 5, 15): OCPP transaction events to priced CDRs, one faust worker against a raw loop,
two workers and quixstreams.

An embedded broker is started here. The input is ``--events`` ``ocpp.events.v1`` records (transaction events,
the ``TransactionEventV2`` branch of its union, as the connector publishes them) made by the
OCPP 1.6 connector's own normaliser (100 per session: StartTransaction, 98 MeterValues of nine sampled
values, StopTransaction with its transaction data), many charge points charging at once, each ending with
clock-aligned meter values 15 minutes after its last stop (the tail that lets its last session settle);
keyed by charge point. Reference data (a tariff, a location per ten charge points, tokens) is published as
``ocpi.object.v1`` records, as the ingest API does. Five measurements, in one run:

(a) worker: one worker process running the reference, sessions and pricing stages of ``pipelines`` (push
    and lake are left out: no partner to push to, and the lake would measure Parquet writing), with the
    changelogged session table; events/s from the first event produced to the last CDR on ``ocpi.cdrs.v1``
    (the input is produced as fast as the broker takes it, while the worker runs);
(b) baseline: in the same run, a raw confluent-kafka loop in one process over the same input topic:
    consume, decode, the real ``roamstream.sessions`` fold (state in a dict, no changelog), the same
    session snapshots and the real CDR build, encode, produce; events/s from its first event to its last
    CDR flushed;
(c) latency: the worker, fed ``--rate`` events/s (open loop) of shorter sessions; wall clock from producing
    a stop and its tail to the CDR on ``ocpi.cdrs.v1``, p50/p99.
(d) scale-out: two worker processes as in (a) on one consumer group (topics and group of their own), the
    input's partitions split between them (measured once each holds half of them; the bench says if any moved
    during the phase); their combined events/s, as (a), printed against (a). The embedded broker, the producer
    and the CDR watcher run on the same machine: on 2 cores the two workers compete with them, which the
    printed load averages and the broker's CPU in (a) and (d) show;
(e) peer: quixstreams (``pip install -e '.[bench]'``; ``make bench`` runs this bench in ``.venv-bench``) over
    the same input topic: a stateful ``apply`` doing (b)'s work per event (the same decoding, fold,
    snapshots and CDR build, ``fold_step``) with the session state in quixstreams' state store (RocksDB,
    its changelog topic on the broker), at-least-once; events/s as (b).

Each figure is printed as measured, with the CPU seconds of the process that did the work (the machine is
shared). ``--rounds`` (default 3) runs (a), (d), (b) and (e) that many times in turn, each round on topics and groups
of its own, and prints every round and the medians: the machine's noise comes and goes within a run (a phase
some 17 % slower than the same code a minute later), and a median over alternating rounds is less at its mercy
than one measurement of each; (c) runs once, in the first round. ``--quick`` (or BENCH_QUICK=1 in the
environment) runs 20,000 events and a 10 s latency phase.

    python bench/bench_pipeline.py [--events 200000] [--rate 500] [--latency-s 30] [--quick] [--profile FILE]
        [--parts] [--rounds 3] [--skip worker,latency,workers2,baseline,quix]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import multiprocessing as mp
import os
import re
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import procstat
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

from connectors.ocpp.model import Received
from connectors.ocpp.simulator.plan import Reading
from connectors.ocpp.simulator.v16 import register, sampled_values
from connectors.ocpp.timestamps import format_timestamp as ts
from connectors.ocpp.v16 import normalise
from ingest_api.records import object_record
from roamstream import completed as completed_records
from roamstream import events as ocpp_events
from roamstream.avro import AvroSerde
from roamstream.broker import EmbeddedBroker
from roamstream.config import PipelineSettings, Settings
from roamstream.demo import seed
from roamstream.kafka import create_topics
from roamstream.ocpi.location import Location
from roamstream.ocpi.tariff import Tariff
from roamstream.ocpi.token import Token
from roamstream.topics import PARTITIONS

print = functools.partial(print, flush=True)  # noqa: A001 - progress lines as they come, also into a pipe
START = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
PER_SESSION = 100
#: figures the worker process publishes to the bench (multiprocessing Array): batches, events, fold CPU, table writes,
#: bytes written, then the CPU of Avro decode, encode, snapshot records and CDRs, then the garbage collector's
#: collections and their CPU (main thread)
STATS = 11
CPS_PER_LOCATION = 10
TAIL_MIN = 15


# ---------------------------------------------------------------------------------------------- input


def tag_of(n: int) -> str:
    partner = seed.PARTNERS[n % len(seed.PARTNERS)]
    return seed.token(partner, 1 + n % 50)["uid"]


def session_events(cp: str, n: int, tx_index: int, at: datetime, per_session: int, meter_wh: int) -> tuple[list, int]:
    """One 1.6 session as normalised records: start, per_session - 2 meter values a minute apart, stop."""
    id_tag = tag_of(n)
    received = START  # the received_at of a record is operational, not used to decide anything
    start = normalise.start_transaction(
        {"connector_id": 1, "id_tag": id_tag, "meter_start": meter_wh, "timestamp": ts(at)},
        Received(cp, f"{cp}-{tx_index}-s", "StartTransaction", received))
    tx = int(start.transaction_id)
    events = [start]
    wh = meter_wh
    for minute in range(1, per_session - 1):
        wh += 180  # 10.8 kW
        reading = Reading(at + timedelta(minutes=minute), wh, 10_800, Decimal("15.65"), Decimal("230.1"),
                          min(100, 20 + minute // 2))
        payload = {"connector_id": 1, "transaction_id": tx,
                   "meter_value": [{"timestamp": ts(reading.at), "sampled_value": sampled_values(reading)}]}
        events.append(normalise.meter_values(payload, Received(cp, f"{cp}-{tx_index}-{minute}", "MeterValues",
                                                               received)))
    stop_at = at + timedelta(minutes=per_session - 1)
    wh += 180
    stop = {"meter_stop": wh, "timestamp": ts(stop_at), "transaction_id": tx, "reason": "EVDisconnected",
            "id_tag": id_tag, "transaction_data": [register(at, meter_wh, "Transaction.Begin"),
                                                   register(stop_at, wh, "Transaction.End")]}
    events.append(normalise.stop_transaction(stop, Received(cp, f"{cp}-{tx_index}-e", "StopTransaction", received)))
    return events, wh


def tail_event(cp: str, at: datetime, wh: int):
    payload = {"connector_id": 0, "meter_value": [register(at, wh, "Sample.Clock")]}
    return normalise.meter_values(payload, Received(cp, f"{cp}-tail", "MeterValues", START))


def charge_points(count: int, prefix: str) -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(count)]


def bulk_input(cps: list[str], sessions_per_cp: int, per_session: int) -> list[tuple[int, str, dict]]:
    """(station time µs, key, record) of every event, ordered by station time (charge points side by side)."""
    out = []
    for i, cp in enumerate(cps):
        at = START + timedelta(seconds=7 * i)
        wh = 1000
        for s in range(sessions_per_cp):
            events, wh = session_events(cp, i, s, at, per_session, wh)
            out += [(e.to_record(), cp) for e in events]
            at += timedelta(minutes=per_session - 1 + 30)
        tail = tail_event(cp, at - timedelta(minutes=30) + timedelta(minutes=TAIL_MIN), wh)
        out.append((tail.to_record(), cp))
    out.sort(key=lambda rc: rc[0]["timestamp"])
    return [(r["timestamp"], cp, r) for r, cp in out]


def reference_records(cps: list[str]) -> dict[str, list[tuple[str, dict]]]:
    """ocpi.object.v1 records by catalog topic: the demo tariff, a location per ten charge points, tokens."""
    locations = []
    for n in range(0, len(cps), CPS_PER_LOCATION):
        data = seed.location(cps[n:n + CPS_PER_LOCATION]) | {"id": f"LOC-{n // CPS_PER_LOCATION:05d}"}
        for k, evse in enumerate(data["evses"]):
            evse["evse_id"] = f"NL*RST*E{n + k:06d}"
        locations.append(Location.model_validate(data))
    tariff = Tariff.model_validate(seed.tariff())
    tokens = [Token.model_validate(t) for t in seed.tokens(50)]
    return {
        "ocpi.tariffs.v1": [(f"{tariff.country_code}-{tariff.party_id}-{tariff.id}", object_record(tariff, tariff.id))],
        "ocpi.locations.v1": [(f"{x.country_code}-{x.party_id}-{x.id}", object_record(x, x.id)) for x in locations],
        "ocpi.tokens.v1": [(t.uid, object_record(t, t.uid)) for t in tokens],
    }


def produce_all(settings: Settings, topic: str, messages: Iterator[tuple[str, bytes]]) -> None:
    producer = Producer({"bootstrap.servers": settings.kafka.bootstrap_servers, "linger.ms": 5,
                         "queue.buffering.max.messages": 1_000_000, "batch.num.messages": 10_000})
    for key, value in messages:
        while True:
            try:
                producer.produce(topic, value, key)
                break
            except BufferError:
                producer.poll(0.01)
        producer.poll(0)
    producer.flush(60)


class CdrWatcher(threading.Thread):
    """Counts CDRs on a topic (keys and arrival times), from the beginning."""

    def __init__(self, settings: Settings, topic: str) -> None:
        super().__init__(daemon=True)
        self.consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap_servers,
                                  "group.id": f"bench-watch-{uuid.uuid4().hex[:8]}", "auto.offset.reset": "earliest",
                                  "enable.auto.commit": False, "fetch.wait.max.ms": 10,
                                  "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000})
        # assigned, not subscribed: a group's first join waits out the broker's initial rebalance delay (some 3 s
        # at the embedded broker), in which the CDRs of a short run would all have waited
        self.consumer.assign([TopicPartition(topic, n, OFFSET_BEGINNING) for n in range(PARTITIONS)])
        self.arrivals: list[tuple[float, bytes]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            for message in self.consumer.consume(1000, 0.05):
                if message.error() is None:
                    self.arrivals.append((time.monotonic(), message.value()))
        self.consumer.close()

    def wait_for(self, count: int, limit_s: float, alive=lambda: True) -> float | None:
        deadline = time.monotonic() + limit_s
        while len(self.arrivals) < count:
            if time.monotonic() > deadline or not alive():
                return None
            time.sleep(0.01)
        return self.arrivals[count - 1][0]


class FoldWatch(threading.Thread):
    """When the worker's sessions stage began to fold and when it had taken up all ``count`` events (its ``stats``,
    which count the events as its folder decodes them, looked at every 10 ms)."""

    def __init__(self, stats, folded0: float, count: int) -> None:
        super().__init__(daemon=True)
        self.stats, self.folded0, self.count = stats, folded0, count
        self.first = self.all = float("nan")
        self.stopping = threading.Event()
        self.start()

    def run(self) -> None:
        while not self.stopping.wait(0.01):
            folded = self.stats[1] - self.folded0
            if folded > 0 and self.first != self.first:
                self.first = time.monotonic()
            if folded >= self.count:
                self.all = time.monotonic()
                return


# ---------------------------------------------------------------------------------------------- worker


def worker_main(settings: Settings, ready, cpu, stop, expected_refs: int, profile: str | None, stats,
                gc_threshold: int, timed_parts: bool = False, assigned=None) -> None:
    """The worker process: reference, sessions and pricing stages in one faust app (a trimmed Worker). The
    sessions stage's ``SessionFolder`` is timed per batch (two clock readings per few thousand events; the stage
    decodes its events as the folder takes them, so the decoding is in that time); with
    ``timed_parts`` Avro decode and encode, snapshot records and CDRs are timed too, through a wrapper around
    every call of them (about three per event), which costs the worker CPU of its own: off in a run measuring
    throughput (``--parts``). ``assigned`` (a shared int, if given): how many partitions of the input topic the
    worker holds, -1 while its app is rebalancing, kept up to date every 50 ms."""
    import logging

    logging.basicConfig(level=logging.WARNING)

    from pipelines import compat, pricing, reference, sessions
    from pipelines.app import create_app
    from pipelines.deadletter import DeadLetters
    from pipelines.tables import changelog_specs, declare_tables
    from pipelines.topics import declare_topics
    from pipelines.worker import tune_gc
    from roamstream.avro import serde_for

    folded = {"batches": 0, "events": 0, "cpu": 0.0, "writes": 0, "bytes": 0}
    run, flush = sessions.SessionFolder.run, sessions.SessionFolder.flush

    parts = {"decode": 0.0, "encode": 0.0, "snapshots": 0.0, "pricing": 0.0}
    collected = {"count": 0, "cpu": 0.0, "longest": 0.0, "started": 0.0}

    def on_gc(phase: str, info: dict) -> None:  # the collector's own callback: a clock reading per collection
        if phase == "start":
            collected["started"] = time.thread_time()
            return
        took = time.thread_time() - collected["started"]
        collected["count"] += 1
        collected["cpu"] += took
        collected["longest"] = max(collected["longest"], took)

    def publish() -> None:  # once per batch: a shared array costs a lock per write
        stats[0:STATS] = [folded[k] for k in ("batches", "events", "cpu", "writes", "bytes")] + [
            parts["decode"], parts["encode"], parts["snapshots"], parts["pricing"], collected["count"],
            collected["cpu"]]

    def timed_run(self, items, **kwargs):  # where the sessions stage's own work ends and faust's begins
        def counted():  # the stage hands its events over as it decodes them (a map): counted as they pass
            for item in items:
                folded["events"] += 1
                yield item

        t = time.thread_time()
        result = run(self, counted(), **kwargs)
        folded["cpu"] += time.thread_time() - t
        folded["batches"] += 1
        publish()
        return result

    def timed_flush(self):
        t = time.thread_time()
        writes = flush(self)
        folded["cpu"] += time.thread_time() - t
        folded["writes"] += len(writes)
        folded["bytes"] += sum(len(v) for _, _, v in writes)
        publish()
        return writes

    sessions.SessionFolder.run = timed_run
    sessions.SessionFolder.flush = timed_flush
    def timed(name: str, fun, every: int = 16):
        """Times one call in ``every`` and counts it ``every`` times: reading the clock costs a system call,
        which timing every decode would add to what it measures. The parts are timed in the main thread's CPU
        time (the process's would also count librdkafka's threads working meanwhile)."""
        clock, calls = time.thread_time, [0]

        def wrapper(*args, **kwargs):
            calls[0] += 1
            if calls[0] % every:
                return fun(*args, **kwargs)
            t = clock()
            try:
                return fun(*args, **kwargs)
            finally:
                parts[name] += (clock() - t) * every
        return wrapper

    if timed_parts:
        AvroSerde.decode = timed("decode", AvroSerde.decode)
        AvroSerde.encode = timed("encode", AvroSerde.encode)
        sessions.snapshot_record = timed("snapshots", sessions.snapshot_record)
        # a CDR (one in a hundred events) takes far longer than a clock reading: every one is timed. Published with
        # the sessions stage's next batch, so the last CDRs of a run may be left out of the figure
        pricing.price_session = timed("pricing", pricing.price_session, every=1)

    async def main() -> None:
        app = create_app(settings)
        # as the worker does at start: the embedded broker's fixes act for this app (among them the fetch wait:
        # without it faust's hard-coded 1,500 ms holds every fetch that finds no new record at tansu)
        compat.verify_broker(app, settings)
        serde = serde_for(None)
        topics = declare_topics(app, settings)
        tables = declare_tables(app)
        dead = DeadLetters(topics.deadletter, serde)
        reference.register(app, topics, tables, dead)
        stage = sessions.register(app, settings, topics, tables, serde, dead)
        pricing.register(app, topics, tables, serde, dead, settings.pipeline, parsed=stage.refs)
        create_topics(settings, changelog_specs(settings), prefix=False)
        await app.start()
        while len(tables.tokens) + len(tables.locations) + len(tables.tariffs) < expected_refs:
            await asyncio.sleep(0.1)
        while not app.consumer.assignment():
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        tune_gc(gc_threshold)  # as the worker command does
        gc.callbacks.append(on_gc)
        before = thread_cpu()
        ready.set()
        input_topic = settings.topic(ocpp_events.TOPIC)
        while not stop.is_set():
            cpu.value = time.process_time()
            if assigned is not None:
                assigned.value = -1 if app.rebalancing else sum(
                    1 for tp in app.consumer.assignment() if tp.topic == input_topic)
            await asyncio.sleep(0.05)
        print_thread_cpu(before, thread_cpu())
        print(f"  worker garbage collections from ready to stop: {collected['count']}, {collected['cpu']:.2f} s of "
              f"CPU, the longest {collected['longest'] * 1000:.0f} ms")
        await app.stop()
        await stage.output.aclose()

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    asyncio.run(main())
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)


def thread_cpu() -> dict[str, float]:
    """CPU seconds (user + system) of each thread of this process so far, by what the thread is: the main
    thread, Python threads by name, librdkafka's by its thread name without the broker's number."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    main_id = threading.main_thread().native_id
    totals: dict[str, float] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            cpu = procstat.stat_cpu_s(f"/proc/self/task/{tid}/stat")
            with open(f"/proc/self/task/{tid}/comm") as f:
                comm = f.read().strip()
        except FileNotFoundError:  # ended meanwhile
            continue
        if int(tid) == main_id:
            name = "main thread"
        elif comm.startswith("rdk:"):
            name = "librdkafka " + re.sub(r"[-/:]?\d+$", "", comm[4:])
        else:
            name = re.sub(r"-?\d+$", "", names.get(int(tid), comm))
        totals[name] = totals.get(name, 0.0) + cpu
    return totals


def print_thread_cpu(before: dict[str, float], after: dict[str, float]) -> None:
    spent = {name: after[name] - before.get(name, 0.0) for name in after}
    total = sum(spent.values())
    parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in sorted(spent.items(), key=lambda i: -i[1])
                      if seconds >= 0.05)
    print(f"  worker CPU by thread, from ready to stop (every phase this worker ran; {total:.1f} s): {parts}")


# ---------------------------------------------------------------------------------------------- baseline


def reference_tables(refs: dict):
    """The global tables as plain dicts, loaded as the reference stage does."""
    import json

    from pipelines.reference import object_key

    class Tables:
        tariffs: dict = {}
        locations: dict = {}
        tokens: dict = {}
        evse_index: dict = {}

    for name, records in refs.items():
        for _, record in records:
            raw = record["ocpi_json"].encode()
            if name == "ocpi.tokens.v1":
                Tables.tokens[record["id"].encode()] = raw
            elif name == "ocpi.tariffs.v1":
                Tables.tariffs[object_key(record)] = raw
            else:
                Tables.locations[object_key(record)] = raw
                for evse in json.loads(raw)["evses"]:
                    Tables.evse_index[evse["uid"].encode()] = object_key(record)
    return Tables


def fold_step(settings: Settings, refs: dict, producer: Producer, out_prefix: str):
    """``step(key, value, state) -> (state, CDRs made)``: decode, the real ``roamstream.sessions`` fold, the
    session snapshots and the real CDR build, encoded and produced to ``out_prefix`` topics. The work the raw
    loop (b) and quixstreams (e) do per event, the same for both."""
    from pipelines.pricing import cdr_record, price_session
    from pipelines.session_batches import fold_params
    from pipelines.snapshots import snapshot_record
    from roamstream import sessions as fold
    from roamstream.cdrs.references import ParsedReferences

    serde = AvroSerde()
    p = settings.pipeline
    params = fold_params(p)
    # one ParsedReferences (compiled tariffs, periods) for the Session records and the CDRs, as in the worker (a
    # CDR takes its COMPLETED Session record's periods: cdrs.handover)
    tables, parsed = reference_tables(refs), ParsedReferences()
    sessions_topic, cdrs_topic = f"{out_prefix}ocpi.sessions.v1", f"{out_prefix}ocpi.cdrs.v1"

    def step(key: bytes, value: bytes, state: dict | None) -> tuple[dict, int]:
        record = ocpp_events.decode(serde, value, columns=True)  # as the sessions stage reads them
        state, outputs = fold.drain(fold.apply(state or fold.initial(record["charge_point_id"]), record), params)
        cdrs = 0
        for output in outputs:
            if output.kind == fold.SNAPSHOT:
                producer.produce(sessions_topic,
                                 serde.encode("ocpi.sessions.v1", snapshot_record(output.record, tables, p, parsed)),
                                 key)
            else:
                built, _ = price_session(output.record, tables, p, parsed)
                producer.produce(cdrs_topic, serde.encode("ocpi.cdrs.v1", cdr_record(built, output.record)), key)
                cdrs += 1
        producer.poll(0)
        return state, cdrs

    return step


def baseline_main(settings: Settings, topic: str, out_prefix: str, expected_cdrs: int, refs: dict, result) -> None:
    """Raw confluent-kafka loop: consume, decode, fold (state in a dict), snapshots and CDRs, produce."""
    consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap_servers,
                         "group.id": f"bench-raw-{uuid.uuid4().hex[:8]}", "auto.offset.reset": "earliest",
                         "enable.auto.commit": True, "fetch.wait.max.ms": 10,
                         "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000})
    consumer.subscribe([topic])
    producer = Producer({"bootstrap.servers": settings.kafka.bootstrap_servers, "linger.ms": 5,
                         "queue.buffering.max.messages": 1_000_000})
    step = fold_step(settings, refs, producer, out_prefix)
    states: dict[bytes, dict] = {}
    cdrs = events = 0
    t0 = cpu0 = None
    while cdrs < expected_cdrs:
        for message in consumer.consume(1000, 0.1):
            if message.error() is not None:
                continue
            if t0 is None:
                t0, cpu0 = time.monotonic(), time.process_time()
            events += 1
            key = message.key()
            states[key], made = step(key, message.value(), states.get(key))
            cdrs += made
    producer.flush(60)
    result.put((events, time.monotonic() - t0, time.process_time() - cpu0))
    consumer.close()


# ---------------------------------------------------------------------------------------------- quixstreams


def quix_main(settings: Settings, topic: str, out_prefix: str, expected_cdrs: int, refs: dict, result) -> None:
    """quixstreams over the same input: one Application, a stateful ``apply`` doing ``fold_step``'s work
    with the session state in quixstreams' own state (RocksDB, backed by its changelog topic on the broker),
    at-least-once. The embedded broker has no idempotent producer (DESIGN.md, known deviations), so
    quixstreams' default ``enable.idempotence`` is turned off; exactly-once (transactions) is not available;
    and its DescribeConfigs gives no ``retention.ms``, which quixstreams needs (set to -1 here, see below).
    The snapshots and CDRs go out through a plain producer, as in the raw loop."""
    import logging
    import tempfile

    from quixstreams import Application

    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-quix-") as state_dir:
        app = Application(broker_address=settings.kafka.bootstrap_servers,
                          consumer_group=f"{out_prefix}quix", auto_offset_reset="earliest",
                          processing_guarantee="at-least-once", state_dir=state_dir, use_changelog_topics=True,
                          commit_interval=1.0, loglevel="WARNING",
                          producer_extra_config={"enable.idempotence": False, "linger.ms": 5},
                          consumer_extra_config={"fetch.wait.max.ms": 10, "session.timeout.ms": 6000,
                                                 "heartbeat.interval.ms": 1000})
        producer = Producer({"bootstrap.servers": settings.kafka.bootstrap_servers, "linger.ms": 5,
                             "queue.buffering.max.messages": 1_000_000})
        step = fold_step(settings, refs, producer, out_prefix)
        counts = {"events": 0, "cdrs": 0, "t0": None, "cpu0": None}

        def apply(value: bytes, key: bytes, timestamp: int, headers, state) -> None:
            if counts["t0"] is None:
                counts["t0"], counts["cpu0"] = time.monotonic(), time.process_time()
            counts["events"] += 1
            folded, made = step(key, value, state.get("session"))
            state.set("session", folded)
            counts["cdrs"] += made
            if counts["cdrs"] >= expected_cdrs:
                producer.flush(60)
                result.put((counts["events"], time.monotonic() - counts["t0"], time.process_time() - counts["cpu0"]))
                app.stop()

        source = app.topic(topic, key_deserializer="bytes", value_deserializer="bytes")
        # the embedded broker's DescribeConfigs leaves out retention.ms, from which quixstreams derives its
        # changelog topic's config (a KeyError without it): the input keeps everything, so say "infinite"
        source.broker_config.extra_config.setdefault("retention.ms", "-1")
        app.dataframe(source).apply(apply, stateful=True, metadata=True)
        app.run()


LATENCY_CPS = 100


# ---------------------------------------------------------------------------------------------- latency


def latency_sessions(cp: str, i: int, serde: AvroSerde, per_session: int) -> Iterator[tuple[bytes, str, bool]]:
    """The encoded records of one charge point's sessions, one after another: (value, transaction id, is the
    stop); each stop is followed by its tail."""
    at, wh, k = START + timedelta(days=2, seconds=i), 1000, 0
    while True:
        events, wh = session_events(cp, i, k, at, per_session, wh)
        tail = tail_event(cp, events[-1].timestamp + timedelta(minutes=TAIL_MIN), wh)
        tx = events[0].transaction_id
        for e in events[:-1]:
            yield ocpp_events.encode(serde, e.to_record()), tx, False
        yield ocpp_events.encode(serde, events[-1].to_record()), tx, True
        yield ocpp_events.encode(serde, tail.to_record()), tx, False
        at, k = events[-1].timestamp + timedelta(minutes=2 * TAIL_MIN), k + 1


def latency_phase(settings: Settings, serde: AvroSerde, watcher: CdrWatcher, rate: float, seconds: float,
                  topic: str) -> tuple[list[float], list[float]]:
    """``rate`` events/s (open loop) of 20-event sessions over LATENCY_CPS charge points, round robin; seconds
    from producing a stop and its tail (back to back) to its CDR."""
    producer = Producer({"bootstrap.servers": settings.kafka.bootstrap_servers, "linger.ms": 1})
    cps = charge_points(LATENCY_CPS, "LAT-CP-")
    streams = [latency_sessions(cp, i, serde, 20) for i, cp in enumerate(cps)]
    pending = [next(s) for s in streams]
    sent_stop: dict[tuple[str, str], float] = {}
    before = len(watcher.arrivals)
    completed = CdrWatcher(settings, settings.topic("sessions.completed.v1"))  # the hop in between
    completed.start()
    time.sleep(2.0)  # its group join; the completed sessions of phase (a) are skipped below
    start, n, total = time.monotonic(), 0, int(rate * seconds)
    while n < total:
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        i = n % len(cps)
        value, tx, is_stop = pending[i]
        producer.produce(topic, value, cps[i])
        if is_stop:
            value, _, _ = next(streams[i])  # its tail
            producer.produce(topic, value, cps[i])
            sent_stop[(cps[i], tx)] = time.monotonic()
        pending[i] = next(streams[i])
        producer.poll(0)
        n += 1
    producer.flush(10)
    watcher.wait_for(before + len(sent_stop), 60)
    completed.stopping.set()
    out, hop = [], []
    for arrived, value in watcher.arrivals[before:]:
        record = serde.decode("ocpi.cdrs.v1", value)
        sent = sent_stop.get((record["charge_point_id"], record["transaction_id"]))
        if sent is not None:
            out.append(arrived - sent)
    for arrived, value in completed.arrivals:
        record = completed_records.decode(serde, value)
        sent = sent_stop.get((record["charge_point_id"], record["transaction_id"]))
        if sent is not None:
            hop.append(arrived - sent)
    return out, hop


# ---------------------------------------------------------------------------------------------- scale-out


def run_settings(base: Settings, prefix: str) -> Settings:
    """Own topics and consumer group (app id) under ``prefix``."""
    return base.model_copy(update={
        "kafka": base.kafka.model_copy(update={"topic_prefix": prefix}),
        "pipeline": base.pipeline.model_copy(update={"app_id": f"{prefix}roamstream", "reference_wait_s": 5.0}),
    })


def seed_run(settings: Settings, refs: dict) -> int:
    """A run's topics, with ``refs`` published to them; how many reference records a worker must load."""
    create_topics(settings)
    serde = AvroSerde()
    for name, records in refs.items():
        produce_all(settings, settings.topic(name),
                    iter([(key, serde.encode("ocpi.object.v1", r)) for key, r in records]))
    return sum(len(r) for r in refs.values())


def logged_worker_main(log_file: str | None, *args) -> None:
    """``worker_main(*args)``, its log (INFO: rebalances, recoveries, commits) to ``log_file`` if given."""
    if log_file:
        import logging

        handler = logging.FileHandler(log_file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logging.root.addHandler(handler)
        logging.root.setLevel(logging.INFO)
    worker_main(*args)


def start_worker(ctx, settings: Settings, expected_refs: int, gc_threshold: int, log_file: str | None = None
                 ) -> tuple | None:
    """A worker process (``worker_main``) once it is ready: (process, stop, cpu, stats); None (the process killed)
    if it is not within 300 s."""
    ready, stop, cpu, stats = ctx.Event(), ctx.Event(), ctx.Value("d", 0.0), ctx.Array("d", STATS)
    assigned = ctx.Value("i", -1)
    process = ctx.Process(target=logged_worker_main, args=(log_file, settings, ready, cpu, stop, expected_refs, None,
                                                            stats, gc_threshold, False, assigned))
    process.start()
    deadline = time.monotonic() + 300
    while not ready.wait(0.2):
        if time.monotonic() > deadline or not process.is_alive():
            process.kill()
            process.join(10)
            return None
    process.assigned = assigned  # how many input partitions it holds, -1 while rebalancing (worker_main)
    return process, stop, cpu, stats


def holdings(workers: list[tuple]) -> list[int]:
    """How many input partitions each of ``workers`` holds now (-1: rebalancing)."""
    return [process.assigned.value for process, *_ in workers]


def settled(held: list[int]) -> bool:
    """Whether ``held`` (``holdings``) is a settled split: every worker holds input partitions, none rebalances, and
    together they hold them all."""
    return min(held) > 0 and sum(held) == PARTITIONS


def wait_for_split(workers: list[tuple], limit_s: float = 60.0) -> float | None:
    """Wait until ``workers`` hold the input's partitions between them, none rebalancing, for a second on end: the
    seconds it took; None if not within ``limit_s``."""
    t0 = time.monotonic()
    since = None
    while time.monotonic() - t0 < limit_s:
        if settled(holdings(workers)):
            since = since or time.monotonic()
            if time.monotonic() - since >= 1.0:
                return time.monotonic() - t0
        else:
            since = None
        time.sleep(0.05)
    return None


class SplitWatch(threading.Thread):
    """Whether ``workers`` rebalanced (one of them without input partitions or rebalancing) while it ran: the
    holdings it saw that were not the settled split, in order (looked at every 50 ms)."""

    def __init__(self, workers: list[tuple]) -> None:
        super().__init__(daemon=True)
        self.workers = workers
        self.unsettled: list[tuple[float, list[int]]] = []
        self.stopping = threading.Event()
        self.start()

    def run(self) -> None:
        t0 = time.monotonic()
        while not self.stopping.wait(0.05):
            held = holdings(self.workers)
            if not settled(held):
                self.unsettled.append((time.monotonic() - t0, held))


def stop_workers(workers: list[tuple]) -> None:
    """Stop the workers ``start_worker`` started, cleanly, and wait for them."""
    for _, stop, *_ in workers:
        stop.set()
    for process, *_ in workers:
        process.join(60)


def workers_phase(ctx, settings: Settings, refs: dict, messages: list[tuple[str, bytes]], expected_cdrs: int,
                  gc_threshold: int, broker_pid: int, count: int = 2) -> tuple | None:
    """(d), or (a) again with ``count`` 1 (``--rounds``): ``count`` worker processes on one consumer group (the
    input's partitions split between them), over the same input on topics of their own; events/s from the first
    event produced to the last CDR. (events, wall s, CPU s of all, events folded by each, distinct CDRs, the
    broker's CPU s), or None."""
    label = "one worker" if count == 1 else f"{count} workers"
    expected_refs = seed_run(settings, refs)
    serde = AvroSerde()
    workers = []
    for _ in range(count):  # one after the other, as a worker joins a running one (both at once hung once)
        worker = start_worker(ctx, settings, expected_refs, gc_threshold)
        if worker is None:
            print(f"{label}: worker {len(workers) + 1} not ready within 300 s; the phase is left out")
            stop_workers(workers)
            return None
        workers.append(worker)
    took = wait_for_split(workers)  # the last join's rebalance over: each holds its share of the partitions
    if took is None:
        print(f"{label}: the input's partitions not split between them within 60 s ({holdings(workers)}); "
              f"measured anyway")
    split = SplitWatch(workers)
    watcher = CdrWatcher(settings, settings.topic("ocpi.cdrs.v1"))
    watcher.start()
    cpu0 = [cpu.value for *_, cpu, _ in workers]
    folded0 = [stats[1] for *_, stats in workers]
    t0, broker0 = time.monotonic(), procstat.cpu_s(broker_pid)
    produce_all(settings, settings.topic(ocpp_events.TOPIC), iter(messages))
    last = watcher.wait_for(expected_cdrs, 600, lambda: all(p.is_alive() for p, *_ in workers))
    broker_s = procstat.cpu_s(broker_pid) - broker0
    split.stopping.set()
    if split.unsettled:
        (first, held), (end, _) = split.unsettled[0], split.unsettled[-1]
        print(f"{label}: a rebalance during the phase, from {first:.1f} s ({held}) to {end:.1f} s")
    elif took is not None and count > 1:
        print(f"{label}: the partitions split {took:.1f} s after the last was ready, none moved in the phase")
    outcome = None
    if last is None:
        print(f"{label}: only {len(watcher.arrivals)} of {expected_cdrs} CDRs within 600 s")
    else:
        time.sleep(0.5)  # the CPU figures are updated every 50 ms
        cdrs = {serde.decode("ocpi.cdrs.v1", value)["id"] for _, value in watcher.arrivals}
        outcome = (len(messages), last - t0, sum(cpu.value for *_, cpu, _ in workers) - sum(cpu0),
                   [stats[1] - f for (*_, stats), f in zip(workers, folded0, strict=True)], len(cdrs), broker_s)
    watcher.stopping.set()
    stop_workers(workers)
    return outcome


#: the throughput phases repeated by ``--rounds``: (results key, name)
THROUGHPUT = (("worker", "worker"), ("workers2", "two workers"), ("baseline", "raw loop"), ("quix", "quixstreams"))


def peer_phase(ctx, target, settings: Settings, input_topic: str, out_prefix: str, expected_cdrs: int, refs: dict
               ) -> tuple | None:
    """(b) or (e): ``target`` (``baseline_main`` or ``quix_main``) in a process of its own over ``input_topic``, its
    outputs on topics under ``out_prefix``: (events, wall s, CPU s), or None if it ended before its last CDR."""
    queue = ctx.Queue()
    create_topics(settings.model_copy(update={
        "kafka": settings.kafka.model_copy(update={"topic_prefix": out_prefix})}))
    process = ctx.Process(target=target, args=(settings, input_topic, out_prefix, expected_cdrs, refs, queue))
    process.start()
    while process.is_alive() and queue.empty():
        time.sleep(0.1)
    outcome = None if queue.empty() else queue.get()
    if outcome is None:
        print(f"{target.__name__}: exited with {process.exitcode} before its last CDR")
    process.join(60)
    return outcome


# ---------------------------------------------------------------------------------------------- main


def committed(settings: Settings, topic: str) -> int:
    """The offsets the worker's consumer group has committed on ``topic``, summed over its partitions."""
    consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap_servers,
                         "group.id": settings.pipeline.app_id, "enable.auto.commit": False})
    try:
        parts = consumer.committed([TopicPartition(topic, n) for n in range(PARTITIONS)], timeout=10)
        return sum(max(tp.offset, 0) for tp in parts)
    finally:
        consumer.close()


def percentiles(seconds: list[float]) -> str:
    if not seconds:
        return "none seen"
    q = statistics.quantiles(seconds, n=100) if len(seconds) > 1 else [seconds[0]] * 99
    return f"p50 {statistics.median(seconds) * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms"


def print_rounds(rounds: list[dict[str, tuple]]) -> None:
    """Each round's events/s (its phases' results by name, events and wall seconds first) with the worker's ratios
    in that round (to the raw loop and quixstreams; two workers to one), then the medians over the rounds: of the
    rates, and of the rounds' ratios."""
    names = [name for _, name in THROUGHPUT]
    print(f"== throughput rounds ({len(rounds)}; each: {', '.join(names)}, in turn; events/s)")

    def ratio(rate: dict[str, float], name: str) -> tuple[str, float]:
        if name == "two workers":
            return "two workers ÷ one", rate[name] / rate["worker"]
        return f"worker ÷ {name}", rate["worker"] / rate[name]

    ratios: dict[str, list[float]] = {}
    for k, measured in enumerate(rounds, 1):
        rate = {name: got[0] / got[1] for name, got in measured.items()}  # (events, wall s, ...)
        line = ", ".join(f"{name} {rate[name]:,.0f}" for name in names if name in rate)
        if "two workers" in measured:
            _, _, _, folded, cdrs, _ = measured["two workers"]
            line += f" (events folded by each: {', '.join(f'{f:,.0f}' for f in folded)}; {cdrs:,} distinct CDRs)"
        for name in names[1:]:
            if "worker" in rate and name in rate:
                label, value = ratio(rate, name)
                ratios.setdefault(label, []).append(value)
                line += f"; {label} {value:.2f}"
        print(f"  round {k}: {line}")
    medians = {name: statistics.median(got) for name in names
               if (got := [m[name][0] / m[name][1] for m in rounds if name in m])}
    line = ", ".join(f"{name} {rate:,.0f}" for name, rate in medians.items())
    line += "".join(f"; {label} {statistics.median(got):.2f}" for label, got in ratios.items())
    print(f"  median of the rounds: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--charge-points", type=int, default=500)
    parser.add_argument("--rate", type=float, default=500.0, help="offered events/s in the latency phase")
    parser.add_argument("--latency-s", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1")
    parser.add_argument("--profile", help="write cProfile stats of the worker process to this file")
    parser.add_argument("--gc-threshold", type=int, default=PipelineSettings().gc_threshold,
                        help="the worker's PIPELINE_GC_THRESHOLD (default: the setting's; 0: Python's collector as is)")
    parser.add_argument("--parts", action="store_true",
                        help="in the worker phase, also time Avro decode and encode, snapshot records and CDRs "
                             "(a wrapper around each call: it costs the worker CPU of its own)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="run the throughput phases (worker, two workers, raw loop, quixstreams) this many times "
                             "in turn, each on topics of its own, and print each round and the medians (the latency "
                             "phase runs once, in the first round)")
    parser.add_argument("--skip", default="",
                        help="comma list of phases to skip: worker,latency,workers2,baseline,quix")
    args = parser.parse_args()
    if args.quick:
        args.events, args.charge_points, args.latency_s = 20_000, 100, 10.0
    skip = set(filter(None, args.skip.split(",")))
    sessions_per_cp = max(1, args.events // PER_SESSION // args.charge_points)
    cps = charge_points(args.charge_points, "BENCH-CP-")
    serde = AvroSerde()

    t = time.monotonic()
    messages = [(cp, ocpp_events.encode(serde, r)) for _, cp, r in bulk_input(cps, sessions_per_cp, PER_SESSION)]
    # the input is kept for every phase: frozen out of the collector's way, else a full collection over it (and the
    # records it was made from) stalls this process, the latency phase's producer and CDR watcher, for about a second
    gc.collect()
    gc.freeze()
    expected_cdrs = len(cps) * sessions_per_cp
    print(f"input: {len(messages):,} events ({expected_cdrs:,} sessions x {PER_SESSION} + {len(cps)} tails), "
          f"{len(cps)} charge points; made in {time.monotonic() - t:.1f} s")

    ctx = mp.get_context("spawn")
    with EmbeddedBroker() as broker:
        base = Settings().for_embedded(broker.bootstrap_servers)
        prefix = f"bench{uuid.uuid4().hex[:6]}."
        settings = run_settings(base, prefix)
        create_topics(settings)
        refs = reference_records(cps + charge_points(LATENCY_CPS, "LAT-CP-"))
        for name, records in refs.items():
            produce_all(settings, settings.topic(name),
                        iter([(key, serde.encode("ocpi.object.v1", r)) for key, r in records]))
        expected_refs = sum(len(r) for r in refs.values())
        input_topic = settings.topic(ocpp_events.TOPIC)
        results: dict[str, tuple] = {}
        loads = {"start": os.getloadavg()}

        if not {"worker", "latency"} <= skip:
            ready, stop, cpu = ctx.Event(), ctx.Event(), ctx.Value("d", 0.0)
            stats = ctx.Array("d", STATS)
            worker = ctx.Process(target=worker_main,
                                 args=(settings, ready, cpu, stop, expected_refs, args.profile, stats,
                                       args.gc_threshold, args.parts))
            worker.start()
            while worker.is_alive() and not ready.wait(0.5) and time.monotonic() - t < 300:
                pass
            if not ready.is_set():
                raise SystemExit("worker did not become ready")
            watcher = CdrWatcher(settings, settings.topic("ocpi.cdrs.v1"))
            watcher.start()
            if "worker" not in skip:
                cpu0, stats0, t0, broker0 = cpu.value, list(stats), time.monotonic(), procstat.cpu_s(broker.pid)
                folding = FoldWatch(stats, stats0[1], len(messages))
                produce_all(settings, input_topic, iter(messages))
                produced = time.monotonic() - t0
                last = watcher.wait_for(expected_cdrs, 600, worker.is_alive)
                folding.stopping.set()
                broker_s = procstat.cpu_s(broker.pid) - broker0
                if last is None:
                    print(f"worker: only {len(watcher.arrivals)} of {expected_cdrs} CDRs within 600 s")
                else:
                    time.sleep(0.2)
                    time.sleep(max(2.0, settings.pipeline.sessions_flush_interval_s + 1.5))
                    print(f"  offsets committed by the worker on the input: {committed(settings, input_topic):,} of "
                          f"{len(messages):,}")
                    arrived = [at - t0 for at, _ in watcher.arrivals[:expected_cdrs]]
                    print(f"  from the first event produced: the sessions stage began to fold at "
                          f"{folding.first - t0:.2f} s and had taken up all the events at {folding.all - t0:.2f} s; "
                          f"CDRs arrived "
                          f"from {arrived[0]:.2f} s, the median at {statistics.median(arrived):.2f} s, the last at "
                          f"{arrived[-1]:.2f} s")
                    parts = [b - a for a, b in zip(stats0, stats, strict=True)]
                    results["worker"] = (len(messages), last - t0, cpu.value - cpu0, produced, parts, broker_s)
            if "latency" not in skip:
                lat = latency_phase(settings, serde, watcher, args.rate, args.latency_s, input_topic)
                results["latency"] = lat
            watcher.stopping.set()
            stop.set()
            worker.join(60)
            loads["worker"] = os.getloadavg()

        if "workers2" not in skip:
            results["workers2"] = workers_phase(ctx, run_settings(base, f"{prefix}two."), refs, messages,
                                              expected_cdrs, args.gc_threshold, broker.pid)
            loads["two workers"] = os.getloadavg()

        if "baseline" not in skip:
            if "worker" in skip:
                produce_all(settings, input_topic, iter(messages))
            outcome = peer_phase(ctx, baseline_main, settings, input_topic, f"{prefix}raw.", expected_cdrs, refs)
            if outcome is not None:
                results["baseline"] = outcome
            loads["baseline"] = os.getloadavg()

        if "quix" not in skip:
            if {"worker", "baseline"} <= skip:
                produce_all(settings, input_topic, iter(messages))
            outcome = peer_phase(ctx, quix_main, settings, input_topic, f"{prefix}quix.", expected_cdrs, refs)
            if outcome is not None:
                results["quix"] = outcome
            loads["quixstreams"] = os.getloadavg()

        # further rounds of the throughput phases (THROUGHPUT), in the same order, each on topics and groups of its own
        rounds = [{name: results[key] for key, name in THROUGHPUT if results.get(key)}]
        for k in range(2, args.rounds + 1):
            round_settings = run_settings(base, f"{prefix}r{k}.")
            measured = {}
            if "worker" not in skip:
                outcome = workers_phase(ctx, round_settings, refs, messages, expected_cdrs, args.gc_threshold,
                                        broker.pid, count=1)
                if outcome is not None:
                    measured["worker"] = outcome
            else:
                seed_run(round_settings, refs)
                produce_all(round_settings, round_settings.topic(ocpp_events.TOPIC), iter(messages))
            if "workers2" not in skip:
                outcome = workers_phase(ctx, run_settings(base, f"{prefix}r{k}.two."), refs, messages,
                                        expected_cdrs, args.gc_threshold, broker.pid)
                if outcome is not None:
                    measured["two workers"] = outcome
            for key, target in (("baseline", baseline_main), ("quix", quix_main)):
                if key not in skip:
                    outcome = peer_phase(ctx, target, round_settings, round_settings.topic(ocpp_events.TOPIC),
                                         f"{prefix}r{k}.{key}.", expected_cdrs, refs)
                    if outcome is not None:
                        measured[dict(THROUGHPUT)[key]] = outcome
            rounds.append(measured)
            loads[f"round {k}"] = os.getloadavg()

    print(f"== pipeline bench: {len(messages):,} events, {expected_cdrs:,} CDRs, embedded broker, "
          f"batch {settings.pipeline.sessions_batch_max} within {settings.pipeline.sessions_batch_within_s} s")
    rates = {}
    if "worker" in results:
        (n, wall, cpu_s, produced, (batches, folded, fold_cpu, writes, written, dec, enc, snap, priced, collections,
                                    gc_cpu), broker_s) = results["worker"]
        rates["worker"] = n / wall
        print(f"worker (faust; reference+sessions+pricing, changelogged state): {n / wall:,.0f} events/s "
              f"({wall:.1f} s wall, {cpu_s:.1f} s worker CPU = {n / cpu_s:,.0f} events/CPU-s; input produced in "
              f"{produced:.1f} s; the broker's CPU meanwhile {broker_s:.1f} s, {broker_s / wall:.0%} of a core)")
        if batches:
            print(f"  sessions stage: {batches:,.0f} batches of {folded / batches:,.0f} events on average; "
                  f"SessionFolder.run+flush (the events' decoding included) {fold_cpu:.1f} s CPU "
                  f"({fold_cpu / cpu_s:.0%} of the worker's); "
                  f"{writes:,.0f} table writes, {written / 1e6:,.0f} MB")
            us = 1e6 / n
            print(f"  garbage collector (threshold {args.gc_threshold:,}): {collections:,.0f} collections, "
                  f"{gc_cpu:.2f} s of CPU, {gc_cpu * us:.1f} µs per event (in the figures below)")
            if not args.parts:
                print(f"  worker CPU µs per event: {cpu_s * us:.0f} = SessionFolder with the events' decoding "
                      f"{fold_cpu * us:.0f}, everything else {(cpu_s - fold_cpu) * us:.0f} (--parts times Avro "
                      f"decode and encode, snapshot records and CDRs apart, at a cost of its own)")
            else:
                rest = cpu_s - fold_cpu - enc - snap - priced  # the events' decoding is in the folder's time
                print(f"  worker CPU by part (decode, encode, snapshots: one call in 16 timed): "
                      f"SessionFolder {fold_cpu:.1f} s (the events' decoding in it), Avro decode {dec:.1f} s (every "
                      f"topic; the events' part is in the folder's figure), "
                      f"Avro encode {enc:.1f} s, snapshot records {snap:.1f} s, CDRs (price_session) {priced:.1f} s, "
                      f"the rest (faust, asyncio, aiokafka) {rest:.1f} s")
                print(f"  worker CPU µs per event: {cpu_s * us:.0f} = SessionFolder {fold_cpu * us:.0f} (the events' "
                      f"decoding in it), encode {enc * us:.0f}, snapshot records {snap * us:.0f}, CDRs "
                      f"{priced * us:.0f}, the rest (faust, asyncio, the producers' threads, the stages' own code, "
                      f"the timing wrappers) {rest * us:.0f}; Avro decode of every topic {dec * us:.0f}")
    if "baseline" in results:
        n, wall, cpu_s = results["baseline"]
        rates["baseline"] = n / wall
        print(f"baseline (raw confluent-kafka loop, same fold, snapshots and CDR build, no changelog): "
              f"{n / wall:,.0f} events/s ({wall:.1f} s wall, {cpu_s:.1f} s CPU = {n / cpu_s:,.0f} events/CPU-s)")
    if results.get("workers2"):
        n, wall, cpu_s, folded, cdrs, broker_s = results["workers2"]
        rates["two workers"] = n / wall
        print(f"two workers (two worker processes, one consumer group, the input's 4 partitions split): "
              f"{n / wall:,.0f} events/s ({wall:.1f} s wall, {cpu_s:.1f} s CPU of both; events folded by each: "
              f"{', '.join(f'{f:,.0f}' for f in folded)}; {cdrs:,} distinct CDRs; the broker's CPU meanwhile "
              f"{broker_s:.1f} s, {broker_s / wall:.0%} of a core)")
    if "quix" in results:
        n, wall, cpu_s = results["quix"]
        rates["quixstreams"] = n / wall
        print(f"quixstreams (same fold, decoding, snapshots and CDR build; RocksDB state + changelog, "
              f"at-least-once, no idempotent producer): {n / wall:,.0f} events/s ({wall:.1f} s wall, {cpu_s:.1f} s "
              f"CPU = {n / cpu_s:,.0f} events/CPU-s)")
    worker = rates.get("worker")
    for name in ("baseline", "quixstreams"):
        if worker and name in rates:
            print(f"worker / {name}: {worker / rates[name]:.2f}")
    if "quixstreams" in rates and "baseline" in rates:
        print(f"quixstreams / baseline: {rates['quixstreams'] / rates['baseline']:.2f}")
    if worker and "two workers" in rates:
        print(f"two workers / one worker: {rates['two workers'] / worker:.2f} (the embedded broker, the producer "
              f"and the CDR watcher share the same machine, {os.cpu_count()} cores)")
    if len(rounds) > 1:
        print_rounds(rounds)
    print("load average (1, 5, 15 min) after each phase: "
          + "; ".join(f"{k} {a:.2f} {b:.2f} {c:.2f}" for k, (a, b, c) in loads.items()))
    if "latency" in results:
        lat, hop = results["latency"]
        if lat:
            print(f"stop-to-CDR latency at {args.rate:.0f} events/s offered ({len(lat)} sessions): {percentiles(lat)}"
                  f"; of which stop to completed session (sessions stage): {percentiles(hop)}")
        else:
            print("stop-to-CDR latency: no CDR seen")


if __name__ == "__main__":
    main()
