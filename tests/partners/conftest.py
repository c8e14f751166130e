"""A running API on the embedded broker (its registry read from ``ocpi.partners.v1``) and a spec eMSP."""

from __future__ import annotations

import httpx
import pytest
import pytest_asyncio
from emsp import SpecEmsp

from ingest_api.app import serve
from roamstream.asgi import ServedApp
from roamstream.avro import AvroSerde
from roamstream.kafka import AsyncProducer

BACK_OFFICE = "dev-token"


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
