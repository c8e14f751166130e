"""The pipeline worker: one faust app with every stage registered, started in the current event loop."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal

import faust
import httpx

from pipelines import compat, lake, pricing, push, reference, sessions
from pipelines.app import create_app
from pipelines.deadletter import DeadLetters
from pipelines.tables import changelog_specs, declare_tables
from pipelines.topics import declare_topics
from roamstream.avro import serde_for
from roamstream.config import Settings
from roamstream.kafka import create_topics
from roamstream.push.sender import OcpiSender

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app: faust.App = create_app(settings)
        self.http = httpx.AsyncClient(limits=httpx.Limits(max_connections=20))
        serde = serde_for(settings.schema_registry.url)
        topics = declare_topics(self.app, settings)
        tables = declare_tables(self.app)
        dead = DeadLetters(topics.deadletter, serde)
        p = settings.pipeline
        sender = OcpiSender(self.http, settings.partners, p.country_code, p.party_id)
        partners = {partner.key: partner for partner in settings.partners.emsps}
        reference.register(self.app, topics, tables, dead)
        sessions.register(self.app, topics, tables, serde, dead, p)
        pricing.register(self.app, topics, tables, serde, dead, p)
        push.register(self.app, topics, tables, serde, dead, sender, partners)
        lake.register(self.app, topics, serde, dead, settings.lake)

    async def start(self) -> Worker:
        compat.verify_broker(self.app, self.settings)  # CompatError: the embedded profile at another broker
        create_topics(self.settings)
        create_topics(self.settings, changelog_specs(self.settings), prefix=False)
        await self.app.start()
        return self

    async def stop(self) -> None:
        await self.app.stop()
        await self.http.aclose()

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


async def run_until_signalled(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Worker(settings):
        tune_gc(settings.pipeline.gc_threshold)
        log.info("worker %s running against %s", settings.pipeline.app_id, settings.kafka.bootstrap_servers)
        await stop.wait()
