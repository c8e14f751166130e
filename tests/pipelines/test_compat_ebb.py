"""``pipelines.compat._wait_until_ebb``: the conductor's wait for faust's producer buffer decides as faust's
``ProducerBuffer.wait_until_ebb`` does, without reading a faust setting per record. Driven on a real app's
producer buffer (nothing started): whether each one waits is seen from whether it flushes."""

from __future__ import annotations

import asyncio

import pytest
from faust.transport.producer import ProducerBuffer

from pipelines import compat
from pipelines.app import create_app
from roamstream.config import Settings


async def flushes(wait_until_ebb, buffer: ProducerBuffer) -> bool:
    flushed = []

    async def flush_atmost(n):
        flushed.append(n)
        return 0

    buffer.flush_atmost = flush_atmost
    await wait_until_ebb(buffer)
    del buffer.flush_atmost
    return bool(flushed)


@pytest.mark.parametrize("threaded", [False, True])
async def test_it_waits_exactly_when_fausts_waits(threaded: bool):
    app = create_app(Settings())
    app.conf.producer_threaded = threaded
    buffer = app.producer.buffer
    assert app.producer.buffer.wait_until_ebb.__func__ is compat._wait_until_ebb  # create_app installed it
    cases = []
    for pending in (0, buffer.max_messages, buffer.max_messages + 1):
        for threaded_queue in (None, 0, buffer.max_messages + 1):
            buffer.pending = asyncio.Queue()
            for _ in range(pending):
                buffer.pending.put_nowait(None)
            buffer.queue = None
            if threaded_queue is not None:
                buffer.queue = asyncio.Queue()
                for _ in range(threaded_queue):
                    buffer.queue.put_nowait(None)
            expected = await flushes(compat._original_wait_until_ebb, buffer)
            assert await flushes(compat._wait_until_ebb, buffer) == expected
            cases.append(expected)
    assert True in cases and False in cases
