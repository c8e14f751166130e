"""End-to-end fixtures: the whole stack (worker, ingest API, OCPP endpoint) on the embedded broker, and a
real demo eMSP receiving over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from roamstream.asgi import ServedApp
from roamstream.config import Partner, Settings
from roamstream.demo.emsp import EmspStore, create_emsp_app
from roamstream.stack import RunningStack, running_stack

EMSP_TOKEN = "token-b-NL-EMA"


@pytest.fixture
async def emsp() -> AsyncIterator[tuple[EmspStore, str]]:
    store = EmspStore()
    async with ServedApp(create_emsp_app(EMSP_TOKEN, store)) as served:
        yield store, served.url


@pytest.fixture
async def stack(settings: Settings, emsp) -> AsyncIterator[RunningStack]:
    _, url = emsp
    partner = Partner(country_code="NL", party_id="EMA", token=EMSP_TOKEN, cdrs_url=f"{url}/ocpi/emsp/2.2.1/cdrs",
                      sessions_url=f"{url}/ocpi/emsp/2.2.1/sessions")
    settings = settings.model_copy(update={
        "partners": settings.partners.model_copy(update={"emsps": [partner], "backoff_s": 0.05}),
        "api": settings.api.model_copy(update={"port": 0}),
        "ocpp": settings.ocpp.model_copy(update={"port": 0}),
        "lake": settings.lake.model_copy(update={"flush_interval_s": 0.2}),
    })
    async with running_stack(settings) as running:
        yield running
