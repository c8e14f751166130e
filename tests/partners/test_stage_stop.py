"""A worker stopped while a per-event stage awaits in its body: that event is not committed, so the next worker
processes it. faust's stream acks the event in hand in a ``finally`` when its generator is closed, also after its
agent was cancelled; ``DeadLetters.decoded`` holds each event and acks it only when the body is done, so that
this ack never depends on whether faust's stop commits before or after the generator is closed. (Without the
hold this test passed too on this machine: the stop's commit came first. The lake's batches did lose records
that way, see test_lake_stop.)

Here the push stage is the per-event stage: a CDR for a partner nobody configured is dead-lettered from the
stage's body. The dead-letter topic's producer hangs for the first worker (the send waits until the worker is
stopped): what leaves the process is delayed, nothing of the pipeline is replaced."""

from __future__ import annotations

import asyncio

from objects import PARTNER_A, life
from test_delivery import stop_while, until
from test_registry_delivery import dead_lettered

from pipelines import worker as worker_module
from pipelines.worker import Worker


async def test_an_event_in_a_stage_body_when_the_worker_stops_is_processed_after_the_restart(with_partners,
                                                                                             topics, monkeypatch):
    records = [r for n in range(3) for r in life(f"P-{n}", PARTNER_A, f"CP-{n}", updates=1)]
    settings = with_partners([])  # no partner: the push stage dead-letters every CDR
    sending = asyncio.Event()
    real_declare = worker_module.declare_topics

    def with_a_hanging_dead_letter_producer(app, settings):
        declared = real_declare(app, settings)

        async def hang(*args, **kwargs):
            sending.set()
            await asyncio.Event().wait()  # until the stopping worker cancels the agent

        object.__setattr__(declared.deadletter, "send", hang)
        return declared

    monkeypatch.setattr(worker_module, "declare_topics", with_a_hanging_dead_letter_producer)
    await stop_while(settings, records, sending, "the push stage sending a dead letter")
    monkeypatch.undo()
    assert not await dead_lettered(settings, "P-0")()
    async with Worker(settings):
        for n in range(3):
            await until(dead_lettered(settings, f"P-{n}"), f"CDR P-{n} dead-lettered after the restart")
