"""Partners in their own processes (tests/partners/receiver.py), a TCP switch that can refuse connections in
front of one, and a running worker whose partners they are; a running API on the embedded broker (its
registry read from ``ocpi.partners.v1``) and a spec eMSP (tests/partners/emsp.py) that registers at it."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from ingest_api.app import serve
from roamstream.asgi import ServedApp
from roamstream.avro import AvroSerde
from roamstream.config import Partner, Settings
from roamstream.kafka import AsyncProducer

sys.path.insert(0, str(Path(__file__).parent))

from emsp import SpecEmsp  # noqa: E402
from partner_processes import receiver_process  # noqa: E402

BACK_OFFICE = "dev-token"


@pytest.fixture
def receivers():
    return receiver_process


@pytest.fixture
def with_partners(settings: Settings):
    def make(partners: list[Partner], **partner_settings) -> Settings:
        return settings.model_copy(update={
            "partners": settings.partners.model_copy(update={"emsps": partners, **partner_settings}),
            "lake": settings.lake.model_copy(update={"flush_interval_s": 0.2}),
        })
    return make


@pytest_asyncio.fixture
async def api(topics):
    settings = topics.model_copy(update={"api": topics.api.model_copy(update={"port": 0})})
    producer = AsyncProducer(settings)
    handle = await serve(settings, producer, AvroSerde())
    try:
        yield handle
    finally:
        await handle.stop()
        producer.close()


@pytest_asyncio.fixture
async def emsp():
    party = SpecEmsp()
    served = await ServedApp(party.app()).start()
    party.base_url = served.url
    try:
        yield party
    finally:
        await served.stop()


@pytest_asyncio.fixture
async def http():
    async with httpx.AsyncClient(timeout=15) as client:
        yield client


@pytest.fixture
def back_office() -> dict[str, str]:
    return {"Authorization": f"Token {BACK_OFFICE}"}


@pytest_asyncio.fixture
async def register(http, api, back_office):
    """``await register(emsp)``: the eMSP registers at us by invitation; the token C it calls us with."""

    async def run(party: SpecEmsp) -> str:
        r = await http.post(f"{api.url}/admin/partners/invitations", headers=back_office,
                            json={"country_code": party.country_code, "party_id": party.party_id})
        invitation = r.json()["data"]
        r = await party.register_at_cpo(http, invitation["versions_url"], invitation["token"])
        assert r.json()["status_code"] == 1000, r.text
        return party.cpo_token

    return run


@pytest_asyncio.fixture
async def other_emsp():
    party = SpecEmsp(country_code="DE", party_id="EMX")
    served = await ServedApp(party.app()).start()
    party.base_url = served.url
    try:
        yield party
    finally:
        await served.stop()
