"""The whole stack in one process: embedded broker (embedded profile), worker, ingest API, OCPP endpoint.

``roamstream up`` and ``roamstream demo`` run it; so do the end-to-end tests.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from connectors.ocpp.server import OcppServer
from ingest_api.app import serve as serve_api
from pipelines.worker import Worker
from roamstream.avro import serde_for
from roamstream.config import Settings
from roamstream.kafka import AsyncProducer, create_topics
from roamstream.profiles import KafkaTarget, connected


@dataclass
class RunningStack:
    settings: Settings
    api_url: str
    ocpp_url: str
    worker: Worker
    #: the OCPP endpoint's port over plain HTTP (its /metrics and /ready)
    ocpp_http_url: str


@contextlib.asynccontextmanager
async def embedded_settings(settings: Settings) -> AsyncIterator[Settings]:
    """``settings`` as they are for a real cluster; with the embedded profile, a broker started for them."""
    async with connected(KafkaTarget(settings, start_broker=settings.profile == "embedded")) as started:
        yield started


@contextlib.asynccontextmanager
async def running_stack(settings: Settings) -> AsyncIterator[RunningStack]:
    """Start worker, API and OCPP endpoint against the broker of ``settings``; stop them in reverse order."""
    create_topics(settings)
    serde = serde_for(settings.schema_registry.url)
    producer = AsyncProducer(settings)
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(producer.close)
        worker = await stack.enter_async_context(Worker(settings))
        api = await serve_api(settings, producer, serde)
        stack.push_async_callback(api.stop)
        ocpp = await stack.enter_async_context(OcppServer(settings, producer, serde))
        yield RunningStack(settings, api.url, ocpp.url, worker, ocpp.http_url)
