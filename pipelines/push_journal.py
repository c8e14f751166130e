"""The delivery lanes' journal: intents and results on ``push.results.v1``, final refusals on ``deadletter.v1``.

Intents and results go out through a confluent-kafka producer (``pipelines.group_commit``: librdkafka batches
them in C, off the event loop) instead of faust's per-record aiokafka path, and intents are acknowledged by group
commit: every intent produced while one flush is under way waits for the next flush, and one flush (in a thread)
acknowledges them all. The push stage's table writes (the ``push_ledger`` changelog) go out through the same
producer (``pipelines.table_writes.ChangelogWriter``): a push costs four ``produce`` calls and a share of flushes.

Before a request goes out, the pending record of the object it delivers must be at the broker too (else a worker
killed after the request would read its input again as new, and a partner's "already exists" would look final):
``intent`` first waits for that one record's changelog write to be acknowledged (``pending_durable``; done long
before, as a rule, when the lane was behind). So an acknowledged intent means: the intent and the pending record of
its object are durable.

The records are keyed by partner with faust's partitioner (murmur2), so a request's intent and result land in one
partition, in that order: the result is produced only after the flush that acknowledged the intent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from confluent_kafka import KafkaError

from pipelines.deadletter import DeadLetters
from pipelines.group_commit import GroupCommit
from pipelines.metrics import WorkerMetrics
from roamstream.avro import AvroSerde
from roamstream.config import Settings
from roamstream.partners.delivery.pending import Pending
from roamstream.partners.sender import Attempt, Request, intent_record

STAGE = "push"
TOPIC = "push.results.v1"
log = logging.getLogger(__name__)


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

    async def aclose(self) -> None:
        """Every record produced so far acknowledged (their futures done), then the producer closed; a later
        record (an agent's table write while the worker stops) opens a new one."""
        producer = self._producer
        if producer is not None:
            await producer.flushed()
            await asyncio.to_thread(producer.close)
            if self._producer is producer:
                self._producer = None


def _result_refused(err: KafkaError, _msg: Any) -> None:
    """A result record the broker refused (reported in a flush or poll thread): logged, as faust did."""
    log.error("%s: a result record was not delivered: %s", TOPIC, err.str())
