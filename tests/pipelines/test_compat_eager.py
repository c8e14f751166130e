"""``pipelines.compat._eager_wait_first``: faust's consumer hands a record to the conductor without tasks
when the hand-over does not wait, and exactly as mode's ``wait_first`` when it does.

Driven on a real (unstarted) mode ``Service`` of faust's consumer class: ``wait_first`` only uses the
service's stopped and crashed events.
"""

from __future__ import annotations

import asyncio
import gc
import warnings

import pytest
from faust.transport.consumer import Consumer
from mode import Service

from pipelines import compat


class Probe(Service):
    """A service with faust's consumer's ``wait_first`` (patched or not), nothing else."""

    wait_first = compat._eager_wait_first


async def finishes_at_once(log: list[str]) -> str:
    log.append("ran")
    return "done"


async def waits_for(future: asyncio.Future, log: list[str]) -> str:
    log.append("started")
    value = await future
    log.append(f"resumed with {value}")
    return f"got {value}"


async def test_a_callback_that_does_not_wait_is_run_at_once_and_makes_no_task():
    probe, log, suspend = Probe(), [], asyncio.Event()
    tasks_before = len(asyncio.all_tasks())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a coroutine left unawaited would warn when collected
        result = await probe.wait_first(finishes_at_once(log), suspend.wait())
        gc.collect()
    assert log == ["ran"]
    assert result.results == ["done"] and not result.stopped
    assert len(asyncio.all_tasks()) == tasks_before


async def test_a_callback_that_waits_goes_on_from_where_it_stopped():
    probe, log, suspend = Probe(), [], asyncio.Event()
    future = asyncio.get_running_loop().create_future()
    waiting = asyncio.ensure_future(probe.wait_first(waits_for(future, log), suspend.wait()))
    await asyncio.sleep(0.01)
    assert log == ["started"]  # started once, not again under the task
    future.set_result(7)
    result = await asyncio.wait_for(waiting, 1)
    assert log == ["started", "resumed with 7"]
    assert result.results == ["got 7"] and not result.stopped


async def test_a_suspended_flow_still_wins_over_a_waiting_callback_which_is_cancelled():
    probe, log, suspend = Probe(), [], asyncio.Event()
    future = asyncio.get_running_loop().create_future()
    waiting = asyncio.ensure_future(probe.wait_first(waits_for(future, log), suspend.wait()))
    await asyncio.sleep(0.01)
    suspend.set()
    result = await asyncio.wait_for(waiting, 1)
    assert result.results == [True]  # the event's wait
    await asyncio.sleep(0)
    assert log == ["started"]
    assert future.cancelled()  # the cancellation reached the callback's own await


async def test_an_exception_of_a_callback_that_does_not_wait_is_raised():
    probe = Probe()

    async def fails() -> None:
        raise ValueError("bad record")

    with pytest.raises(ValueError, match="bad record"):
        await probe.wait_first(fails(), asyncio.Event().wait())


async def test_a_stopped_service_answers_stopped_as_before():
    probe, log = Probe(), []
    probe._stopped.set()
    result = await probe.wait_first(finishes_at_once(log), asyncio.Event().wait())
    assert result.stopped


def test_the_faust_fixes_install_it_on_fausts_consumer(monkeypatch):
    monkeypatch.setattr(Consumer, "wait_first", compat._original_wait_first)
    compat.apply_faust_fixes()
    assert Consumer.wait_first is compat._eager_wait_first
