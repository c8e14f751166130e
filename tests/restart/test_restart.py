"""Issues 5 and 9, Restart: a worker killed (SIGKILL) several times at random moments while CDRs flow, and
started again each time, gives the CDRs of an uninterrupted run byte for byte; the lake holds each CDR id
once, and the partner receives no Credit CDR (nothing changed, so nothing is corrected).

One recorded OCPP feed (the simulator through the real endpoint) is fed to two runs on the embedded broker,
each with its own topics, consumer group, lake and demo eMSP, and a worker process (``roamstream worker``):

- *uninterrupted*: all records, one worker;
- *restarted*: the same records in five consecutive pieces, each cut inside open sessions. The first
  piece; once the worker has committed it (its open sessions now live only in the session-state changelog)
  each next piece, and SIGKILL at a random moment (seeded: ``DRILL_SEED``) after a CDR of it reached the
  partner (work in flight, offsets not committed, changelog writes maybe not flushed), and a new worker
  that must recover; the last one finishes.

Both runs' topics end up with the same records in the same order per partition, so the event-time pipeline
must give the same CDRs (DESIGN.md: a replay of the same topics yields byte-identical CDRs).
"""

from __future__ import annotations

import asyncio
import os
import random
import re

from restart_harness import Run, eventually, produce, record_feed, reference_records, split_mid_session

from roamstream.avro import serde_for
from roamstream.config import Settings
from roamstream.kafka import create_topics
from roamstream.sessions.ids import session_id

CHARGE_POINTS, SESSIONS = 8, 5
PIECES = 5  # the first is committed before any kill; a kill in each of the others
KILLS = PIECES - 1
SEED = int(os.environ.get("DRILL_SEED", "20261204"))


async def test_a_worker_killed_several_times_at_random_moments_gives_the_uninterrupted_cdrs(
        topics: Settings, tmp_path):
    serde = serde_for(None)
    rng = random.Random(SEED)
    simulated, feed = await record_feed(topics, serde, charge_points=CHARGE_POINTS, sessions=SESSIONS)
    sessions = {session_id(s.charge_point_id, s.transaction_id) for s in simulated}
    assert len(sessions) == CHARGE_POINTS * SESSIONS
    reference = reference_records(serde, sorted({s.charge_point_id for s in simulated}), CHARGE_POINTS)
    first, *rest = split_mid_session(feed, serde, PIECES)

    uninterrupted = Run.create("uninterrupted", topics, tmp_path)
    restarted = Run.create("restarted", topics, tmp_path)
    runs = [uninterrupted, restarted]

    def finished(run: Run) -> bool:
        """Every session priced or dead-lettered by pricing, and every CDR landed and at the partner."""
        outcome = run.outcome(serde)
        return outcome.sessions() >= sessions and set(run.store.cdrs) >= set(outcome.cdrs)

    killed_at: list[int] = []
    try:
        for run in runs:
            create_topics(run.settings)
            await produce(run.settings, reference)
            await run.start_emsp()
        await produce(uninterrupted.settings, feed)
        uninterrupted.start_worker()

        first_ends = await produce(restarted.settings, first)
        restarted.start_worker()
        await eventually(lambda: restarted.store.cdrs and restarted.committed(first_ends),
                         "the first part processed and committed", runs)
        for piece in rest:
            pushed_before = len(restarted.store.cdrs)
            await produce(restarted.settings, piece)
            if restarted.worker is None:
                restarted.start_worker()
            await eventually(lambda b=pushed_before: len(restarted.store.cdrs) > b, "a CDR of the piece pushed",
                             runs)
            await asyncio.sleep(rng.uniform(0, 0.5))  # a random moment while the piece's CDRs flow
            restarted.kill_worker()
            killed_at.append(len(restarted.store.cdrs))
        restarted.start_worker()

        for run in runs:
            await eventually(lambda run=run: finished(run), f"{run.name}: every session's outcome", runs)
    finally:
        for run in runs:
            await run.stop()
    expected, got = uninterrupted.outcome(serde), restarted.outcome(serde)

    # every kill but the last came with pieces still to produce (the last may find every CDR pushed already)
    assert len(killed_at) == KILLS and all(k < len(expected.cdrs) for k in killed_at[:-1]), killed_at
    # every session is accounted for: priced, or refused by pricing the same way in both runs
    assert expected.sessions() == sessions
    # the CDR set equals the uninterrupted run's, byte for byte: in the lake and at the partner
    assert got.cdrs == expected.cdrs
    assert got.priced_out == expected.priced_out
    assert got.other_dead == expected.other_dead == []
    assert {k: v.decode() for k, v in restarted.store.cdrs.items()} == expected.cdrs
    assert {k: v.decode() for k, v in uninterrupted.store.cdrs.items()} == expected.cdrs
    # no Credit CDR and no replacement: a restart changes no input (issue 9)
    corrections = re.compile(r"-(C|R\d+)$")  # roamstream.cdrs.resolve: <id>-C, <id>-R<n>
    assert [cdr_id for cdr_id in restarted.cdr_posts() if corrections.search(cdr_id)] == []
    assert [cdr_id for cdr_id in expected.cdrs if corrections.search(cdr_id)] == []
    # "no duplicate CDR ids": the lake's cdrs table has one row per id (checked above: a dict equal to the
    # partner's); a replay may land a CDR again in another file, but every copy is the same CDR, so the
    # deduplication by id loses nothing
    assert {cdr_id: jsons for cdr_id, (_, jsons) in got.raw_copies.items()} == dict.fromkeys(expected.cdrs, 1)
    # the partner: each CDR POSTed once without a restart
    assert sorted(uninterrupted.cdr_posts()) == sorted(expected.cdrs)
    # after a SIGKILL, the recovered push ledger stops every re-POST of a CDR whose acknowledgement was in
    # its changelog; a CDR pending at a kill (maybe sent, ledger write not yet at the broker) may be POSTed
    # again: the partner answers that it has it already, and after an unknown outcome that counts as
    # delivered (issue 10) -- in the ledger, never dead-lettered
    posts = restarted.cdr_posts()
    again = {cdr_id for cdr_id in posts if posts.count(cdr_id) > 1}
    assert set(posts) == set(expected.cdrs) and all(posts.count(cdr_id) <= 1 + KILLS for cdr_id in again)
    ledger = await restarted.ledger_keys()
    acknowledged = {key.rsplit("|", 1)[1] for key in ledger if "|session|" not in key}
    assert acknowledged == set(expected.cdrs)
    assert got.push_dead == []
    print({"seed": SEED, "CDRs at each kill": killed_at, "CDRs": len(expected.cdrs), "re-POSTed": sorted(again),
           "raw CDR rows": sum(rows for rows, _ in got.raw_copies.values())})
