"""The app factory: everything the routes need lives on ``app.state``; no module-level globals."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from ingest_api import handlers, openapi
from ingest_api.deps import require_token
from ingest_api.metrics import Metrics
from ingest_api.middleware import OcpiHeadersMiddleware
from ingest_api.publisher import Producer, Publisher
from ingest_api.routes import health, locations, statements, tariffs, tokens, transactions
from ingest_api.server import ServerHandle, serve_app
from roamstream.avro import AvroSerde
from roamstream.config import Settings

OCPI_PREFIX = "/ocpi/2.2.1"

DESCRIPTION = """OCPI 2.2.1 Receiver-style endpoints of roamstream. Every request under `/ocpi/2.2.1` needs
`Authorization: Token <credentials token>` (Base64-encoded as OCPI 2.2.1 says; plain is accepted). Responses
are OCPI envelopes; invalid input is answered with HTTP 400 / OCPI 2001 naming the field and recorded in
`deadletter.v1`. A success means the broker has the records."""


def create_app(settings: Settings, producer: Producer, serde: AvroSerde) -> FastAPI:
    metrics = Metrics()
    app = FastAPI(title="roamstream ingest API", version="2.2.1", description=DESCRIPTION)
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.publisher = Publisher(producer, serde, metrics)

    ocpi = APIRouter(prefix=OCPI_PREFIX, dependencies=[Depends(require_token)])
    for module in (tariffs, locations, tokens, statements, transactions):
        ocpi.include_router(module.router)
    app.include_router(ocpi)
    app.include_router(health.router)

    handlers.install(app)
    openapi.install(app)
    app.add_middleware(OcpiHeadersMiddleware, metrics=metrics)
    return app


async def serve(settings: Settings, producer: Producer, serde: AvroSerde) -> ServerHandle:
    """Serve the API in the current event loop on ``settings.api.host``/``port`` (0: a free port).

    Returns once it accepts requests; ``handle.url`` is its address, ``await handle.stop()`` stops it. The
    producer stays the caller's: ``stop()`` does not close it.
    """
    return await serve_app(create_app(settings, producer, serde), settings.api.host, settings.api.port)
