"""HTTPS for the ingest API as deployed: ``roamstream api`` (a child process, the kafka profile, a generated
token) with ``API_TLS_CERTFILE``/``API_TLS_KEYFILE`` serves ``https://`` only; httpx verifies it against a test
CA; a client that does not trust the CA, or speaks plain HTTP, gets no answer."""

from __future__ import annotations

import json
import secrets
import ssl

import httpx
import pytest
from api_payloads import auth, tariff

pytestmark = pytest.mark.integration


async def test_the_api_serves_https_with_the_configured_certificate(topics, cli_service, tls_files):
    token = secrets.token_urlsafe(32)
    env = {
        "ROAMSTREAM_PROFILE": "kafka",
        "KAFKA_BOOTSTRAP_SERVERS": topics.kafka.bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": topics.kafka.topic_prefix,
        "API_TOKENS": json.dumps([token]),
        "API_TLS_CERTFILE": str(tls_files.cert),
        "API_TLS_KEYFILE": str(tls_files.key),
    }
    trusting = ssl.create_default_context(cafile=str(tls_files.ca))
    pattern = r"Ingest API (https://127\.0\.0\.1:\d+)/ocpi/2\.2\.1"
    async with cli_service(["api", "--port", "0", "--no-create-topics"], env, pattern) as url:
        async with httpx.AsyncClient(base_url=url, verify=trusting, timeout=10) as client:
            assert (await client.get("/healthz")).status_code == 200
            resp = await client.put("/ocpi/2.2.1/tariffs/DE/ALL/12", json=tariff(), headers=auth(token))
            assert (resp.status_code, resp.json()["status_code"]) == (200, 1000), resp.text
            refused = await client.put("/ocpi/2.2.1/tariffs/DE/ALL/12", json=tariff(), headers=auth("dev-token"))
            assert refused.status_code == 401
        async with httpx.AsyncClient(base_url=url, timeout=10) as untrusting:  # the system's CAs only
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await untrusting.get("/healthz")
        async with httpx.AsyncClient(base_url=url.replace("https://", "http://"), timeout=10) as plain:
            with pytest.raises(httpx.HTTPError):
                await plain.get("/healthz")
