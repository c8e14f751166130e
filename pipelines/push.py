"""Push: every Session and CDR reaches the eMSP that owns its token, through that partner's delivery lane
(``roamstream.partners.delivery``). This stage only makes objects pending and hands them to the lanes:

- an event is acknowledged once its object is in the ``push_pending`` table; faust flushes the table's
  changelog before it commits offsets, so the input offsets are never ahead of the pending state;
- after a restart or a rebalance, the lanes take up what the table holds for the partitions assigned;
- ``push.results.v1`` gets an intent record (acknowledged by the broker) before every request, and the
  attempt's result after it (``pipelines.push_journal``: a confluent-kafka producer, intents acknowledged
  by group commit); a final refusal goes to ``deadletter.v1`` with the request and the response.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime
from typing import Any

import faust

from pipelines.deadletter import DeadLetters
from pipelines.metrics import WorkerMetrics
from pipelines.push_journal import STAGE, KafkaJournal
from pipelines.table_writes import in_partition, store
from pipelines.tables import Tables
from pipelines.topics import Topics
from roamstream.avro import AvroSerde
from roamstream.config import PartnerSettings, Settings
from roamstream.kafka import DeliveryError
from roamstream.partners.delivery.lanes import Lanes, LaneSettings
from roamstream.partners.delivery.pending import Pending, decode, ledger_key, pending_key
from roamstream.partners.directory import PartnerDirectory
from roamstream.partners.exceptions import PendingStateError
from roamstream.partners.sender import OcpiSender

log = logging.getLogger(__name__)


def lane_settings(p: PartnerSettings) -> LaneSettings:
    return LaneSettings(max_in_flight=p.max_in_flight, backoff_s=p.backoff_s, backoff_cap_s=p.backoff_cap_s,
                        cdr_session_wait_s=p.cdr_session_wait_s)


class TableState:
    """The lanes' ``DeliveryState`` over the ``push_pending`` and ``push_ledger`` tables."""

    def __init__(self, tables: Tables, source_topic: str) -> None:
        self._tables = tables
        self._topic = source_topic
        #: key -> (stored bytes, decoded): a lane reads an object's state several times per request
        self._decoded: dict[bytes, tuple[bytes, Pending]] = {}
        #: key -> the changelog write of its latest pending record, until the broker acknowledged it
        self._writes: dict[bytes, asyncio.Future] = {}

    def put(self, item: Pending) -> None:
        """Make ``item`` pending: the table's value and its changelog record, in ``item.partition``."""
        raw = item.encode()
        table = self._tables.push_pending
        with in_partition(self._topic, item.partition):
            write = store(table, item.partition, item.key, raw)
        self._decoded[item.key] = (raw, item)
        self._writes[item.key] = write
        write.add_done_callback(lambda done, key=item.key: self._written(key, done))

    def _written(self, key: bytes, write: asyncio.Future) -> None:
        if self._writes.get(key) is write and not write.cancelled() and write.exception() is None:
            del self._writes[key]

    async def durable(self, item: Pending) -> None:
        """Return once the pending record of ``item``'s object is at the broker (at once if it was, or if it came
        from the changelog). A failed write is made again, and the caller told (``DeliveryError``)."""
        write = self._writes.get(item.key)
        if write is None:
            return
        try:
            await asyncio.shield(write)
        except asyncio.CancelledError:
            if not write.cancelled():
                raise
            failure: BaseException = asyncio.CancelledError()
        except Exception as exc:
            failure = exc
        else:
            return
        current = self.pending(item.key)
        if current is not None and self._writes.get(item.key) is write:
            self.put(current)
        raise DeliveryError(f"push_pending {item.key!r}: the changelog write failed: {failure!r}")

    def pending(self, key: bytes) -> Pending | None:
        raw = self._tables.push_pending.get(key)
        if not raw:
            self._decoded.pop(key, None)
            return None
        known = self._decoded.get(key)
        if known is not None and known[0] == raw:
            return known[1]
        item = decode(raw)
        self._decoded[key] = (raw, item)
        return item

    def ledger(self, key: bytes) -> bytes | None:
        return self._tables.push_ledger.get(key)

    def acknowledge(self, item: Pending, ledger_value: bytes) -> None:
        with in_partition(self._topic, item.partition):
            self._tables.push_ledger[item.ledger_key] = ledger_value
            self._drop(item)

    def drop(self, item: Pending) -> None:
        with in_partition(self._topic, item.partition):
            self._drop(item)

    def _drop(self, item: Pending) -> None:
        if self.pending(item.key) == item:  # else a newer state replaced it
            del self._tables.push_pending[item.key]
            self._decoded.pop(item.key, None)


def _iso(value: datetime) -> str:
    return value.isoformat()


def _newer(existing: bytes | None, last_updated: datetime) -> bool:
    """Does the stored JSON object (pending record or acknowledged Session) carry a later ``last_updated``?"""
    if not existing or not existing.startswith(b"{"):
        return False
    stored = json.loads(existing).get("last_updated")
    return stored is not None and datetime.fromisoformat(stored) >= last_updated


