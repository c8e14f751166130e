"""``pipelines.event_batches`` over a real faust app's channel and stream (nothing is started against a broker):
batch sizes, events of an earlier consumer generation or taken while the flow stopped left out and *not*
acknowledged (an acknowledged offset is committed: they would be lost to the worker taking the partition over),
the yielded ones left for the caller to acknowledge, and the end when the actor stops. ``ack_events`` leaves a
consumer as ``Stream.ack`` per event does."""

from __future__ import annotations

import asyncio
import time

import faust
import pytest
from faust.types import TP, ConsumerMessage, Message

from pipelines import compat
from pipelines.app import create_app
from pipelines.event_batches import ack_events, event_batches
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


class Recorder(faust.Sensor):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []

    def on_stream_event_out(self, tp, offset, stream, event, state=None) -> None:
        self.calls.append(("event out", tp, offset, event.value, state))

    def on_message_out(self, tp, offset, message) -> None:
        self.calls.append(("message out", tp, offset, message.value))


async def acked_by(ack) -> dict:
    """A fresh app's consumer state after ``ack(stream, events)`` over events covering every branch of faust's
    acknowledgement: last reference or not, acknowledged before, below the committed offset, an offset already
    acknowledged, a topic without acks, a plain ``Message``, a gap, two partitions."""
    app = create_app(Settings())
    for name, acks in (("ocpp.events.v1", True), ("no.acks.v1", False)):
        app.topics.add(app.topic(name, acks=acks))
    await app.topics._update_indices()
    recorder = Recorder()
    app.sensors.add(recorder)
    stream = app.stream(app.channel())
    consumer = app.consumer
    tp0, tp1 = TP("ocpp.events.v1", 0), TP("ocpp.events.v1", 1)
    consumer._committed_offset[tp1] = 5
    consumer._waiting_for_ack = asyncio.get_running_loop().create_future()

    def consumed(tp: TP, offset: int, refs: int = 1, kind: type[Message] = ConsumerMessage) -> Message:
        m = kind(tp.topic, tp.partition, offset, 0.0, 0, None, b"cp", f"{tp.partition}/{offset}".encode(), b"", tp=tp,
                 generation_id=app.consumer_generation_id)
        m.incref(refs)
        consumer.track_message(m)
        return m

    before_acked = consumed(tp0, 3)
    before_acked.acked = True
    messages = [
        *(consumed(tp0, offset) for offset in (0, 1, 2)), before_acked, consumed(tp0, 5), consumed(tp0, 4, refs=2),
        consumed(tp0, 6), consumed(tp1, 3), consumed(tp1, 5), consumed(tp1, 6), consumed(tp1, 6), consumed(tp1, 7),
        consumed(TP("no.acks.v1", 0), 0), consumed(tp1, 8, kind=Message), consumed(tp1, 9), consumed(tp1, 10),
    ]
    events = [faust.Event(app, m.key, m.value, None, m) for m in messages]
    events.append(events[5])  # the second reference of offset 4: now its last
    await ack(stream, events)
    state = {
        "messages": [(m.value, m.acked, m.refcount) for m in messages],
        "acked": {tp: list(offsets) for tp, offsets in consumer._acked.items()},
        "acked index": {tp: set(offsets) for tp, offsets in consumer._acked_index.items()},
        "n acked": consumer._n_acked,
        "unacked": sorted(m.value for m in consumer.unacked),
        "committed": dict(consumer._committed_offset),
        "notified": consumer._waiting_for_ack.done(),
        "sensors": recorder.calls,
    }
    state["committable"] = {tp: consumer._new_offset(tp) for tp in (tp0, tp1)}
    return state


async def test_ack_events_leaves_the_consumer_as_stream_ack_per_event_does():
    async def per_event(stream, events):
        for event in events:
            await stream.ack(event)

    async def in_bulk(stream, events):
        ack_events(stream, events)

    expected = await acked_by(per_event)
    assert expected["committable"] == {TP("ocpp.events.v1", 0): 3, TP("ocpp.events.v1", 1): 8}
    assert expected["n acked"] == 11 and len(expected["unacked"]) == 5
    assert await acked_by(in_bulk) == expected


def test_the_faust_code_ack_events_reproduces_is_guarded():
    (bulk_ack,) = (fix for fix in compat.FIXES if fix.name == "bulk-ack")
    assert {guard.original.__qualname__ for guard in bulk_ack.guards} >= {
        "Stream.ack", "Event.ack", "Message.ack", "Message.decref", "ConsumerMessage.on_final_ack", "Consumer.ack"}
    assert compat.problems([bulk_ack]) == []
