"""Delivery through a running worker (embedded broker) to partners in their own processes: order per session,
one partner's outage or slowness never holding up another, and the spec's rules at the edges."""

from __future__ import annotations

import asyncio
import time

from objects import PARTNER_A, encode, life
from partner_processes import sessions_at

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


async def stop_while(settings, records, begun, what: str) -> None:
    """Run a worker, publish ``records`` and stop the worker once ``begun`` (a threading or asyncio Event) is set:
    a stop in the middle of what ``what`` names."""
    worker = await Worker(settings).start()
    try:
        await publish(settings, records)

        async def has_begun() -> bool:
            return begun.is_set()

        await until(has_begun, what)
    finally:
        await worker.stop()


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


def lake_rows(settings, sql: str) -> list[tuple]:
    from analytics import open_lake
    con = open_lake(settings.lake.uri, must_exist=False)  # polled while the lake is still being filled
    try:
        return con.execute(sql).fetchall()
    except Exception as exc:  # the lake has no push_results file yet
        if "No files found" in str(exc) or "does not exist" in str(exc):
            return []
        raise
    finally:
        con.close()


async def test_307_is_followed_with_method_and_body(with_partners, topics, receivers):
    async with receivers("tok-a") as a:
        await a.control(redirect=True)
        settings = with_partners([a.partner(PARTNER_A)])
        async with Worker(settings):
            await publish(settings, life("S-R", PARTNER_A, "CP-R", updates=2))
            await until(delivered(a, {"S-R"}), "the session and CDR delivered through 307s")
        state = await a.state()
    assert {e["status"] for e in state["log"] if not e["path"].startswith("/moved")} == {307}
    moved = [e["method"] for e in state["log"] if e["path"].startswith("/moved")]
    # PUT, PATCHes (snapshots read while one was in flight are coalesced into one), then the CDR
    assert moved[0] == "PUT" and moved[-1] == "POST" and set(moved[1:-1]) == {"PATCH"}


async def test_a_patch_answered_404_puts_the_whole_session_again(with_partners, topics, receivers):
    first, *rest = life("S-L", PARTNER_A, "CP-L", updates=3)
    async with receivers("tok-a") as a:
        settings = with_partners([a.partner(PARTNER_A)])
        async with Worker(settings):
            await publish(settings, [first])
            await until(lambda: _has_session(a, "S-L"), "the first PUT")
            await a.control(forget_sessions=True)  # the partner loses it
            await publish(settings, rest)
            await until(delivered(a, {"S-L"}), "the session COMPLETED at the partner again")
        state = await a.state()
    calls = [(e["method"], e["status"]) for e in session_calls(state, "S-L")]
    assert calls[0] == ("PUT", 200) and ("PATCH", 404) in calls
    after_404 = calls[calls.index(("PATCH", 404)) + 1]
    assert after_404 == ("PUT", 200)
    assert sessions_at(state)["S-L"]["kwh"] == 10


async def _has_session(receiver, sid: str) -> bool:
    return sid in (await receiver.state())["sessions"]


async def test_a_cdr_stored_by_a_partner_whose_answer_timed_out_counts_as_delivered(with_partners, topics,
                                                                                     receivers):
    records = [r for r in life("S-T", PARTNER_A, "CP-T", updates=1) if r[0] == "ocpi.cdrs.v1"]
    async with receivers("tok-a") as a:
        await a.control(mode="timeout_once", delay_s=3)
        # only the CDR is published: it waits ``cdr_session_wait_s`` for a Session that never comes, then goes
        settings = with_partners([a.partner(PARTNER_A)], timeout_s=1.0, backoff_s=0.1, cdr_session_wait_s=0.5)
        async with Worker(settings):
            await publish(settings, records)
            await until(lambda: _pushes(settings, "S-T", 2), "two attempts recorded in the lake")
        state = await a.state()
    posts = [e for e in state["log"] if e["method"] == "POST"]
    # stored, answered after the sender gave up (nobody read the answer); then "exists already"
    assert len(posts) == 2 and posts[1]["status"] == 400 and "S-T" in state["cdrs"]
    rows = lake_rows(settings, "select attempt, outcome, ok, error from push_results where object_id = 'S-T' "
                               "order by attempt")
    assert [(n, outcome, ok) for n, outcome, ok, _ in rows] == [(1, "transient", False),
                                                                (2, "already_exists", True)]
    assert rows[1][3].startswith("delivered: HTTP 400, OCPI status 2001")
    assert lake_rows(settings, "select acknowledged from int_reconciliation_lines where cdr_id = 'S-T'") == [(True,)]


async def _pushes(settings, object_id: str, count: int) -> bool:
    rows = lake_rows(settings, f"select count(*) from push_results where object_id = '{object_id}' "
                               "and outcome <> 'unknown'")
    return bool(rows) and rows[0][0] >= count


async def test_retry_after_is_kept_and_503_retried_until_delivered(with_partners, topics, receivers):
    async with receivers("tok-a") as a:
        await a.control(mode="503", retry_after=2)
        settings = with_partners([a.partner(PARTNER_A)], backoff_s=0.05)
        async with Worker(settings):
            await publish(settings, life("S-B", PARTNER_A, "CP-B", updates=1))
            await until(lambda: _refused(a, 2), "two refusals")
            await a.control(mode="ok")
            await until(delivered(a, {"S-B"}), "delivered once the partner answers again")
        state = await a.state()
    refused = [e["at"] for e in state["log"] if e["status"] == 503]
    assert all(b - a >= 2.0 - 0.05 for a, b in zip(refused, refused[1:], strict=False))  # Retry-After: 2


async def _refused(receiver, n: int) -> bool:
    return sum(e["status"] == 503 for e in (await receiver.state())["log"]) >= n


def most_at_once(log: list[dict]) -> int:
    """The most requests the partner was answering at the same moment."""
    edges = sorted([(e["at"], 1) for e in log] + [(e["done"], -1) for e in log])
    most = current = 0
    for _, step in edges:
        current += step
        most = max(most, current)
    return most


async def test_a_lane_behind_keeps_its_bound_and_sends_the_latest_session_state_once(with_partners, topics,
                                                                                     receivers):
    ids = {f"C-{n}" for n in range(6)}
    records = [r for n in range(6) for r in life(f"C-{n}", PARTNER_A, f"CP-{n}", updates=6)]
    async with receivers("tok-a") as a:
        await a.control(mode="slow", delay_s=0.5)
        settings = with_partners([a.partner(PARTNER_A)], max_in_flight=2)
        async with Worker(settings):
            await publish(settings, records)
            await until(delivered(a, ids), "every session COMPLETED and every CDR at the slow partner")
        state = await a.state()
    assert most_at_once(state["log"]) <= 2  # PARTNERS_MAX_IN_FLIGHT
    assert_in_order(state, ids)
    snapshots = sum(1 for topic, _, _ in records if topic == "ocpi.sessions.v1")
    session_requests = sum(len(session_calls(state, sid)) for sid in ids)
    assert session_requests < snapshots  # coalesced: 7 snapshots per session, fewer requests
    for sid in ids:
        assert sessions_at(state)[sid]["kwh"] == 10