class Delivery:
    """The push stage: agents that make objects pending, and the lanes that deliver them."""

    def __init__(self, app: faust.App, settings: Settings, topics: Topics, tables: Tables, serde: AvroSerde,
                 dead: DeadLetters, sender: OcpiSender, directory: PartnerDirectory,
                 metrics: WorkerMetrics | None = None) -> None:
        self._app, self._topics, self._tables, self._serde, self._dead = app, topics, tables, serde, dead
        self._directory = directory
        self._source = settings.topic("ocpi.cdrs.v1")
        # an intent waits for the pending record of its object to be durable (``TableState.durable``)
        self._state = TableState(tables, self._source)
        self.journal = KafkaJournal(settings, serde, dead, metrics if metrics is not None else WorkerMetrics(),
                                    pending_durable=self._state.durable)
        self.lanes = Lanes(directory, sender, self._state, self.journal,
                           lane_settings(settings.partners))
        app.agent(topics.cdrs, name="push-cdrs")(self._cdrs)
        app.agent(topics.sessions, name="push-sessions")(self._sessions)
        app.agent(topics.push_requests, name="push-requests")(self._requests)
        tables.push_pending.on_recover(self._take_up)
        app.on_partitions_revoked.connect(self._revoked)

    @property
    def source_topic(self) -> str:
        """The topic whose partitions the pending state follows (``push_pending`` is co-partitioned with it)."""
        return self._source

    def make_pending(self, item: Pending) -> None:
        """In the event's context: the table write goes to the event's partition, before its offset."""
        self._state.put(item)
        self.lanes.add(item)

    def drop(self, item: Pending) -> None:
        """``item`` is not to be sent any more (unless a newer state replaced it meanwhile)."""
        self._state.drop(item)

    async def _cdrs(self, stream: faust.StreamT) -> None:
        async for event, cdr in self._dead.decoded(stream, "ocpi.cdrs.v1", STAGE):
            partner = self._directory.get(cdr["partner"])
            if partner is None or partner.url("cdrs") is None:
                await self._dead.send(STAGE, f"no partner configured for {cdr['partner']} (CDR {cdr['id']})",
                                      event, event_time=cdr["last_updated"])
                continue
            if self._tables.push_ledger.get(ledger_key(partner.key, "cdr", cdr["id"])):
                continue  # acknowledged already
            existing = self._tables.push_pending.get(pending_key(partner.key, "cdr", cdr["id"]))
            if existing is not None:
                continue  # pending already (a CDR never changes under its id)
            self.make_pending(Pending(
                "cdr", partner.key, cdr["id"], cdr["session_id"], cdr["ocpi_json"], _iso(cdr["last_updated"]),
                event.message.partition, cdr["charge_point_id"], time.time()))

    async def _sessions(self, stream: faust.StreamT) -> None:
        async for event, session in self._dead.decoded(stream, "ocpi.sessions.v1", STAGE):
            partner = self._directory.get(session["partner"] or "")
            if partner is None or partner.url("sessions") is None:
                continue  # sessions are pushed to partners that asked for them; the lake has them all
            key = pending_key(partner.key, "session", session["id"])
            existing = self._tables.push_pending.get(key)
            if _newer(existing, session["last_updated"]) or _newer(
                    self._tables.push_ledger.get(ledger_key(partner.key, "session", session["id"])),
                    session["last_updated"]):
                continue  # the partner has, or will get, this state or a later one
            since = decode(existing).since if existing else time.time()
            self.make_pending(Pending(
                "session", partner.key, session["id"], session["id"], session["ocpi_json"],
                _iso(session["last_updated"]), event.message.partition, session["charge_point_id"], since))

    async def _requests(self, stream: faust.StreamT) -> None:
        async for event, request in self._dead.decoded(stream, "push.requests.v1", STAGE):
            try:
                item = decode(request["pending_json"].encode())
            except PendingStateError as exc:
                await self._dead.send(STAGE, str(exc), event)
                continue
            if self._directory.get(item.partner) is None:
                await self._dead.send(STAGE, f"no partner configured for {item.partner} ({request['action']})",
                                      event)
                continue
            self.make_pending(item.with_(partition=event.message.partition, since=time.time(),
                                          force=request["action"] == "resend"))

    async def _take_up(self) -> None:
        assigned = {tp.partition for tp in self._app.consumer.assignment() if tp.topic == self._source}
        items = []
        for key, raw in list(self._tables.push_pending.items()):
            try:
                item = decode(raw)
            except PendingStateError:
                log.error("push_pending %r: unreadable record dropped from delivery", key)
                continue
            if item.partition in assigned:
                items.append(item)
        taken = self.lanes.load(items)
        log.info("delivery: took up %d pending pushes", taken)

    async def _revoked(self, sender: Any, revoked: set, **_: Any) -> None:
        self.lanes.revoke({tp.partition for tp in revoked if tp.topic == self._source})

    async def stop(self) -> None:
        await self.lanes.stop()
        await asyncio.to_thread(self.journal.close)


def register(app: faust.App, settings: Settings, topics: Topics, tables: Tables, serde: AvroSerde,
             dead: DeadLetters, sender: OcpiSender, directory: PartnerDirectory,
             metrics: WorkerMetrics | None = None) -> Delivery:
    return Delivery(app, settings, topics, tables, serde, dead, sender, directory, metrics)
