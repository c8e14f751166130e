"""A worker's /ready answers 503 until its app runs with partitions assigned (test_metrics_e2e and test_up see
it turn 200)."""

from __future__ import annotations

import httpx
from scraped import Scraped

from pipelines.worker import Worker


async def test_a_worker_whose_app_has_not_started_is_not_ready(settings):
    worker = Worker(settings)
    await worker.ops.start()  # Worker.start serves these first, then starts the app
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            ready = await http.get(f"{worker.ops.url}/ready")
            scraped = Scraped((await http.get(f"{worker.ops.url}/metrics")).text)
    finally:
        await worker.ops.stop()
        await worker.sender.aclose()
    assert ready.status_code == 503
    assert scraped.value("roamstream_ready") == 0
    assert scraped.labelled("roamstream_consumer_lag") == []
    assert scraped.value("roamstream_sessions_open") == 0
