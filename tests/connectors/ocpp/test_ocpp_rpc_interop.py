"""Interoperability: a station built on the npm package ``ocpp-rpc`` in strict mode (it validates every
call and every answer against the OCPP schemas) runs a 1.6 and a 2.0.1 transaction against the endpoint.

The package is installed with npm from the registry into pytest's cache directory on first use."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

OCPP_RPC = "ocpp-rpc@2.2.1"
STATION = Path(__file__).parent / "js" / "ocpp_rpc_station.cjs"
T0, T1, T2 = (datetime(2026, 1, 5, 8, m, tzinfo=UTC) for m in (0, 5, 10))


@pytest.fixture(scope="session")
def ocpp_rpc(request, tmp_path_factory) -> Path:
    """A node_modules folder holding ocpp-rpc (npm install into the pytest cache, once; into a temporary
    folder when the cache is off)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed for the ocpp-rpc interoperability test")
    cache = getattr(request.config, "cache", None)
    folder = Path(cache.mkdir("ocpp-rpc-2.2.1")) if cache else tmp_path_factory.mktemp("ocpp-rpc")
    if not (folder / "node_modules" / "ocpp-rpc" / "package.json").is_file():
        subprocess.run(
            ["npm", "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--no-save", OCPP_RPC],
            check=True,
            capture_output=True,
            timeout=600,
        )
    return folder / "node_modules"


async def run_station(modules: Path, url: str, identity: str, version: str) -> dict:
    proc = await asyncio.create_subprocess_exec(
        "node", str(STATION), str(modules), url, identity, version,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return json.loads(out)


async def test_an_ocpp_rpc_16_station_in_strict_mode(server, reader, ocpp_rpc):
    answers = await run_station(ocpp_rpc, server.url, "RPC-16", "1.6")
    assert answers["protocol"] == "ocpp1.6"
    assert answers["boot"] == {"currentTime": "2026-01-05T12:00:00.000Z", "interval": 300, "status": "Accepted"}
    assert answers["authorize"] == {"idTagInfo": {"status": "Accepted"}}
    assert answers["meterValues"] == {} and answers["status"] == {}
    assert answers["stop"] == {"idTagInfo": {"status": "Accepted"}}
    tx = answers["start"]["transactionId"]
    events = await asyncio.to_thread(reader.read, "ocpp.transaction.v1", 3)
    assert [(e["kind"], e["transaction_id"], e["timestamp"], e["meter_wh"], e["flags"]) for e in events] == [
        ("STARTED", str(tx), T0, "500", []),
        ("UPDATED", str(tx), T1, "1250", []),
        ("ENDED", str(tx), T2, "2500", []),
    ]
    assert [(s["value"], s["unit"], s["raw_value"], s["raw_unit"]) for s in events[1]["samples"]] == [
        ("1250", "Wh", "1.25", "kWh"),
        ("7400", "W", "7.4", "kW"),
    ]


async def test_an_ocpp_rpc_201_station_in_strict_mode(server, reader, ocpp_rpc):
    answers = await run_station(ocpp_rpc, server.url, "RPC-201", "2.0.1")
    assert answers["protocol"] == "ocpp2.0.1"
    assert answers["boot"] == {"currentTime": "2026-01-05T12:00:00.000Z", "interval": 300, "status": "Accepted"}
    assert answers["authorize"] == {"idTokenInfo": {"status": "Accepted"}}
    assert answers["started"] == answers["ended"] == {"idTokenInfo": {"status": "Accepted"}}
    assert answers["updated"] == {}
    events = await asyncio.to_thread(reader.read, "ocpp.transaction.v1", 3)
    assert [(e["kind"], e["seq_no"], e["transaction_id"], e["timestamp"], e["meter_wh"]) for e in events] == [
        ("STARTED", 0, "RPC-TX-1", T0, "500"),
        ("UPDATED", 1, "RPC-TX-1", T1, "1250"),
        ("ENDED", 2, "RPC-TX-1", T2, "2500"),
    ]
    assert [(s["value"], s["unit"], s["raw_value"], s["raw_unit"]) for s in events[1]["samples"]] == [
        ("1250", "Wh", "1.25", "kWh"),
        ("7400", "W", "74", "W*10^2"),
    ]
