"""SIGKILL of a worker process with pushes in flight: after a restart every object is delivered, no CDR id ever
gets two different bodies, and the requests cut by the kill are visible in ``push_results`` as "outcome
unknown" (their intent was recorded before they went out; issue 9, point 4)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from objects import PARTNER_A, life
from test_delivery import delivered, lake_rows, publish, until

from roamstream.config import Settings

REPO = Path(__file__).resolve().parents[2]


def worker_env(settings: Settings) -> dict[str, str]:
    ours = ("ROAMSTREAM_", "KAFKA_", "PIPELINE_", "LAKE_", "PARTNERS_", "SCHEMA_REGISTRY_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    partners = [{**p.model_dump(mode="json"), "token": p.token.get_secret_value()} for p in settings.partners.emsps]
    env.update({
        "ROAMSTREAM_PROFILE": "embedded", "KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": settings.kafka.topic_prefix, "PIPELINE_APP_ID": settings.pipeline.app_id,
        "PIPELINE_DATADIR": str(settings.pipeline.datadir),
        # the suite's (tests/conftest.py): the killed worker leaves the group, and the new one joins, sooner
        "KAFKA_SESSION_TIMEOUT_S": str(settings.kafka.session_timeout_s),
        "LAKE_URI": settings.lake.uri, "LAKE_FLUSH_INTERVAL_S": "0.2", "PARTNERS_EMSPS": json.dumps(partners),
        "PARTNERS_BACKOFF_S": "0.1",
    })
    return env


def start_worker(settings: Settings, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "roamstream", "worker"], cwd=REPO, env=worker_env(settings),
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out)


async def test_a_worker_killed_with_pushes_in_flight_delivers_everything_after_restart(with_partners, topics,
                                                                                      receivers, tmp_path):
    ids = {f"K-{n}" for n in range(10)}
    records = [r for n in range(10) for r in life(f"K-{n}", PARTNER_A, f"CP-{n % 4}")]
    async with receivers("tok-a") as a:
        await a.control(mode="slow", delay_s=2)
        settings = with_partners([a.partner(PARTNER_A)])
        worker = start_worker(settings, tmp_path / "worker.log")
        try:
            await publish(settings, records)

            async def in_flight() -> bool:
                assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
                return sum("done" not in e for e in (await a.state())["log"]) >= 3
            await until(in_flight, "requests in flight at the partner")
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            await a.control(mode="ok")
            worker = start_worker(settings, tmp_path / "worker.log")
            await until(delivered(a, ids), "every session COMPLETED and every CDR at the partner after the restart")

            async def unknown_landed() -> bool:
                return bool(lake_rows(settings, "select 1 from push_results where outcome = 'unknown'"))
            await until(unknown_landed, "the cut attempts in the lake")
        finally:
            worker.send_signal(signal.SIGTERM)
            await asyncio.to_thread(worker.wait, 30)
        state = await a.state()
    expected = {sid: next(v for t, _, v in records if t == "ocpi.cdrs.v1" and v["id"] == sid)["ocpi_json"]
                for sid in ids}
    assert state["cdrs"] == expected
    posts = [e["id"] for e in state["log"] if e["method"] == "POST"]
    assert set(posts) == ids and all(posts.count(i) <= 2 for i in ids)
    unknown = lake_rows(settings, "select object_id, error from push_results where outcome = 'unknown'")
    assert unknown and all(error == "outcome unknown: sent, no answer recorded" for _, error in unknown)
    assert {object_id for object_id, _ in unknown} <= ids
