"""Narrow fixes for running faust. The first two are for the embedded tansu broker (DESIGN.md) and are used only
with the embedded profile (``apply_embedded_fixes``); the last two are faust's own and are used with every
broker (``apply_faust_fixes``).

- Fetch wait: faust hard-codes ``fetch_max_wait_ms=1500`` for its worker consumer; tansu holds every empty
  fetch that long, so each hop costs ~400 ms. We set the configured wait on the consumer before it starts.
- End offsets: tansu answers ListOffsets LATEST with the first offset of the partition's last record batch
  + 1, not the end. faust reads a table's changelog up to that "highwater" when it recovers, so a restarted
  worker stopped early and lost the rest of the last batch (the latest session states, push-ledger entries).
  We correct the answer with the high watermark of a Fetch from that offset, which tansu reports exactly.
- Records flowing while faust seeks (faust's own behaviour, not a tansu deviation): after recovery faust
  resumes the stream partitions and then seeks them to their committed offsets, with the consumer's flow
  still on from reading the changelogs. Records delivered during the seek are fetched again, the second
  copies are dropped as already read and their offsets may be committed as a gap: after a restart an agent
  missed records for good (the restart test saw CDRs landed in the lake and never pushed). We stop the flow
  on entry; faust resumes it itself once it has sought. Upstream faust 0.15.3 code, so a Kafka deployment
  most likely needs it too: ``apply_faust_fixes`` installs this fix alone (not verified against Kafka here).
- Four tasks per record (a cost, not a fault): faust's consumer hands every fetched record to the conductor
  through ``Service.wait_first(callback(message), suspend_flow.wait())``, which wraps the callback, the
  suspend event and the service's stopped and crashed events in four tasks and an ``asyncio.wait``; about a
  quarter of a worker's CPU at a few thousand records/s (bench/bench_pipeline.py). The callback finishes
  without waiting unless a stream buffer is full or the flow is stopped, so ``_eager_wait_first`` starts it
  at once (as Python 3.12's eager tasks do) and returns when it finishes there; a callback that does wait
  goes on, from where it stopped, under mode's ``wait_first`` as before. Installed with the other faust fix.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator, Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.tables.recovery import Recovery
from faust.transport.consumer import Consumer
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP
from mode.services import WaitResults

_original_create_worker_consumer = faust_aiokafka.AIOKafkaConsumerThread._create_worker_consumer
_original_highwaters = faust_aiokafka.AIOKafkaConsumerThread._highwaters
_fetch_wait_ms: int | None = None
#: how long one end-offset correction may take before it fails (the broker is local)
END_OFFSETS_TIMEOUT_S = 30.0


def _create_worker_consumer(self, transport):  # noqa: ANN001 - faust's own signature
    consumer = _original_create_worker_consumer(self, transport)
    if _fetch_wait_ms is not None:
        consumer._fetch_max_wait_ms = _fetch_wait_ms  # read by aiokafka when the consumer starts its fetcher
    return consumer


async def true_end_offsets(bootstrap_servers: str | list[str], reported: Mapping[TP, int],
                           fetch_wait_ms: int = 20) -> dict[TP, int]:
    """The end offset of each partition, given tansu's ListOffsets LATEST answer ``reported`` for it.

    ``reported - 1`` is the first offset of the partition's last batch (0: the partition is empty); a Fetch
    from there carries the partition's true high watermark.
    """
    ends = dict(reported)
    pending = {TopicPartition(tp.topic, tp.partition): tp for tp, end in reported.items() if end}
    if not pending:
        return ends
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=None, enable_auto_commit=False,
                                fetch_max_wait_ms=fetch_wait_ms)
    await consumer.start()
    try:
        consumer.assign(list(pending))
        for tp, original in pending.items():
            consumer.seek(tp, reported[original] - 1)
        async with asyncio.timeout(END_OFFSETS_TIMEOUT_S):
            while pending:
                await consumer.getmany(*pending, timeout_ms=100)
                for tp, original in list(pending.items()):
                    highwater = consumer.highwater(tp)
                    if highwater is not None:
                        ends[original] = max(reported[original], highwater)
                        del pending[tp]
    finally:
        await consumer.stop()
    return ends


async def _highwaters(self, partitions: Iterable[TP]) -> Mapping[TP, int]:
    reported = await _original_highwaters(self, partitions)
    if self.consumer.in_transaction:  # last stable offsets; not used (no transactions, DESIGN.md)
        return reported
    transport = self.transport
    servers = faust_aiokafka.server_list(transport.url, transport.default_port)
    return await true_end_offsets(servers, reported, _fetch_wait_ms or 20)


_original_on_recovery_completed = Recovery.on_recovery_completed


async def _on_recovery_completed(self: Recovery, generation_id: int = 0) -> None:
    """faust's ``Recovery.on_recovery_completed``, entered with the consumer's flow stopped: nothing is
    delivered until faust has sought the stream partitions and resumes the flow itself."""
    self.app.consumer.stop_flow()
    await _original_on_recovery_completed(self, generation_id)


_original_wait_first = Consumer.wait_first


class _Started:
    """A coroutine already started, awaited from where it stopped (it stopped on ``yielded``)."""

    __slots__ = ("coro", "yielded")

    def __init__(self, coro: Coroutine, yielded: Any) -> None:
        self.coro, self.yielded = coro, yielded

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, yielded = self.coro, self.yielded
        while True:
            try:
                sent = yield yielded
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - thrown in by the task (cancellation): handed on
                try:
                    yielded = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    yielded = coro.send(sent)
                except StopIteration as stop:
                    return stop.value


async def _go_on(started: _Started) -> Any:
    return await started


async def _eager_wait_first(self: Consumer, *coros: Any, timeout: Any = None) -> WaitResults:
    """mode's ``Service.wait_first``, with the first coroutine started at once: if it finishes without
    waiting, its result is the answer (the others are closed unstarted, no task is made)."""
    first, rest = coros[0], coros[1:]
    if not asyncio.iscoroutine(first) or self._stopped.is_set() or self._crashed.is_set():
        return await _original_wait_first(self, *coros, timeout=timeout)
    try:
        yielded = first.send(None)
    except StopIteration as stop:
        _close(rest)
        return WaitResults([first], [stop.value], False)
    except BaseException:
        _close(rest)
        raise
    return await _original_wait_first(self, _go_on(_Started(first, yielded)), *rest, timeout=timeout)


def _close(coros: tuple[Any, ...]) -> None:
    for coro in coros:
        if asyncio.iscoroutine(coro):
            coro.close()


def apply_faust_fixes() -> None:
    """Install the fixes that do not depend on the broker (idempotent)."""
    Recovery.on_recovery_completed = _on_recovery_completed
    Consumer.wait_first = _eager_wait_first


def apply_embedded_fixes(fetch_wait_ms: int) -> None:
    """Install the fixes (idempotent)."""
    global _fetch_wait_ms
    _fetch_wait_ms = fetch_wait_ms
    faust_aiokafka.AIOKafkaConsumerThread._create_worker_consumer = _create_worker_consumer
    faust_aiokafka.AIOKafkaConsumerThread._highwaters = _highwaters
    apply_faust_fixes()
