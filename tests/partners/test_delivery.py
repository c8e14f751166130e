"""Delivery through a running worker (embedded broker) to partners in their own processes: order per session,
one partner's outage or slowness never holding up another, and the spec's rules at the edges."""

from __future__ import annotations

import asyncio
import time

from conftest import sessions_at
from objects import PARTNER_A, encode, life

from pipelines.worker import Worker
from roamstream.avro import serde_for
from roamstream.kafka import AsyncProducer

LIVENESS_S = 90.0


async def publish(settings, records) -> None:
    producer = AsyncProducer(settings)
    try:
        for topic, key, value in encode(serde_for(None), records):
            await producer.send(topic, value, key)
    finally:
        producer.close()


async def until(condition, what: str, limit_s: float = LIVENESS_S) -> None:
    """Wait for an async ``condition``; a liveness bound, not a speed check."""
    deadline = time.monotonic() + limit_s
    while not await condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.2)


def delivered(receiver, ids: set[str]):
    async def check() -> bool:
        state = await receiver.state()
        done = sessions_at(state)
        return ids <= set(state["cdrs"]) and all(done.get(i, {}).get("status") == "COMPLETED" for i in ids)
    return check


def session_calls(state: dict, sid: str) -> list[dict]:
    return [e for e in state["log"] if e["path"].endswith(f"/sessions/NL/RST/{sid}")]


def assert_in_order(state: dict, ids: set[str]) -> None:
    """Per session: a PUT first, then PATCHes; its CDR POSTed once, after the partner answered the request that
    made its Session COMPLETED."""
    for sid in ids:
        answered = [e for e in session_calls(state, sid) if e["status"] == 200]
        assert answered and answered[0]["method"] == "PUT", (sid, answered)
        posts = [e for e in state["log"] if e["method"] == "POST" and e.get("id") == sid and e["status"] == 201]
        assert len(posts) == 1, (sid, posts)
        assert posts[0]["at"] >= answered[-1]["done"], (sid, answered[-1], posts[0])


async def test_every_session_and_cdr_reaches_the_partner_in_order(with_partners, topics, receivers):
    ids = {f"S-{n}" for n in range(12)}
    records = [r for n in range(12) for r in life(f"S-{n}", PARTNER_A, f"CP-{n % 5}")]
    async with receivers("tok-a") as a:
        settings = with_partners([a.partner(PARTNER_A)])
        async with Worker(settings):
            await publish(settings, records)
            await until(delivered(a, ids), "every session COMPLETED and every CDR at the partner")
        state = await a.state()
    assert_in_order(state, ids)
    for sid in ids:
        session = sessions_at(state)[sid]
        assert (session["kwh"], session["end_date_time"]) == (10, "2026-11-02T09:45:00Z")
