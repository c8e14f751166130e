"""The delivery lanes' journal: intents and results on ``push.results.v1``, final refusals on ``deadletter.v1``.

Intents and results go out through a confluent-kafka producer (librdkafka batches them in C, off the event loop)
instead of faust's per-record aiokafka path, and intents are acknowledged by group commit: every intent produced
while one flush is under way waits for the next flush, and one flush (in a thread) acknowledges them all. No
delivery report is made for a record the broker took (``delivery.report.only.error``): a push costs two
``produce`` calls and a share of one flush, not a report and a thread hand-over per record.

Before a request goes out, the pending record of the object it delivers must be at the broker too (else a worker
killed after the request would read its input again as new, and a partner's "already exists" would look final):
``intent`` first waits for that one record's changelog write to be acknowledged (``pending_durable``; done long
before, as a rule, when the lane was behind), not for a flush of everything faust's producer holds, which took
20-120 ms per intent group under load and bounded a lane's throughput. So an acknowledged intent means: the intent
and the pending record of its object are durable.

The records are keyed by partner with faust's partitioner (murmur2), so a request's intent and result land in one
partition, in that order: the result is produced only after the flush that acknowledged the intent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from confluent_kafka import KafkaError, Producer

from pipelines.deadletter import DeadLetters
from pipelines.metrics import WorkerMetrics
from roamstream.avro import AvroSerde
from roamstream.config import Settings
from roamstream.kafka import DeliveryError, producer_config
from roamstream.partners.delivery.pending import Pending
from roamstream.partners.sender import Attempt, Request, intent_record

STAGE = "push"
TOPIC = "push.results.v1"
log = logging.getLogger(__name__)


class GroupCommit:
    """A confluent-kafka producer whose ``send`` returns once the broker has the record, acknowledging every
    record produced meanwhile with one ``flush``."""

    def __init__(self, settings: Settings, flush_timeout_s: float = 5.0) -> None:
        self._settings = settings
        self._producer = Producer(producer_config(settings, **{"delivery.report.only.error": True}))
        self._timeout = flush_timeout_s
        self._waiting: list[tuple[asyncio.Future, list[KafkaError]]] = []
        self._flusher: asyncio.Task | None = None

    def produce(self, topic: str, value: bytes, key: bytes, on_error: Any = None) -> None:
        """Produce without waiting (a refusal reaches ``on_error(err, msg)`` in a later flush or poll)."""
        while True:
            try:
                self._producer.produce(self._settings.topic(topic), value=value, key=key, on_delivery=on_error)
                return
            except BufferError:
                self._producer.poll(0.01)

    async def send(self, topic: str, value: bytes, key: bytes) -> None:
        errors: list[KafkaError] = []
        self.produce(topic, value, key, lambda err, _msg: errors.append(err))
        fut = asyncio.get_running_loop().create_future()
        self._waiting.append((fut, errors))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush())
        await fut

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                # until the broker has every record or librdkafka gave up on it (``message.timeout.ms``: then
                # its report names the error); a broker away for a while only makes the intents wait
                await asyncio.to_thread(self._drain)
            except Exception as exc:  # these intents are not known to be durable: their lanes try again
                for fut, _ in batch:
                    if not fut.done():
                        fut.set_exception(DeliveryError(f"{TOPIC}: flush failed: {exc!r}"))
                continue
            except BaseException as exc:  # cancelled with the worker: the waiting sends fail with it
                for fut, _ in batch + self._waiting:
                    if not fut.done():
                        fut.set_exception(DeliveryError(f"{TOPIC}: flush stopped: {exc!r}"))
                raise
            for fut, errors in batch:
                if fut.done():
                    continue
                if errors:
                    fut.set_exception(DeliveryError(f"{TOPIC}: {errors[0].str()}"))
                else:
                    fut.set_result(None)

    def _drain(self) -> None:
        while self._producer.flush(self._timeout):
            pass

    def close(self, timeout: float = 10.0) -> None:
        self._producer.flush(timeout)


class KafkaJournal:
    """The lanes' ``DeliveryLog``."""

    def __init__(self, settings: Settings, serde: AvroSerde, dead: DeadLetters, metrics: WorkerMetrics,
                 pending_durable: Callable[[Pending], Awaitable[None]] | None = None) -> None:
        self._settings = settings
        self._pending_durable = pending_durable
        self._serde = serde
        self._dead = dead
        self._metrics = metrics
        self._producer: GroupCommit | None = None

    @property
    def producer(self) -> GroupCommit:
        if self._producer is None:  # made on first use: a worker that never pushes opens no connection for it
            self._producer = GroupCommit(self._settings)
        return self._producer

    async def intent(self, item: Pending, request: Request, attempt: int) -> None:
        if self._pending_durable is not None:
            await self._pending_durable(item)
        record = intent_record(item.partner, request, attempt, item.event_time)
        await self.producer.send(TOPIC, self._serde.encode(TOPIC, record), item.partner.encode())

    async def result(self, item: Pending, attempt: Attempt, delivered: bool) -> None:
        record = attempt.record(item.event_time, delivered=delivered)
        self.producer.produce(TOPIC, self._serde.encode(TOPIC, record), item.partner.encode(), _result_refused)
        outcome = "delivered" if delivered else attempt.outcome.value
        self._metrics.pushes.labels(item.partner, item.kind, outcome).inc()

    async def final(self, item: Pending, attempt: Attempt) -> None:
        r = attempt.request
        document = {
            "pending": json.loads(item.encode()),
            "request": {"method": r.method, "url": attempt.final_url, "body": r.body.decode(errors="replace"),
                        "x_request_id": r.request_id},
            "response": {"http_status": attempt.http_status, "body": attempt.response_body,
                         "ocpi_status_code": attempt.ocpi_status_code},
        }
        reason = f"{item.kind} {item.object_id} refused by {item.partner}: {attempt.error}"
        await self._dead.send(STAGE, reason, event_time=item.event_time, key=item.charge_point_id.encode(),
                              payload=json.dumps(document).encode())

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close()
            self._producer = None


def _result_refused(err: KafkaError, _msg: Any) -> None:
    """A result record the broker refused (reported in a flush or poll thread): logged, as faust did."""
    log.error("%s: a result record was not delivered: %s", TOPIC, err.str())
