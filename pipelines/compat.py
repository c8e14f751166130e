"""Narrow fixes for running faust, guarded: each one is installed only on the faust/mode/aiokafka code it was
written against, and the broker-specific ones only on the broker they are for.

Guards (``check``, run by ``install`` before anything is replaced; ``CompatError`` with the reason otherwise):

- The installed faust-streaming, mode-streaming and aiokafka versions must lie in the ranges this project pins
  in ``pyproject.toml`` (read back from the installed package's metadata, so there is one list).
- Each function a fix replaces (and, for the fetch wait, the aiokafka method that reads the attribute it sets)
  must have the source it was written against: a SHA-256 of ``inspect.getsource`` per function, in ``FIXES``.
  A release that changes one of them stops the worker at start-up, with the function named, until someone
  has read the new code and updated the hash (and the range).
- The embedded-broker fixes are installed only with ``ROAMSTREAM_PROFILE=embedded`` AND a broker that says it
  is tansu (its Metadata cluster id, ``roamstream.broker.EMBEDDED_CLUSTER_ID``), asked by ``verify_broker``
  when the worker starts; the embedded profile pointed at anything else refuses to start. They act only for
  the faust apps so verified (``_embedded_apps``): an app for a real cluster in the same process, or one
  never verified, gets faust's own code.
- ``roamstream worker`` refuses to start with ``KAFKA_BOOTSTRAP_SERVERS`` set and ``ROAMSTREAM_PROFILE`` not
  set (``roamstream.cli.worker``): the embedded profile is the default, and a real cluster run with it would
  get the embedded broker's timings.

The fixes, and the decision for a real (Apache) Kafka cluster, from the installed sources (faust-streaming
0.15.3, mode-streaming 0.7.1, aiokafka 0.14.0):

- ``fetch-wait`` (embedded only). faust's ``AIOKafkaConsumerThread._create_worker_consumer`` hard-codes
  ``fetch_max_wait_ms=1500``; tansu holds every empty fetch that long, so each hop cost ~400 ms. We set the
  configured wait on the consumer before it starts (aiokafka's ``AIOKafkaConsumer.start`` hands
  ``self._fetch_max_wait_ms`` to its Fetcher, which is why that method is guarded too). Kafka: NOT installed.
  A Kafka broker answers a fetch as soon as ``fetch.min.bytes`` (1) are there, so 1500 ms only bounds an idle
  consumer's poll; a shorter wait would only add idle requests.
- ``true-end-offsets`` (embedded only). tansu answers ListOffsets LATEST with the first offset of the
  partition's last record batch + 1, not the end. faust reads a table's changelog up to that "highwater"
  when it recovers, so a restarted worker stopped early and lost the rest of the last batch. We correct the
  answer with the high watermark of a Fetch from that offset (``true_end_offsets``, which connects with the
  app's own SSL/SASL settings). Kafka: NOT installed. Kafka's ListOffsets LATEST is the log end offset, which
  is what faust's ``_highwaters`` expects (``consumer.end_offsets``); the correction would only cost a
  consumer and a fetch per changelog partition at every recovery.
- ``recovery-flow`` (every broker). faust's ``Recovery.on_recovery_completed`` resumes the stream partitions
  (``consumer.resume_partitions``) and then awaits ``consumer.perform_seek()`` to their committed offsets,
  with the consumer's flow still on from reading the changelogs (``resume_flow`` in ``Recovery._restart_
  recovery``). The fetcher's ``_drain_messages`` delivers whatever ``getmany`` returns meanwhile, from the
  positions before the seek; those records come again after it, are dropped as already read (``offset <
  read offset``), and the offsets in between may be committed as a gap (``_add_gap``): after a restart an
  agent missed records for good (the restart test saw CDRs in the lake never pushed). We stop the flow on
  entry; the original resumes it itself after the seek (``consumer.resume_flow()``), and faust's own
  ``getmany`` already handles a fetch that returns with the flow stopped ("Seek back to committed offsets").
  This is all client code, the broker only answers the fetches, so Kafka: INSTALLED (needed: the race is
  faust's; safe: the flow is stopped exactly where faust stops it itself on a rebalance, and every exit of
  the original either resumes it or leaves it to the next rebalance's recovery, which resumes it). Verified
  on the embedded broker only; nothing in it depends on the broker.
- ``seek-uncommitted`` (every broker). When faust drops records it fetched (the flow stopped, or a rebalance
  changed the generation) it "seeks back to committed offsets" (``Consumer.perform_seek`` ->
  ``seek_to_committed``), but aiokafka's ``AIOKafkaConsumer.seek_to_committed`` seeks a partition only if its
  committed offset is above 0: a partition committed at 0, or never committed (a topic's first records), kept
  the fetcher's position after the dropped records, and nothing read them again. Later records were processed
  and faust committed past the hole (``Consumer._new_offset`` checks the head of the acknowledged offsets only
  when the committed offset is truthy). Most likely what the scale-out test saw once in ~50 runs (not
  reproduced since): one CDR, the first record of its ``ocpi.cdrs.v1`` partition, never landed or pushed,
  the partition's next two were (``tests/pipelines/test_compat.py`` shows the seek itself). We seek those too:
  to 0, or to the beginning (the app resets to ``earliest``). Kafka: INSTALLED (aiokafka's and faust's code,
  not the broker's; safe: it seeks to exactly where ``auto_offset_reset=earliest`` starts a partition with no
  committed offset, at the points where faust already seeks every other partition back).
- ``eager-wait-first`` (every broker; a cost, not a fault). faust's consumer hands every fetched record to
  the conductor through mode's ``Service.wait_first(callback(message), suspend_flow.wait())``, which wraps
  the callback, the suspend event and the service's stopped and crashed events in four tasks and an
  ``asyncio.wait``; about a quarter of a worker's CPU at a few thousand records/s (bench/bench_pipeline.py).
  The callback finishes without waiting unless a stream buffer is full or the flow is stopped, so
  ``_eager_wait_first`` starts it at once (as Python 3.12's eager tasks do) and returns when it finishes
  there; a callback that does wait goes on, from where it stopped, under mode's ``wait_first`` as before.
  Kafka: INSTALLED (not needed for correctness; safe: pure asyncio scheduling in the worker, the same
  results and the same suspension behaviour, no broker involved; a worker on Kafka has the same per-record
  cost).
- ``flush-with-producer`` (every broker; our own producer, not a faust fault). The push stage writes its table's
  changelog through a confluent-kafka producer (``pipelines.table_writes.ChangelogWriter``), not faust's, and the
  sessions stage its snapshots and table changelogs (``pipelines.stage_output.StageOutput``). faust's
  ``Consumer._commit_offsets`` awaits ``app.producer.flush()`` before it commits offsets (outside transactions,
  which we do not use), so that every changelog record of the events committed is at the broker first; the fix
  makes the aiokafka driver's ``Producer.flush`` also await the flushes registered for its app
  (``flush_with_producer``), after its own. A registered flush that fails fails faust's commit: nothing is
  committed. ``_commit_offsets`` is guarded as well, since the guarantee rests on it calling the flush before
  ``_commit``. The sessions stage awaits ``app.producer.flush()`` itself before each write-back, so that its states
  never reach the changelog ahead of the records their events produced (``SessionsStage.write_back``). Kafka:
  INSTALLED (needed: without it, input offsets could be committed ahead of the push stage's pending state and of the
  sessions stage's outputs and states; safe: it only adds awaits for apps that registered one).
- ``table-registration-wait`` (every broker; a cost, not a fault). faust's ``TableManager.on_start`` sleeps
  one second before it registers the tables' changelog channels, so that tables an app defines while it
  starts still make it; only then does the conductor subscribe and the group join begin. Every table of a
  roamstream worker exists before its app starts (``pipelines.tables.Tables``), so the second only delays
  each start (every restart, every test's worker). ``_on_start_at_once`` is the original without the sleep.
  A table added later still fails loudly: faust raises "Too late to add tables" once the channels are
  registered. Kafka: INSTALLED (safe: the same steps in the same order, no broker involved).
- ``producer-buffer-ebb`` (every broker; a cost, not a fault). The conductor awaits ``ProducerBuffer.wait_until_ebb``
  for every record it hands on; that reads the buffer's ``size``, which reads the app's ``producer_threaded``
  setting, and every read of a faust setting goes through ``Settings.__getattribute__`` in Python: about 1.2 µs a
  record, a setting that cannot change (the producer is made threaded or not when it is created). When the
  threaded queue is not there and the pending queue holds at most ``max_messages``, ``size`` is at most
  ``max_messages`` whatever the setting (0 or that queue's length), so faust's would not wait either:
  ``_wait_until_ebb`` returns at once; otherwise it is faust's. Kafka: INSTALLED (safe: the same decision from
  the same queues, no broker involved).
- ``fetch-paused`` (every broker; a cost, not a fault). faust pauses a partition in its own books only
  (``Consumer.pause_partitions``): it stops asking aiokafka for the partition's records, but aiokafka's fetcher
  goes on fetching it. After a recovery faust pauses every table's changelog partitions, so each fetch request of
  a worker carried them all (29 of a bench worker's 40 partitions; an empty one in every request) and a table's own
  changelog writes were fetched back into the worker that wrote them, to lie unread in the fetcher's buffer. The
  embedded broker pays per partition fetched (``bench/bench_broker_fetch.py``). ``_fetch_records_unpaused``
  pauses in aiokafka, in the consumer's thread before each fetch of faust's, each assigned changelog partition
  faust has paused and does not read, and resumes the others; stream partitions are left to faust as before.
  Kafka: INSTALLED (not needed for correctness; safe: aiokafka fetches no partition faust would not take records
  from, drops what it had buffered for one when paused, and fetches it again from its position when faust
  resumes it, in the next fetch of faust's: a recovery or a standby reads its changelog as before).
- ``bulk-ack`` (every broker; a cost, not a fault; nothing replaced). ``pipelines.event_batches.ack_events``
  acknowledges a batch of events doing what ``Stream.ack`` does for each (``Event.ack``, ``Message.ack`` and
  ``decref``, ``ConsumerMessage.on_final_ack``, ``Consumer.ack``, the conductor's acking topics), without a
  coroutine and four calls per event. Its guards are the functions it reproduces: a faust that changes how an
  event is acknowledged stops the worker until ``ack_events`` has been read against it. Kafka: INSTALLED (the
  consumer's bookkeeping, no broker involved).
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.metadata
import inspect
import logging
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.consumer.fetcher import Fetcher, FetchResult
from faust.events import Event
from faust.streams import Stream
from faust.tables.manager import TableManager
from faust.tables.recovery import Recovery
from faust.transport.conductor import Conductor
from faust.transport.consumer import Consumer
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.transport.producer import ProducerBuffer
from faust.types import TP, ConsumerMessage, Message
from mode.services import WaitResults
from packaging.requirements import Requirement
from packaging.version import InvalidVersion, Version

from roamstream.exceptions import RoamstreamError

if TYPE_CHECKING:
    import faust

    from roamstream.config import Settings

log = logging.getLogger(__name__)


class CompatError(RoamstreamError):
    """A fix cannot be installed safely: other library versions or code than it was written for, or the
    embedded profile pointed at a broker that is not the embedded one."""


_original_create_worker_consumer = faust_aiokafka.AIOKafkaConsumerThread._create_worker_consumer
_original_highwaters = faust_aiokafka.AIOKafkaConsumerThread._highwaters
#: the faust apps created for the embedded broker -> their fetch wait; the embedded fixes act for these only
_embedded_apps: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
#: how long one end-offset correction may take before it fails (the broker is local)
END_OFFSETS_TIMEOUT_S = 30.0


def _create_worker_consumer(self, transport):  # noqa: ANN001 - faust's own signature
    consumer = _original_create_worker_consumer(self, transport)
    fetch_wait_ms = _embedded_apps.get(self.app)
    if fetch_wait_ms is not None:
        consumer._fetch_max_wait_ms = fetch_wait_ms  # read by aiokafka when the consumer starts its fetcher
    return consumer


async def true_end_offsets(bootstrap_servers: str | list[str], reported: Mapping[TP, int],
                           fetch_wait_ms: int = 20, *, auth: Mapping[str, Any] | None = None) -> dict[TP, int]:
    """The end offset of each partition, given tansu's ListOffsets LATEST answer ``reported`` for it.

    ``reported - 1`` is the first offset of the partition's last batch (0: the partition is empty); a Fetch
    from there carries the partition's true high watermark. ``auth``: aiokafka's security arguments
    (``security_protocol``, ``sasl_*``, ``ssl_context``; ``aiokafka_auth(settings)``), PLAINTEXT if unset.
    """
    ends = dict(reported)
    pending = {TopicPartition(tp.topic, tp.partition): tp for tp, end in reported.items() if end}
    if not pending:
        return ends
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=None, enable_auto_commit=False,
                                fetch_max_wait_ms=fetch_wait_ms, **(auth or {}))
    try:
        await consumer.start()
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
    fetch_wait_ms = _embedded_apps.get(self.app)
    if fetch_wait_ms is None:  # not an app for the embedded broker: the broker's answer is the end
        return reported
    if self.consumer.in_transaction:  # last stable offsets; not used (no transactions, DESIGN.md)
        return reported
    transport, conf = self.transport, self.app.conf
    servers = faust_aiokafka.server_list(transport.url, transport.default_port)
    auth = faust_aiokafka.credentials_to_aiokafka_auth(conf.broker_credentials, conf.ssl_context)
    return await true_end_offsets(servers, reported, fetch_wait_ms, auth=auth)


_original_on_recovery_completed = Recovery.on_recovery_completed


async def _on_recovery_completed(self: Recovery, generation_id: int = 0) -> None:
    """faust's ``Recovery.on_recovery_completed``, entered with the consumer's flow stopped: nothing is
    delivered until faust has sought the stream partitions and resumes the flow itself."""
    self.app.consumer.stop_flow()
    await _original_on_recovery_completed(self, generation_id)


_original_seek_to_committed = faust_aiokafka.AIOKafkaConsumerThread.seek_to_committed


async def _seek_to_committed(self: faust_aiokafka.AIOKafkaConsumerThread) -> Mapping[Any, int]:
    """faust's ``seek_to_committed``, then every assigned partition it left where the fetcher had got to sought
    to its committed position too: aiokafka seeks a partition only if its committed offset is above 0, so one
    committed at 0 or never committed kept its fetch position, and the records faust had fetched and dropped
    (flow stopped, generation changed) were never read again. At 0: offset 0; never committed: the beginning
    (the app's ``auto_offset_reset`` is ``earliest``: ``create_app``)."""
    committed = await _original_seek_to_committed(self)
    at_zero = [tp for tp, offset in committed.items() if offset == 0]
    unset = [tp for tp, offset in committed.items() if offset is None or offset < 0]
    if (at_zero or unset) and self.app.conf.consumer_auto_offset_reset == "earliest":
        await self.call_thread(_seek_to_start, self._ensure_consumer(), at_zero, unset)
    return committed


async def _seek_to_start(consumer: AIOKafkaConsumer, at_zero: list, unset: list) -> None:
    """In the consumer's own thread: ``at_zero`` to offset 0, ``unset`` to their beginning; those of them still
    assigned. A rebalance can take partitions away while faust looked up the committed offsets: aiokafka refuses
    a seek of a partition not assigned (``IllegalStateError``), and ``seek_to_beginning`` refuses all of them for
    one, which left the partitions still assigned where the fetcher had got to, past records faust had dropped
    (seen in a two-worker bench run: the warning "exception performing seek when flow not active"). Nothing is
    awaited between this check and the seeks, so the assignment cannot change in between."""
    assigned = consumer.assignment()
    for tp in at_zero:
        if tp in assigned:
            consumer.seek(tp, 0)
    unset = [tp for tp in unset if tp in assigned]
    if unset:
        await consumer.seek_to_beginning(*unset)


_original_fetch_records = faust_aiokafka.AIOKafkaConsumerThread._fetch_records
#: aiokafka consumers -> (the assignment, the changelog partitions) last paused in it by ``_pause_changelogs``
_paused_changelogs: weakref.WeakKeyDictionary[Any, tuple[Any, frozenset]] = weakref.WeakKeyDictionary()


async def _fetch_records_unpaused(self: faust_aiokafka.AIOKafkaConsumerThread, consumer: AIOKafkaConsumer,
                                  active_partitions: Any, timeout: float | None = None,
                                  max_records: int | None = None) -> Any:
    """faust's ``_fetch_records`` (in the consumer's thread), after the changelog partitions faust has paused are
    paused in aiokafka too, so that its fetcher stops fetching them."""
    _pause_changelogs(self.consumer, consumer, self.app.tables._changelogs)
    return await _original_fetch_records(self, consumer, active_partitions, timeout=timeout,
                                         max_records=max_records)


def _pause_changelogs(app_consumer: Consumer, consumer: AIOKafkaConsumer, changelogs: Mapping[str, Any]) -> None:
    """Pause in aiokafka each assigned changelog partition that faust has paused and does not read, and resume the
    others (why: ``fetch-paused`` in this module's docstring). Only changelog partitions are touched; a stream
    partition is fetched as before."""
    subscription = consumer._subscription.subscription
    assignment = subscription.assignment if subscription is not None else None
    if assignment is None:
        return
    # faust's sets are changed in the app's thread: copied here in one step (a set's copy runs no Python code in
    # between, so no other thread can change it meanwhile), then only looked into
    reading = app_consumer._active_partitions or ()
    paused = frozenset(tp for tp in frozenset(app_consumer._paused_partitions)
                       if tp.topic in changelogs and tp not in reading and tp in assignment.tps)
    last = _paused_changelogs.get(consumer)
    if last is not None and last[0] is assignment and last[1] == paused:
        return
    now = consumer.paused()
    pause = [TopicPartition(tp.topic, tp.partition) for tp in paused if tp not in now]
    resume = [tp for tp in now if tp.topic in changelogs and tp not in paused]
    if pause:
        consumer.pause(*pause)
    if resume:
        consumer.resume(*resume)
    _paused_changelogs[consumer] = (assignment, paused)


_original_wait_first = Consumer.wait_first
_original_producer_flush = faust_aiokafka.Producer.flush
_original_commit_offsets = Consumer._commit_offsets
#: faust apps -> flushes awaited whenever faust flushes the app's producer (before every offset commit)
_flushes: weakref.WeakKeyDictionary[Any, list[Callable[[], Awaitable[None]]]] = weakref.WeakKeyDictionary()


def flush_with_producer(app: faust.App, flush: Callable[[], Awaitable[None]]) -> None:
    """Have faust await ``flush`` whenever it flushes ``app``'s producer: before every offset commit (the
    ``flush-with-producer`` fix must be installed: ``install``, ``create_app``)."""
    _flushes.setdefault(app, []).append(flush)


async def _flush_with_registered(self: faust_aiokafka.Producer) -> None:
    """faust's ``Producer.flush``, then every flush registered for its app."""
    await _original_producer_flush(self)
    for flush in list(_flushes.get(self.app, ())):
        await flush()


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


_original_wait_until_ebb = ProducerBuffer.wait_until_ebb


async def _wait_until_ebb(self: ProducerBuffer) -> None:
    """faust's ``ProducerBuffer.wait_until_ebb``, after a look at the queues ``size`` counts: when neither can
    hold more than ``max_messages``, it would not wait."""
    if self.queue is None and len(self.pending._queue) <= self.max_messages:
        return
    await _original_wait_until_ebb(self)


_original_table_manager_on_start = TableManager.on_start


async def _on_start_at_once(self: TableManager) -> None:
    """faust's ``TableManager.on_start`` without its first ``sleep(1.0)``."""
    if not self.should_stop:
        await self._update_channels()
        await self.recovery.start()


# -- guards and installation ------------------------------------------------------------------------------

#: the distributions whose code the fixes replace or rely on; their ranges are pinned in pyproject.toml
GUARDED_DISTRIBUTIONS = ("faust-streaming", "mode-streaming", "aiokafka")


@dataclass(frozen=True)
class Replaced:
    """A function a fix replaces or relies on, and the SHA-256 of the source it was written against."""

    where: str
    original: Callable[..., Any]
    sha256: str


@dataclass(frozen=True)
class Fix:
    name: str
    embedded_only: bool
    guards: tuple[Replaced, ...]
    install: Callable[[], None]


def _install_fetch_wait() -> None:
    faust_aiokafka.AIOKafkaConsumerThread._create_worker_consumer = _create_worker_consumer


def _install_true_end_offsets() -> None:
    faust_aiokafka.AIOKafkaConsumerThread._highwaters = _highwaters


def _install_recovery_flow() -> None:
    Recovery.on_recovery_completed = _on_recovery_completed


def _install_seek_uncommitted() -> None:
    faust_aiokafka.AIOKafkaConsumerThread.seek_to_committed = _seek_to_committed


def _install_eager_wait_first() -> None:
    Consumer.wait_first = _eager_wait_first


def _install_flush_with_producer() -> None:
    faust_aiokafka.Producer.flush = _flush_with_registered


def _install_table_registration_wait() -> None:
    TableManager.on_start = _on_start_at_once


def _install_producer_buffer_ebb() -> None:
    ProducerBuffer.wait_until_ebb = _wait_until_ebb


def _install_fetch_paused() -> None:
    faust_aiokafka.AIOKafkaConsumerThread._fetch_records = _fetch_records_unpaused


def _install_nothing() -> None:
    """A guard only: the code it guards is reproduced elsewhere, nothing of faust's is replaced."""


FIXES: tuple[Fix, ...] = (
    Fix("fetch-wait", True, (
        Replaced("faust.transport.drivers.aiokafka.AIOKafkaConsumerThread._create_worker_consumer",
                 _original_create_worker_consumer,
                 "c2701bfc3e6f6cad95c2be36d6a255a86e2c57d18d36cc1082b5fb5c482d99d7"),
        Replaced("aiokafka.AIOKafkaConsumer.start", AIOKafkaConsumer.start,
                 "2f1ba70443327538800d348e61042cdedd5a5e6306f40ebe1a06dddba7494c45"),
    ), _install_fetch_wait),
    Fix("true-end-offsets", True, (
        Replaced("faust.transport.drivers.aiokafka.AIOKafkaConsumerThread._highwaters", _original_highwaters,
                 "a7f4f97d9f32aca2777713e22671d70eae4b3ae51541bb09a90448ce83acefce"),
    ), _install_true_end_offsets),
    Fix("recovery-flow", False, (
        Replaced("faust.tables.recovery.Recovery.on_recovery_completed", _original_on_recovery_completed,
                 "6ef567acf072e46da3fccbccc6d662371f634f622c3d510972d5df81f70ae3ac"),
    ), _install_recovery_flow),
    Fix("seek-uncommitted", False, (
        Replaced("faust.transport.drivers.aiokafka.AIOKafkaConsumerThread.seek_to_committed",
                 _original_seek_to_committed, "775ab0adc4b052abee204d5347a556412b1f77ed4de971adde69a55a1cb6f908"),
        Replaced("aiokafka.AIOKafkaConsumer.seek_to_committed (seeks only an offset above 0)",
                 AIOKafkaConsumer.seek_to_committed,
                 "f6cd85c8b70a4ccf7e862de24f6c5d985038eed3e140990f000aa4b52eda8d72"),
    ), _install_seek_uncommitted),
    Fix("eager-wait-first", False, (
        Replaced("mode.services.Service.wait_first (faust.transport.consumer.Consumer.wait_first)",
                 _original_wait_first, "feade6a31f8a67897cf687c54c66f5f4535288050bbaac07249ce2063d36ae2e"),
    ), _install_eager_wait_first),
    Fix("flush-with-producer", False, (
        Replaced("faust.transport.drivers.aiokafka.Producer.flush", _original_producer_flush,
                 "36d0cb3615f65b01010d1ec8c5b0f6180110e24c486799bc47c0d72be5152270"),
        Replaced("faust.transport.consumer.Consumer._commit_offsets (flushes app.producer before _commit)",
                 _original_commit_offsets, "1a6979904118844111259d182ca1c6e92ccc16364ccbe55c58e59d6e254a7adb"),
    ), _install_flush_with_producer),
    Fix("table-registration-wait", False, (
        Replaced("faust.tables.manager.TableManager.on_start", _original_table_manager_on_start,
                 "365dd25fbc0e068499c89e526516c638693a2d143b6ac249f84a60f5267fec9d"),
    ), _install_table_registration_wait),
    Fix("producer-buffer-ebb", False, (
        Replaced("faust.transport.producer.ProducerBuffer.wait_until_ebb", _original_wait_until_ebb,
                 "758dd5744044071bbc79609fa8e5bfc339818f186bc19b723de2c4c877412e00"),
        Replaced("faust.transport.producer.ProducerBuffer.size (the queues it counts)", ProducerBuffer.size.fget,
                 "b543a978fdece62e7d7c434eea6e842995d67cc1d3288434f5f26ad72c10a779"),
    ), _install_producer_buffer_ebb),
    Fix("fetch-paused", False, (
        Replaced("faust.transport.drivers.aiokafka.AIOKafkaConsumerThread._fetch_records", _original_fetch_records,
                 "39a2c6c79fc1455a199629912b533458a720c64983bc957420a42feef6593baa"),
        Replaced("faust.transport.consumer.Consumer.pause_partitions (the books _pause_changelogs reads)",
                 Consumer.pause_partitions, "27a1c94bdacd54de06593ec4eb040b32e9e7c9534e9af041f6ed66723df5f922"),
        Replaced("faust.transport.consumer.Consumer.resume_partitions", Consumer.resume_partitions,
                 "afe6b7c02a41d63cd46d47a03f09b547c85289c108de21d682970057d1015c3b"),
        Replaced("aiokafka.consumer.fetcher.Fetcher._get_actions_per_node (fetches no paused partition)",
                 Fetcher._get_actions_per_node, "1dab2cf937d165d0eeacc8da8ed2b0ebd80b321bb6583757e01cdc1013d31635"),
        Replaced("aiokafka.consumer.fetcher.FetchResult.check_assignment (drops a paused partition's records)",
                 FetchResult.check_assignment, "b5340df67e3f330f998e01e49adc7fd03dae24b8a0e201ae4325d3f980d3eae3"),
    ), _install_fetch_paused),
    Fix("bulk-ack", False, (
        Replaced("faust.streams.Stream.ack", Stream.ack,
                 "32d7171a89b0931d806a87dc81dcba5673dd9702f8a6add8426e0e236b9e8fef"),
        Replaced("faust.events.Event.ack", Event.ack,
                 "2d29a6eda87c4ce5f7a491e486c88be99b96f92bb05a7a70e9bf57a7609a3cda"),
        Replaced("faust.types.tuples.Message.ack", Message.ack,
                 "4751b72c4ed84153a7b6c14fdfe41cc92e477b38a6c6089cb785532ef5771688"),
        Replaced("faust.types.tuples.Message.decref", Message.decref,
                 "f23396189d0e55922d5c9c627879af52e076aa2a14262b4ea72aee86534c729b"),
        Replaced("faust.types.tuples.ConsumerMessage.on_final_ack", ConsumerMessage.on_final_ack,
                 "45d670b6a8ac4bd07a3e5600c89358638415b7a2bf1d17c03c260cfc1b8a8e5a"),
        Replaced("faust.transport.consumer.Consumer.ack", Consumer.ack,
                 "5fcf41cf45153475de3790dc56fec1b83335956dc8b3bf7ff6bbb2b57627f03f"),
        Replaced("faust.transport.conductor.Conductor.acks_enabled_for", Conductor.acks_enabled_for,
                 "77ff8a731d3085ed4a1ae9d9a3e016861e0951c1f2631a1a25e895724a1163b7"),
        Replaced("faust.transport.conductor.Conductor.acking_topics (the set acks_enabled_for reads)",
                 Conductor.acking_topics.fget, "9c39239fd68e860c6e90973003ddff525a19acb914ad50384e0345955f284973"),
    ), _install_nothing),
)


def source_sha256(function: Callable[..., Any]) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def installed_version(distribution: str) -> str:
    return importlib.metadata.version(distribution)


def pinned_ranges() -> dict[str, Requirement]:
    """The ranges pyproject.toml pins for ``GUARDED_DISTRIBUTIONS``, from the installed project's metadata."""
    try:
        requires = importlib.metadata.requires("roamstream") or []
    except importlib.metadata.PackageNotFoundError:
        raise CompatError("pipelines.compat: roamstream is not installed (no metadata to read the pinned faust, "
                          "mode and aiokafka ranges from): `make venv`") from None
    pinned = {}
    for line in requires:
        requirement = Requirement(line)
        if requirement.marker is None and requirement.name in GUARDED_DISTRIBUTIONS:
            pinned[requirement.name] = requirement
    missing = [d for d in GUARDED_DISTRIBUTIONS if d not in pinned]
    if missing:
        raise CompatError(f"pipelines.compat: pyproject.toml pins no range for {', '.join(missing)}")
    return pinned


def problems(fixes: Iterable[Fix]) -> list[str]:
    """Why ``fixes`` cannot be installed here (empty: they can)."""
    found = []
    for name, requirement in pinned_ranges().items():
        try:
            version = installed_version(name)
            ok = requirement.specifier.contains(Version(version), prereleases=True)
        except importlib.metadata.PackageNotFoundError:
            version, ok = "not installed", False
        except InvalidVersion:
            ok = False
        if not ok:
            found.append(f"{name} {version} is installed; the fixes were written for {requirement} "
                         "(pyproject.toml)")
    for fix in fixes:
        for guard in fix.guards:
            actual = source_sha256(guard.original)
            if actual != guard.sha256:
                found.append(f"fix {fix.name!r}: {guard.where} is not the code it was written against "
                             f"(source sha256 {actual[:16]}, expected {guard.sha256[:16]}; signature now "
                             f"{inspect.signature(guard.original)})")
    return found


def check(fixes: Iterable[Fix]) -> None:
    """Raise ``CompatError`` naming every mismatch if ``fixes`` cannot be installed on the installed code."""
    found = problems(fixes)
    if found:
        raise CompatError(
            "pipelines.compat refuses to start the worker:\n  - " + "\n  - ".join(found) + "\nRead each fix "
            "in pipelines/compat.py against the installed code; if it still holds, update the pinned range in "
            "pyproject.toml and the source hash in compat.FIXES (or install the pinned versions: `make venv`)."
        )


def fixes_for(embedded: bool) -> tuple[Fix, ...]:
    return tuple(fix for fix in FIXES if embedded or not fix.embedded_only)


def install(settings: Settings) -> tuple[Fix, ...]:
    """Check, then install, the fixes for ``settings``' profile (idempotent); the ones installed. The embedded
    ones act only for an app ``verify_broker`` then found on the embedded broker."""
    fixes = fixes_for(settings.profile == "embedded")
    check(fixes)
    for fix in fixes:
        fix.install()
    log.debug("faust fixes installed: %s", ", ".join(f.name for f in fixes))
    return fixes


def verify_broker(app: faust.App, settings: Settings, *,
                  identify_broker: Callable[[Settings], bool] | None = None) -> bool:
    """Before ``app`` starts (it asks the broker, blocking): with the embedded profile the broker must say it
    is tansu (``CompatError`` otherwise); then the embedded fixes act for ``app``. Whether they do."""
    from roamstream.broker import EMBEDDED_CLUSTER_ID, identifies_as_embedded

    identify = identify_broker or identifies_as_embedded
    servers = settings.kafka.bootstrap_servers
    embedded = identify(settings)
    if settings.profile != "embedded":
        if embedded:
            log.warning("ROAMSTREAM_PROFILE=%s, but the broker at %s is the embedded one (tansu): its deviations "
                        "are not corrected", settings.profile, servers)
        return False
    if not embedded:
        raise CompatError(
            f"ROAMSTREAM_PROFILE=embedded, but the broker at KAFKA_BOOTSTRAP_SERVERS={servers} is not the embedded "
            f"one (its cluster id is not {EMBEDDED_CLUSTER_ID!r}); for a real cluster set ROAMSTREAM_PROFILE=kafka"
        )
    check(fixes_for(embedded=True))
    _embedded_apps[app] = settings.kafka.fetch_max_wait_ms
    return True


def apply_faust_fixes() -> None:
    """Install the fixes that do not depend on the broker, unchecked (idempotent; ``install`` checks first)."""
    for fix in fixes_for(embedded=False):
        fix.install()
