"""OCPP-J security profile 2 as deployed: ``roamstream ocpp`` (a child process, the kafka profile, station
authentication required) with ``OCPP_TLS_CERTFILE``/``OCPP_TLS_KEYFILE`` serves ``wss://``; stations of the
``ocpp`` package connect over TLS, verifying a test CA, with HTTP Basic: the right password is accepted, a wrong
or missing one refused with HTTP 401; a client that does not trust the CA, or speaks plain ``ws://``, gets
nothing."""

from __future__ import annotations

import asyncio
import json
import ssl

import pytest
from ocpp.v16 import call
from ocpp.v201 import call as call201
from websockets.exceptions import InvalidMessage, InvalidStatus

from connectors.ocpp.handshake import hash_password
from connectors.ocpp.simulator.client import connect

pytestmark = pytest.mark.integration

PASSWORD = "station-secret-0001-of-24"


async def refused(url: str, cp: str, password: str | None, context: ssl.SSLContext) -> int:
    with pytest.raises(InvalidStatus) as caught:
        async with connect(url, cp, "1.6", password=password, ssl=context):
            pass
    return caught.value.response.status_code


async def test_stations_connect_over_wss_with_basic_auth(ocpp_settings, reader, cli_service, tls_files):
    env = {
        "ROAMSTREAM_PROFILE": "kafka",
        "KAFKA_BOOTSTRAP_SERVERS": ocpp_settings.kafka.bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": ocpp_settings.kafka.topic_prefix,
        "OCPP_REQUIRE_AUTH": "true",
        "OCPP_PASSWORDS": json.dumps({"CP-TLS": hash_password(PASSWORD, iterations=1_000),
                                      "CP-TLS-2": hash_password(PASSWORD, iterations=1_000)}),
        "OCPP_TLS_CERTFILE": str(tls_files.cert),
        "OCPP_TLS_KEYFILE": str(tls_files.key),
    }
    trusting = ssl.create_default_context(cafile=str(tls_files.ca))
    pattern = r"OCPP\s+(wss://127\.0\.0\.1:\d+/ocpp)/\{charge_point_id\}"
    async with cli_service(["ocpp", "--port", "0"], env, pattern) as url:
        async with connect(url, "CP-TLS", "1.6", password=PASSWORD, ssl=trusting) as station:
            assert (await station.call(call.Heartbeat())).current_time
        async with connect(url, "CP-TLS-2", "2.0.1", password=PASSWORD, ssl=trusting) as station:
            assert (await station.call(call201.Heartbeat())).current_time

        assert await refused(url, "CP-TLS", "wrong-password-00000", trusting) == 401
        assert await refused(url, "CP-TLS", None, trusting) == 401
        assert await refused(url, "CP-OTHER", PASSWORD, trusting) == 401  # required, none stored

        with pytest.raises(ssl.SSLCertVerificationError):
            async with connect(url, "CP-TLS", "1.6", password=PASSWORD, ssl=ssl.create_default_context()):
                pass
        with pytest.raises((InvalidMessage, ConnectionError, EOFError)):
            async with connect(url.replace("wss://", "ws://"), "CP-TLS", "1.6", password=PASSWORD):
                pass

    stations = await asyncio.to_thread(reader.stations, 6)  # only the two accepted connections were published
    for cp in ("CP-TLS", "CP-TLS-2"):
        assert [s["kind"] for s in stations if s["charge_point_id"] == cp] == ["CONNECTED", "HEARTBEAT", "DISCONNECTED"]
