"""Batches of events from an agent's stream, taken from its channel's queue a batch at a time.

faust's ``Stream.take_events`` hands each event through the stream's iterator first: one turn of the event loop
(``sleep(0)``), the stream sensors, the current-event bookkeeping and the buffering processor per event: about 20 µs
of CPU per event in the pipeline bench, a tenth of what the worker spent on one. ``event_batches`` takes the events
the consumer has put in the channel's queue as they are, a batch at a time, doing per event only what the stream's
iterator does for the consumer: track the message as unacknowledged and skip the events of an earlier consumer
generation (a rebalance since they were fetched) or delivered while flow is stopped.

A skipped event is dropped, *not* acknowledged, as faust's Cython stream iterator (the one workers run) does
(its pure-Python twin acknowledges it). An acknowledged offset is committed as done, and a batch is taken over up
to ``within_s``: when the flow stops meanwhile (a rebalance, or the worker stopping: faust suspends the flow and
clears the queues), the events already taken were never folded. Acknowledged, they could be committed, and
their sessions never completed (found by ``tests/restart/test_scale_out.py``: after the second worker left the
group, events of partitions it had held were never folded, 1 run in ~20; every run with ``within_s`` = 1 s).
Dropped, they are what faust's own ``clear()`` makes of the events still queued: not committed, read again from
the committed offset by whoever holds the partition next.

The events are not acknowledged here: the caller acks each one (``Stream.ack``) once it is done with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import faust


async def event_batches(stream: faust.StreamT, max_: int, within_s: float) -> AsyncIterator[list[faust.EventT]]:
    """Lists of at most ``max_`` events of ``stream``: each one from its first event for at most ``within_s``
    seconds (sooner when ``max_`` are there)."""
    channel = aiter(stream.channel)  # an iterator of the channel: subscribes it (for a topic: to the conductor)
    queue = channel.queue
    app = stream.app
    consumer = app.consumer
    acking_topics = app.topics.acking_topics
    track = consumer._unacked_messages.add
    on_message_in = stream._on_message_in
    loop = asyncio.get_running_loop()
    started = await stream.maybe_start()
    try:
        while not stream.should_stop:
            try:
                taken = await _take(queue, max_, within_s, loop)
            except StopAsyncIteration:  # thrown into the channel: the agent's actor is stopping (faust's iterator
                return                  # ends there too)
            batch = []
            active = app.flow_control.is_active()
            generation = app.consumer_generation_id
            for event in taken:
                if not isinstance(event, faust.EventT):
                    raise TypeError(f"{stream.channel} gave {event!r}, not an event")
                message = event.message
                if not active or message.generation_id != generation:
                    continue  # dropped, not acknowledged: read again from the committed offset (module doc)
                if not message.tracked and message.topic in acking_topics:
                    message.tracked = True
                    track(message)
                    on_message_in(message.tp, message.offset, message)
                batch.append(event)
            if batch:
                yield batch
    finally:
        stream._channel_stop_iteration(channel)
        if started:
            await stream.stop()


async def _take(queue: asyncio.Queue, max_: int, within_s: float, loop: asyncio.AbstractEventLoop) -> list:
    """The first item of ``queue`` (waiting for it), then up to ``max_`` in all: those there, and those that come
    within ``within_s`` seconds of the first."""
    taken = [await queue.get()]
    deadline = loop.time() + within_s
    while len(taken) < max_:
        while queue.qsize() and len(taken) < max_:
            taken.append(queue.get_nowait())
        remaining = deadline - loop.time()
        if len(taken) >= max_ or remaining <= 0:
            break
        try:
            taken.append(await asyncio.wait_for(queue.get(), remaining))
        except TimeoutError:
            break
    return taken
