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

The events are not acknowledged here: the caller acks them once it is done with them, with ``Stream.ack`` or, a
batch at a time, ``ack_events``. ``Stream.ack`` is a coroutine per event over four calls into faust and an
``RLock`` taken three times (``Event.ack``, ``Message.ack``, ``ConsumerMessage.on_final_ack``, ``Consumer.ack``):
about 2.3 µs an event. ``ack_events`` does exactly what those do, per event and in order, under the lock taken
once: about 0.9 µs. It reproduces faust's code, so ``pipelines.compat`` guards that code (the ``bulk-ack``
entry of ``compat.FIXES``: a faust that changed it stops the worker at start-up until someone has read it again).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import faust
from faust.transport.consumer import Consumer
from faust.types import ConsumerMessage
from faust.types.tuples import ack_lock
from mode.utils.futures import notify


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
                # faust.Event (what the conductor makes) first: isinstance of the ABC takes ~0.3 µs
                if type(event) is not faust.Event and not isinstance(event, faust.EventT):
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


def ack_events(stream: faust.StreamT, events: list[faust.EventT]) -> None:
    """What ``await stream.ack(event)`` does for each of ``events`` (events of ``stream``, so of its app's
    consumer), in order: the message's reference count down by one and, at none left, the message acknowledged:
    for a ``ConsumerMessage`` of an acking topic, its offset among the consumer's acknowledged ones (unless it is
    below the committed offset or there already) and the message no longer unacknowledged. Then the stream's
    sensors, per event: ``on_stream_event_out``, and ``on_message_out`` for the messages acknowledged here.
    The bookkeeping is one critical section under faust's ``ack_lock`` (faust takes it per event); the sensors
    are called after it, outside the lock, as ``Stream.ack`` calls them."""
    consumer = stream.app.consumer
    acking_topics = stream.app.topics.acking_topics
    committed_offsets, acked_indices, acked = consumer._committed_offset, consumer._acked_index, consumer._acked
    unacked = consumer._unacked_messages
    consumer_ack_is_fausts = type(consumer).ack is Consumer.ack
    last = [False] * len(events)
    with ack_lock:
        n_acked = 0
        notifying = False
        for i, event in enumerate(events):
            message = event.message
            if message.acked:
                continue
            refcount = message.refcount = max(message.refcount - 1, 0)  # Message.ack: decref
            if refcount:
                continue
            if type(message) is not ConsumerMessage or not consumer_ack_is_fausts:
                last[i] = message.on_final_ack(consumer)  # anything but faust's Consumer.ack (below): as it is
                continue
            message.acked = True  # ConsumerMessage.on_final_ack: Consumer.ack
            if message.topic not in acking_topics:
                continue
            notifying = True
            tp, offset = message.tp, message.offset
            committed = committed_offsets[tp]
            if committed is None or offset >= committed:
                index = acked_indices[tp]
                if offset not in index:
                    unacked.discard(message)
                    index.add(offset)
                    acked[tp].append(offset)
                    n_acked += 1
                    last[i] = True
        consumer._n_acked += n_acked
        if notifying:
            notify(consumer._waiting_for_ack)
    on_stream_event_out, on_message_out = stream._on_stream_event_out, stream._on_message_out
    for event, acknowledged in zip(events, last, strict=True):
        message = event.message
        tp, offset = message.tp, message.offset
        on_stream_event_out(tp, offset, stream, event)
        if acknowledged:
            on_message_out(tp, offset, message)
