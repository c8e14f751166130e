"""The app factory: everything the routes need lives on ``app.state``; no module-level globals."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import APIRouter, Depends, FastAPI

from ingest_api import handlers, openapi
from ingest_api.deps import back_office, functional_caller
from ingest_api.metrics import Metrics
from ingest_api.middleware import OcpiHeadersMiddleware
from ingest_api.publisher import Producer, Publisher
from ingest_api.routes import (
    credentials,
    health,
    locations,
    partners,
    pull,
    statements,
    tariffs,
    tokens,
    transactions,
    versions,
)
from ingest_api.server import ServerHandle, serve_app
from roamstream.avro import AvroSerde
from roamstream.compacted import CompactedTopicReader
from roamstream.config import Settings
from roamstream.partners.credentials.client import OcpiClient
from roamstream.partners.credentials.handshake import Handshake, Identity
from roamstream.partners.pull.objects import ObjectsView
from roamstream.partners.registry import Registry
from roamstream.partners.registry.store import TOPIC as PARTNERS_TOPIC
from roamstream.partners.registry.store import RegistryWriter

OCPI_PREFIX = "/ocpi/2.2.1"
#: at start, how long to wait for the registry and the objects to be read before serving
READ_WAIT_S = 10.0

DESCRIPTION = """OCPI 2.2.1 endpoints of roamstream (CPO). Every request under `/ocpi` needs
`Authorization: Token <credentials token>` (Base64-encoded as OCPI 2.2.1 says; plain is accepted). A token
identifies one party: a partner registered by the credentials handshake, or the back office (`API_TOKENS`).
Responses are OCPI envelopes; invalid input is answered with HTTP 400 / OCPI 2001 naming the field and
recorded in `deadletter.v1`. A success of a write means the broker has the records."""


#: the compacted topics the API keeps in memory (app.state attribute -> topic)
VIEWS = {"tariffs": "ocpi.tariffs.v1", "locations": "ocpi.locations.v1", "tokens": "ocpi.tokens.v1"}


def create_app(settings: Settings, producer: Producer, serde: AvroSerde, registry: Registry | None = None,
               http: httpx.AsyncClient | None = None, views: dict[str, ObjectsView] | None = None) -> FastAPI:
    """The API. ``registry``: the partner registry (fed by the caller from ``ocpi.partners.v1``; a new empty
    one when not given); ``http``: the client for calls to partners (a new one when not given); ``views``:
    the Tariffs, Locations and Tokens as their topics hold them (fed by the caller; empty when not given)."""
    metrics = Metrics()
    app = FastAPI(title="roamstream ingest API", version="2.2.1", description=DESCRIPTION)
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.producer = producer
    app.state.publisher = Publisher(producer, serde, metrics)
    app.state.registry = registry = registry if registry is not None else Registry(serde)
    app.state.http = http = http if http is not None else httpx.AsyncClient()
    for name in VIEWS:
        setattr(app.state, name, (views or {}).get(name) or ObjectsView(serde))
    p = settings.pipeline
    app.state.handshake = Handshake(
        RegistryWriter(registry, producer, serde),
        OcpiClient(http, settings.partners.handshake_timeout_s),
        Identity(p.country_code, p.party_id, settings.partners.business_name),
    )

    ocpi = APIRouter(prefix=OCPI_PREFIX)
    for module in (tariffs, locations, statements, transactions):
        ocpi.include_router(module.router, dependencies=[Depends(back_office)])
    ocpi.include_router(tokens.router, dependencies=[Depends(functional_caller)])
    ocpi.include_router(credentials.router)
    ocpi.include_router(pull.router)
    app.include_router(ocpi)
    app.include_router(versions.router)
    app.include_router(partners.router)
    app.include_router(health.router)

    handlers.install(app)
    openapi.install(app)
    app.add_middleware(OcpiHeadersMiddleware, metrics=metrics, us=(p.country_code, p.party_id))
    return app


async def serve(settings: Settings, producer: Producer, serde: AvroSerde) -> ServerHandle:
    """Serve the API in the current event loop on ``settings.api.host``/``port`` (0: a free port), with the
    partner registry read from ``ocpi.partners.v1`` (kept current while it runs).

    Returns once it accepts requests; ``handle.url`` is its address, ``await handle.stop()`` stops it. The
    producer stays the caller's: ``stop()`` does not close it.
    """
    registry = Registry(serde)
    views = {name: ObjectsView(serde) for name in VIEWS}
    readers = [CompactedTopicReader(settings, PARTNERS_TOPIC, registry.apply_raw).start()]
    readers += [CompactedTopicReader(settings, VIEWS[name], view.apply).start() for name, view in views.items()]
    await asyncio.gather(*(asyncio.to_thread(r.wait_caught_up, READ_WAIT_S) for r in readers))
    http = httpx.AsyncClient()
    handle = await serve_app(create_app(settings, producer, serde, registry, http, views),
                             settings.api.host, settings.api.port, settings.api)
    for reader in readers:
        handle.on_stop(reader.stop)
    handle.on_stop(http.aclose)
    return handle
