"""``pipelines.event_batches`` over a real faust app's channel and stream (nothing is started against a broker):
batch sizes, events of an earlier consumer generation or taken while the flow stopped left out and *not*
acknowledged (an acknowledged offset is committed: they would be lost to the worker taking the partition over),
the yielded ones left for the caller to acknowledge, and the end when the actor stops."""

from __future__ import annotations

import asyncio
import time

import faust
import pytest
from faust.types import Message

from pipelines.app import create_app
from pipelines.event_batches import event_batches
from roamstream.config import Settings


@pytest.fixture
def app() -> faust.App:
    app = create_app(Settings())
    app.flow_control.resume()  # as a worker does once its partitions are assigned (test_context does the same)
    return app


def message(app: faust.App, offset: int, generation: int | None = None) -> Message:
    return Message(topic="ocpp.events.v1", partition=0, offset=offset, timestamp=time.time(), timestamp_type=0,
                   headers=None, key=b"CP-A", value=f"event {offset}".encode(), checksum=b"",
                   serialized_key_size=0, serialized_value_size=0,
                   generation_id=app.consumer_generation_id if generation is None else generation)


async def put(app: faust.App, channel: faust.ChannelT, *messages: Message) -> None:
    for m in messages:
        await channel.put(faust.Event(app, m.key, m.value, None, m))


async def take(batches, n: int) -> list[list[faust.EventT]]:
    return [await asyncio.wait_for(anext(batches), 5) for _ in range(n)]


async def batches_of(app: faust.App, max_: int, within_s: float):
    """A channel, its stream's batches and the first batch asked for (the channel's iterator is subscribed and
    waits for an event)."""
    channel = app.channel()
    stream = app.stream(channel)
    batches = event_batches(stream, max_, within_s)
    first = asyncio.ensure_future(anext(batches))
    await asyncio.sleep(0)
    return channel, stream, batches, first


async def test_batches_of_at_most_max_events_in_order(app: faust.App):
    channel, _, batches, first = await batches_of(app, 3, 0.01)
    await put(app, channel, *(message(app, offset) for offset in range(7)))
    got = [await asyncio.wait_for(first, 5), *await take(batches, 2)]
    assert [[e.message.offset for e in batch] for batch in got] == [[0, 1, 2], [3, 4, 5], [6]]
    assert not any(e.message.acked for batch in got for e in batch)  # the caller acks them
    await batches.aclose()


async def test_a_batch_waits_within_s_for_more_events(app: faust.App):
    channel, _, batches, first = await batches_of(app, 100, 0.5)
    await put(app, channel, message(app, 0))
    await asyncio.sleep(0.05)
    assert not first.done()  # held for what comes within 0.5 s of the first event
    await put(app, channel, message(app, 1))
    batch = await asyncio.wait_for(first, 5)
    assert [e.message.offset for e in batch] == [0, 1]
    await batches.aclose()


async def test_events_of_an_earlier_generation_are_left_out_unacknowledged(app: faust.App):
    channel, _, batches, first = await batches_of(app, 10, 0.01)
    old = [message(app, 0, generation=app.consumer_generation_id - 1), message(app, 1, generation=-5)]
    current = message(app, 2)
    await put(app, channel, *old, current)
    batch = await asyncio.wait_for(first, 5)
    assert [e.message.offset for e in batch] == [2]
    assert [m.acked for m in old] == [False, False] and not current.acked
    await batches.aclose()


async def test_events_taken_before_the_flow_stops_within_the_batch_wait_are_left_out_unacknowledged(app: faust.App):
    """A rebalance or a stop suspends the flow while a batch is still gathering: the events it holds were never
    folded, so they must not count as done (they are read again from the committed offset)."""
    channel, _, batches, first = await batches_of(app, 100, 0.3)
    held = [message(app, 0), message(app, 1)]
    await put(app, channel, *held)
    await asyncio.sleep(0.05)
    assert not first.done()  # gathering for up to 0.3 s
    app.flow_control.suspend()  # as faust's App._stop_consumer and on_rebalance_start do
    nxt = None
    try:
        await asyncio.wait_for(asyncio.shield(first), 0.6)
    except TimeoutError:  # the batch was dropped: the iterator waits for the next event
        nxt = first
    assert nxt is not None and not nxt.done(), "a batch taken while the flow was on was yielded after it stopped"
    assert [m.acked for m in held] == [False, False]  # an acknowledged offset is committed as done
    app.flow_control.resume()
    await put(app, channel, message(app, 2))
    assert [e.message.offset for e in await asyncio.wait_for(first, 5)] == [2]
    await batches.aclose()


async def test_the_batches_end_when_the_actor_stops_the_channel(app: faust.App):
    channel, stream, batches, first = await batches_of(app, 10, 0.01)
    await put(app, channel, message(app, 0))
    assert len(await asyncio.wait_for(first, 5)) == 1
    nxt = asyncio.ensure_future(anext(batches))
    await asyncio.sleep(0)
    stream.channel._throw(StopAsyncIteration())  # what faust's Actor.cancel does when the agent stops
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(nxt, 5)
