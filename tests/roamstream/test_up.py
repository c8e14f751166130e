"""``roamstream up`` as a user runs it: the whole stack on the embedded broker, its URLs printed, Ctrl-C stops it."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import httpx


def read_lines(stream, into: queue.Queue) -> threading.Thread:
    """Put each line of ``stream`` on ``into`` from a thread (None at its end): the test waits on the queue
    with a timeout instead of on a readline that could block for good."""

    def pump() -> None:
        for line in stream:
            into.put(line)
        into.put(None)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def test_up_serves_the_printed_urls_until_interrupted(tmp_path):
    env = {**os.environ, "API_PORT": "0", "OCPP_PORT": "0", "LAKE_URI": str(tmp_path / "lake"), "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "roamstream", "up"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    output_lines: queue.Queue = queue.Queue()
    reader = read_lines(proc.stdout, output_lines)
    try:
        deadline = time.monotonic() + 120  # liveness bound for start-up, not a speed check
        while not any("Ctrl-C" in line for line in lines):
            try:
                line = output_lines.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                raise AssertionError("roamstream up printed no 'Ctrl-C' line in time:\n" + "".join(lines)) from None
            assert line is not None, "roamstream up exited early:\n" + "".join(lines)
            lines.append(line)
        output = "".join(lines)
        api = re.search(r"Ingest API (http://127\.0\.0\.1:\d+)", output).group(1)
        ocpp = re.search(r"OCPP\s+(ws://127\.0\.0\.1:\d+/ocpp)", output)
        assert ocpp is not None, output
        assert httpx.get(f"{api}/healthz", timeout=10).status_code == 200
        unauthorised = httpx.put(f"{api}/ocpi/2.2.1/tariffs/NL/RST/T1", json={}, timeout=10)
        assert unauthorised.status_code == 401
        assert unauthorised.json()["status_code"] == 2000
        metrics = re.search(r"Metrics\s+api (\S+)/metrics, ocpp (\S+)/metrics, worker (\S+)/metrics", output)
        assert metrics is not None, output
        assert metrics.group(1) == api
        for url in metrics.groups():
            ready_deadline = time.monotonic() + 60  # the worker is ready once its partitions are assigned
            while (ready := httpx.get(f"{url}/ready", timeout=10)).status_code != 200:
                assert ready.status_code == 503 and time.monotonic() < ready_deadline, (url, ready.text)
                time.sleep(0.1)
            assert "roamstream_ready 1.0" in httpx.get(f"{url}/metrics", timeout=10).text.splitlines()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        finally:
            if proc.returncode is None:
                proc.kill()
                proc.wait()
            reader.join(timeout=10)
    while (line := output_lines.get_nowait() if not output_lines.empty() else None) is not None:
        lines.append(line)
    assert proc.returncode == 0, "".join(lines)
