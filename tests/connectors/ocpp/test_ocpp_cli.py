"""``roamstream ocpp`` and ``roamstream simulate`` as a user runs them: child processes."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from connectors.ocpp.simulator import simulate

pytestmark = pytest.mark.integration

CLI = Path(sys.executable).with_name("roamstream")


async def test_roamstream_simulate_prints_the_sessions_it_ran(server, reader):
    proc = await asyncio.create_subprocess_exec(
        str(CLI), "simulate", "--url", server.url, "--charge-points", "2", "--sessions", "1",
        "--version", "2.0.1", "--id-tag", "CLI-TAG", "--energy-wh", "2000", "--format", "json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    sessions = json.loads(out)
    assert [(s["charge_point_id"], s["transaction_id"], s["id_tag"], s["energy_wh"]) for s in sessions] == [
        ("SIM-0001", "SIM-0001-T0001", "CLI-TAG", 2000),
        ("SIM-0002", "SIM-0002-T0001", "CLI-TAG", 2000),
    ]
    assert sessions[0]["started_at"] == "2026-01-05T08:00:00Z"
    events = await asyncio.to_thread(reader.transactions, 8)
    assert sorted(e["kind"] for e in events) == ["ENDED"] * 2 + ["STARTED"] * 2 + ["UPDATED"] * 4


async def test_roamstream_simulate_refuses_an_unknown_fault(server):
    proc = await asyncio.create_subprocess_exec(
        str(CLI), "simulate", "--url", server.url, "--fault", "teleport",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await proc.communicate()
    assert proc.returncode == 2 and "unknown fault" in err.decode()


async def test_roamstream_ocpp_serves_until_interrupted(ocpp_settings, reader, cli_service):
    # the embedded profile, attached to the running broker, on loopback: station authentication may stay off
    env = {
        "ROAMSTREAM_PROFILE": "embedded",
        "KAFKA_BOOTSTRAP_SERVERS": ocpp_settings.kafka.bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": ocpp_settings.kafka.topic_prefix,
    }
    pattern = r"OCPP\s+(ws://127\.0\.0\.1:\d+/ocpp)/\{charge_point_id\}"
    async with cli_service(["ocpp", "--port", "0"], env, pattern) as url:
        [session] = await simulate(url, energy_wh=2000)
    events = await asyncio.to_thread(reader.transactions, 4)
    assert [e["kind"] for e in events] == ["STARTED", "UPDATED", "UPDATED", "ENDED"]
    assert events[-1]["transaction_id"] == session.transaction_id


async def test_roamstream_simulate_authenticates_with_basic_auth(ocpp_settings, producer):
    from pydantic import SecretStr

    from connectors.ocpp.handshake import hash_password
    from connectors.ocpp.server import OcppServer
    from roamstream.avro import AvroSerde

    ocpp = ocpp_settings.ocpp.model_copy(
        update={"passwords": {"SIM-0001": SecretStr(hash_password("pw-1", iterations=1_000))}}
    )
    settings = ocpp_settings.model_copy(update={"ocpp": ocpp})
    async with OcppServer(settings, producer, AvroSerde()) as server:
        outcomes = []
        for password in ("pw-1", "wrong"):
            proc = await asyncio.create_subprocess_exec(
                str(CLI), "simulate", "--url", server.url, "--password", password, "--format", "json",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await proc.communicate()
            outcomes.append((proc.returncode, out.decode(), " ".join(err.decode().split())))
    assert outcomes[0][0] == 0 and json.loads(outcomes[0][1])[0]["charge_point_id"] == "SIM-0001"
    assert outcomes[1][0] == 1 and "HTTP 401" in outcomes[1][2]
