"""The strict independent station: the npm package ``ocpp-rpc`` in strict mode (it validates every call and
every answer against the OCPP schemas), driven by ``js/ocpp_rpc_station.cjs``.

The package is installed with npm from the registry into pytest's cache directory on first use."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

import pytest

OCPP_RPC = "ocpp-rpc@2.2.1"
STATION = Path(__file__).parent / "js" / "ocpp_rpc_station.cjs"


def install(request, tmp_path_factory) -> Path:
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


async def run_station(modules: Path, url: str, identity: str, version: str, *calls: str) -> dict:
    """Run the station: one transaction, or, with ``calls`` (a JSON file of ``{action: {"request": ...}}``),
    each of those calls in order. Returns the answers it got, checked by ocpp-rpc against the schemas."""
    proc = await asyncio.create_subprocess_exec(
        "node", str(STATION), str(modules), url, identity, version, *calls,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return json.loads(out)
