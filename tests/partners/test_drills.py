"""Drills with two partners in their own processes and a running worker:

- outage: partner A answers 503 for the first half, then refuses connections (a TCP switch in front of it
  closes) for the second half of ``ROAMSTREAM_DRILL_OUTAGE_S`` seconds (default 60, the issue's drill) while
  sessions keep coming for both; afterwards A holds exactly what it would have held without the outage, in
  order per session, and B got deliveries in both halves of A's outage. The figures (A's time to catch up
  after the outage, B's CDR delay during it and before it) are printed (``pytest -s``), not asserted: no
  timed assertions;
- slow: partner A answers every request after ``ROAMSTREAM_DRILL_SLOW_S`` (default 4) seconds; B gets all of
  its sessions and CDRs while A is still being served.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time

from objects import PARTNER_A, PARTNER_B, encode, life
from partner_processes import Switch, sessions_at
from test_delivery import assert_in_order, delivered, until

from pipelines.worker import Worker
from roamstream.avro import serde_for
from roamstream.kafka import AsyncProducer

OUTAGE_S = float(os.environ.get("ROAMSTREAM_DRILL_OUTAGE_S", "60"))
SLOW_S = float(os.environ.get("ROAMSTREAM_DRILL_SLOW_S", "4"))


class Feeder:
    """Publishes whole session lives (snapshots, COMPLETED, CDR) for both partners at a steady pace, and keeps
    when each CDR was published."""

    def __init__(self, settings) -> None:
        self._producer = AsyncProducer(settings)
        self._serde = serde_for(None)
        self.published: dict[str, float] = {}
        self.expected: dict[str, dict] = {}
        self.ids: dict[tuple[str, str], set[str]] = {PARTNER_A: set(), PARTNER_B: set()}

    async def run(self, seconds: float, per_second: float) -> None:
        n = 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for party in (PARTNER_A, PARTNER_B):
                sid = f"{party[1]}-{n}"
                records = life(sid, party, f"CP-{n % 7}")
                for topic, key, value in encode(self._serde, records):
                    await self._producer.send(topic, value, key)
                self.published[sid] = time.time()
                self.expected[sid] = {"session": json.loads(records[-2][2]["ocpi_json"]),
                                      "cdr": records[-1][2]["ocpi_json"]}
                self.ids[party].add(sid)
            n += 1
            await asyncio.sleep(1 / per_second)

    def close(self) -> None:
        self._producer.close()


def cdr_latencies(state: dict, feeder: Feeder, since: float, until_: float) -> list[float]:
    """Seconds from a CDR's publication to its arrival at the partner, for CDRs published in [since, until_)."""
    return [e["at"] - feeder.published[e["id"]] for e in state["log"]
            if e["method"] == "POST" and e["status"] == 201 and since <= feeder.published[e["id"]] < until_]


def figures(latencies: list[float]) -> dict:
    if not latencies:
        return {"n": 0}
    ordered = sorted(latencies)
    return {"n": len(ordered), "p50_s": round(statistics.median(ordered), 3),
            "p99_s": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 3),
            "max_s": round(ordered[-1], 3)}


def assert_as_without_outage(state: dict, feeder: Feeder, ids: set[str]) -> None:
    held = sessions_at(state)
    for sid in ids:
        assert held[sid] == feeder.expected[sid]["session"], sid
        assert state["cdrs"][sid] == feeder.expected[sid]["cdr"], sid
    assert set(state["cdrs"]) == ids


async def test_an_outage_of_one_partner_loses_nothing_and_does_not_hold_up_the_other(with_partners, topics,
                                                                                      receivers):
    async with receivers("tok-a") as a, receivers("tok-b") as b:
        switch = await Switch(int(a.url.rsplit(":", 1)[1])).open()
        settings = with_partners([a.partner(PARTNER_A, switch.url), b.partner(PARTNER_B)], backoff_s=0.2,
                                 backoff_cap_s=5.0)
        feeder = Feeder(settings)
        try:
            async with Worker(settings):
                warm = asyncio.create_task(feeder.run(2 + OUTAGE_S, per_second=4))
                await asyncio.sleep(2)
                outage_from = time.time()
                await a.control(mode="503")
                await asyncio.sleep(OUTAGE_S / 2)
                await switch.close()  # connections refused
                refusing_from = time.time()
                await asyncio.sleep(OUTAGE_S / 2)
                await switch.open()
                await a.control(mode="ok")
                outage_to = time.time()
                await warm
                await until(delivered(b, feeder.ids[PARTNER_B]), "B has everything")
                await until(delivered(a, feeder.ids[PARTNER_A]), "A has everything after its outage")
        finally:
            feeder.close()
            await switch.close()
        state_a, state_b = await a.state(), await b.state()
    assert_as_without_outage(state_a, feeder, feeder.ids[PARTNER_A])
    assert_as_without_outage(state_b, feeder, feeder.ids[PARTNER_B])
    assert_in_order(state_a, feeder.ids[PARTNER_A])
    assert_in_order(state_b, feeder.ids[PARTNER_B])
    refused = sum(e["status"] == 503 for e in state_a["log"])
    assert refused > 0, "the outage was seen by the sender"
    # B not held up: its CDRs kept arriving while A answered 503, and while A refused connections
    b_cdrs = [e["at"] for e in state_b["log"] if e["method"] == "POST" and e["status"] == 201]
    assert any(outage_from <= at < refusing_from for at in b_cdrs), "B got CDRs while A answered 503"
    assert any(refusing_from <= at < outage_to for at in b_cdrs), "B got CDRs while A refused connections"
    last_a = max(e["at"] for e in state_a["log"] if e["status"] in (200, 201))
    results = {"outage_s": OUTAGE_S, "sessions per partner": len(feeder.ids[PARTNER_A]),
               "A answered 503": refused,
               "A caught up after the outage ended (s)": round(last_a - outage_to, 3),
               "B CDR delay during A's outage": figures(cdr_latencies(state_b, feeder, outage_from, outage_to)),
               "B CDR delay before it": figures(cdr_latencies(state_b, feeder, 0, outage_from))}
    print(results)


async def test_a_slow_partner_does_not_stall_another(with_partners, topics, receivers):
    async with receivers("tok-a") as a, receivers("tok-b") as b:
        await a.control(mode="slow", delay_s=SLOW_S)
        settings = with_partners([a.partner(PARTNER_A), b.partner(PARTNER_B)], timeout_s=SLOW_S * 3)
        feeder = Feeder(settings)
        try:
            async with Worker(settings):
                await feeder.run(1.5, per_second=4)
                await until(delivered(b, feeder.ids[PARTNER_B]), "B has everything")
                state_a = await a.state()
                a_done_when_b_done = len(state_a["cdrs"])
                await a.control(mode="ok")
                await until(delivered(a, feeder.ids[PARTNER_A]), "A has everything in the end")
        finally:
            feeder.close()
        state_b = await b.state()
    assert a_done_when_b_done < len(feeder.ids[PARTNER_A]), "B was served while A was still slow"
    assert_as_without_outage(state_b, feeder, feeder.ids[PARTNER_B])
    print({"slow_s": SLOW_S, "A's CDRs when B had all": a_done_when_b_done,
           "B CDR delay": figures(cdr_latencies(state_b, feeder, 0, time.time()))})
