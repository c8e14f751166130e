"""``roamstream up`` as a user runs it: the whole stack on the embedded broker, its URLs printed, Ctrl-C stops it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx


def test_up_serves_the_printed_urls_until_interrupted(tmp_path):
    env = {**os.environ, "API_PORT": "0", "OCPP_PORT": "0", "LAKE_URI": str(tmp_path / "lake"), "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "roamstream", "up"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while not any("Ctrl-C" in line for line in lines):
            assert time.monotonic() < deadline, "".join(lines)
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "".join(lines)
            lines.append(line)
        output = "".join(lines)
        api = re.search(r"Ingest API (http://127\.0\.0\.1:\d+)", output).group(1)
        ocpp = re.search(r"OCPP\s+(ws://127\.0\.0\.1:\d+/ocpp)", output)
        assert ocpp is not None, output
        assert httpx.get(f"{api}/healthz", timeout=10).status_code == 200
        unauthorised = httpx.put(f"{api}/ocpi/2.2.1/tariffs/NL/RST/T1", json={}, timeout=10)
        assert unauthorised.status_code == 401
        assert unauthorised.json()["status_code"] == 2000
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, "".join(lines) + rest
