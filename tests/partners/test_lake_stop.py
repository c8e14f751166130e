"""A worker stopped while its lake stage is writing a batch: the batch's records are not committed, so the next
worker lands them. (faust's ``take_events`` acks a batch when its agent is stopped mid-batch; before the lake
held its events itself, those offsets were committed at the stop and the records never reached the lake.)

The lake's disk is made slow for the first batch (the write waits until the worker has been told to stop):
what leaves the process is delayed, nothing of the pipeline is replaced."""

from __future__ import annotations

import threading

from objects import PARTNER_A, life
from test_delivery import stop_while, until
from test_stages import landed_cdr_ids

from pipelines import lake as lake_stage
from pipelines.worker import Worker


async def test_a_batch_being_written_when_the_worker_stops_lands_after_the_restart(with_partners, topics,
                                                                                     monkeypatch):
    ids = {f"L-{n}" for n in range(4)}
    records = [r for n in range(4) for r in life(f"L-{n}", PARTNER_A, f"CP-{n}", updates=1)]
    settings = with_partners([])  # no partner: the CDRs only land (and are dead-lettered by the push stage)
    writing, release = threading.Event(), threading.Event()
    real_write = lake_stage.write_batch

    def slow_disk(uri, table, *args, **kwargs):
        if table == "cdrs" and not release.is_set():
            writing.set()
            release.wait(60)
            raise OSError("the disk went away with the worker")  # the file of this batch is never written
        return real_write(uri, table, *args, **kwargs)

    monkeypatch.setattr(lake_stage, "write_batch", slow_disk)
    try:
        await stop_while(settings, records, writing, "the lake writing a batch of CDRs")
    finally:
        release.set()
    assert landed_cdr_ids(settings) == []
    async def all_landed() -> bool:
        return ids <= set(landed_cdr_ids(settings))
    async with Worker(settings):
        await until(all_landed, "every CDR in the lake after the restart")
