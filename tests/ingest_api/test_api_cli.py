"""``roamstream api`` as a user runs it: a child process against the embedded broker, stopped with Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from api_payloads import auth, tariff

pytestmark = pytest.mark.integration

CLI = Path(sys.executable).with_name("roamstream")


async def test_roamstream_api_serves_until_interrupted(broker, tmp_path):
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": f"t{uuid.uuid4().hex[:10]}.",
        "API_TOKENS": '["cli-token"]',
    }
    log = (tmp_path / "stderr.txt").open("wb")
    proc = await asyncio.create_subprocess_exec(
        str(CLI), "api", "--port", "0", env=env, stdout=asyncio.subprocess.PIPE, stderr=log
    )
    try:
        url = None
        while url is None:
            line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
            assert line, f"roamstream api exited early: {(tmp_path / 'stderr.txt').read_text()}"
            found = re.search(r"Ingest API (http://127\.0\.0\.1:\d+)/ocpi/2\.2\.1", line)
            url = found and found.group(1)
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            assert (await client.get("/healthz")).status_code == 200
            resp = await client.put("/ocpi/2.2.1/tariffs/DE/ALL/12", json=tariff(), headers=auth("cli-token"))
            assert resp.status_code == 200, resp.text
            assert resp.json()["data"]["key"] == "DE-ALL-12"
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        log.close()
