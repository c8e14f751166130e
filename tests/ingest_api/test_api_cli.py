"""``roamstream api`` as a user runs it: a child process against the embedded broker, stopped with Ctrl-C. On a
developer's machine (embedded profile, loopback) the default token still works (tests/roamstream/test_secure_cli.py:
exposed, it is refused)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from api_payloads import auth, tariff

pytestmark = pytest.mark.integration



async def test_roamstream_api_serves_until_interrupted(broker, cli_service):
    env = {
        "ROAMSTREAM_PROFILE": "embedded",
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": f"t{uuid.uuid4().hex[:10]}.",
        "API_TOKENS": '["dev-token"]',  # the default
    }
    pattern = r"Ingest API (http://127\.0\.0\.1:\d+)/ocpi/2\.2\.1"
    async with cli_service(["api", "--port", "0"], env, pattern) as url, \
            httpx.AsyncClient(base_url=url, timeout=10) as client:
        assert (await client.get("/healthz")).status_code == 200
        resp = await client.put("/ocpi/2.2.1/tariffs/DE/ALL/12", json=tariff(), headers=auth("dev-token"))
        assert resp.status_code == 200, resp.text
        assert resp.json()["data"]["key"] == "DE-ALL-12"
