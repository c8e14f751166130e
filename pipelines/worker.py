"""The pipeline worker: one faust app with every stage registered, started in the current event loop."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable

import faust

from pipelines import compat, lake, pricing, push, push_reference, reference, sessions
from pipelines.app import create_app
from pipelines.deadletter import DeadLetters
from pipelines.metrics import WorkerMetrics, stages_by_topic
from pipelines.ops_http import OpsServer
from pipelines.tables import changelog_specs, declare_tables
from pipelines.topics import declare_topics
from roamstream.avro import serde_for
from roamstream.compacted import CompactedTopicReader
from roamstream.config import Settings
from roamstream.kafka import create_topics
from roamstream.partners.registry import Registry
from roamstream.partners.registry.directory import PartnerDirectory
from roamstream.partners.registry.store import TOPIC as PARTNERS_TOPIC
from roamstream.partners.sender import OcpiSender
from roamstream.signals import stop_on_signals

log = logging.getLogger(__name__)

#: at start, how long to wait for the partner registry to be read before the stages run
REGISTRY_WAIT_S = 10.0


class Worker:
    def __init__(self, settings: Settings) -> None:
        p = settings.pipeline
        #: only the lake landing (``PIPELINE_STAGES=lake``): its own consumer group, no tables, no partners
        self.lake_only = p.stages == "lake"
        if self.lake_only:
            p = p.model_copy(update={"app_id": f"{p.app_id}-lake"})
            settings = settings.model_copy(update={"pipeline": p})
        self.settings = settings
        self.app: faust.App = create_app(settings)
        serde = serde_for(settings.schema_registry.url)
        topics = declare_topics(self.app, settings)
        self.metrics = metrics = WorkerMetrics()
        dead = DeadLetters(topics.deadletter, serde, metrics)
        self.delivery = self.sender = self._registry_reader = self.sessions = None
        if not self.lake_only:
            self._register_stages(topics, serde, dead, metrics)
        if p.stages != "core":
            lake.register(self.app, topics, serde, dead, settings.lake)
        self.ops = OpsServer(metrics, self.ready, settings.metrics.worker_host, settings.metrics.worker_port)

    def _register_stages(self, topics, serde, dead: DeadLetters, metrics: WorkerMetrics) -> None:
        """Every stage but the lake: reference, sessions, pricing, push (and the tables they keep)."""
        settings, p, partners = self.settings, self.settings.pipeline, self.settings.partners
        tables = declare_tables(self.app)
        self.sender = sender = OcpiSender(p.country_code, p.party_id, timeout_s=partners.timeout_s,
                                          max_redirects=partners.max_redirects,
                                          connections_per_partner=partners.max_in_flight)
        # the lanes' partners: those registered by the credentials handshake (read from ocpi.partners.v1 while
        # the worker runs: a new, changed or removed partner counts without a restart) and the static
        # PARTNERS_EMSPS seed
        self.registry = Registry(serde)
        self._registry_reader = CompactedTopicReader(settings, PARTNERS_TOPIC, self.registry.apply_raw)
        directory = PartnerDirectory(self.registry, partners.emsps)
        reference.register(self.app, topics, tables, dead)
        self.sessions = sessions.register(self.app, settings, topics, tables, serde, dead, metrics)
        pricing.register(self.app, topics, tables, serde, dead, p, metrics, self.sessions.refs)
        self.delivery = push.register(self.app, settings, topics, tables, serde, dead, sender, directory, metrics)
        push_reference.register(self.app, topics, tables, serde, dead, self.delivery, directory)
        metrics.watch(self.app, tables)

    def ready(self) -> bool:
        """Partitions of its input topics assigned and table recovery done, no rebalance under way."""
        app = self.app
        consumer = app._consumer  # None until the app starts
        if consumer is None or app.rebalancing or app.in_recovery or not app.tables.recovery.completed.is_set():
            return False
        inputs = stages_by_topic(app)
        return any(tp.topic in inputs for tp in consumer.assignment())

    async def start(self) -> Worker:
        compat.verify_broker(self.app, self.settings)  # CompatError: the embedded profile at another broker
        create_topics(self.settings)
        if self._registry_reader is not None:
            create_topics(self.settings, changelog_specs(self.settings), prefix=False)
            self._registry_reader.start()
            await asyncio.to_thread(self._registry_reader.wait_caught_up, REGISTRY_WAIT_S)
        await self.ops.start()  # /ready answers 503 until the app is up
        await self.app.start()
        return self

    async def stop(self) -> None:
        if self.delivery is not None:
            await self.delivery.stop()
        await self.app.stop()
        if self.sessions is not None:
            await self.sessions.output.aclose()  # after the app's last commit, which flushed it
        await self.ops.stop()
        if self._registry_reader is not None:
            self._registry_reader.stop()
        if self.sender is not None:
            await self.sender.aclose()

    async def __aenter__(self) -> Worker:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def tune_gc(threshold: int) -> None:
    """Freeze what exists (modules, app, tables at start-up) out of the collector's scans and collect the
    young generation every ``threshold`` allocations (``PipelineSettings.gc_threshold``; 0: as it is).
    Process-wide: called by the worker command once the app is up, not by tests running a Worker."""
    if threshold <= 0:
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(threshold, 50, 100)


async def run_until_signalled(settings: Settings, on_started: Callable[[Worker], object] = lambda worker: None
                              ) -> None:
    """Run a worker until SIGINT/SIGTERM; ``on_started`` is called once it runs (the CLI prints its URLs)."""
    stop = stop_on_signals()
    async with Worker(settings) as worker:
        tune_gc(settings.pipeline.gc_threshold)
        log.info("worker %s running against %s", settings.pipeline.app_id, settings.kafka.bootstrap_servers)
        on_started(worker)
        await stop.wait()
