"""Push: every Session and CDR reaches the eMSP that owns its token, through that partner's delivery lane
(``roamstream.partners.delivery``). This stage only makes objects pending and hands them to the lanes:

- an event is acknowledged once its object is pending in the ``push_ledger`` table (``pipelines.push_state``: one
  record per object holds its pending state and its ledger value); the table's changelog records go out through
  the journal's confluent-kafka producer (``pipelines.table_writes.ChangelogWriter``), which faust flushes before
  it commits offsets (``pipelines.compat``: ``flush-with-producer``), so the input offsets are never ahead of the
  pending state;
- after a restart or a rebalance, the lanes take up what the table holds for the partitions assigned;
- ``push.results.v1`` gets an intent record (acknowledged by the broker) before every request, and the
  attempt's result after it (``pipelines.push_journal``: a confluent-kafka producer, intents acknowledged
  by group commit); a final refusal goes to ``deadletter.v1`` with the request and the response.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from typing import Any

import faust

from pipelines import compat
from pipelines.deadletter import DeadLetters
from pipelines.metrics import WorkerMetrics
from pipelines.push_journal import STAGE, KafkaJournal
from pipelines.push_state import TableState
from pipelines.table_writes import ChangelogWriter
from pipelines.tables import Tables
from pipelines.topics import Topics
from roamstream.avro import AvroSerde
from roamstream.config import PartnerSettings, Settings
from roamstream.partners.delivery.lanes import Lanes, LaneSettings
from roamstream.partners.delivery.pending import Pending, decode, ledger_key
from roamstream.partners.directory import PartnerDirectory
from roamstream.partners.exceptions import PendingStateError
from roamstream.partners.sender import OcpiSender

log = logging.getLogger(__name__)


def lane_settings(p: PartnerSettings) -> LaneSettings:
    return LaneSettings(max_in_flight=p.max_in_flight, backoff_s=p.backoff_s, backoff_cap_s=p.backoff_cap_s,
                        cdr_session_wait_s=p.cdr_session_wait_s)


def _iso(value: datetime) -> str:
    return value.isoformat()


def _newer(existing: bytes | None, last_updated: datetime) -> bool:
    """Does the acknowledged Session (JSON) carry a later ``last_updated``?"""
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
        # the table's changelog goes out through the journal's producer, flushed before faust commits offsets;
        # an intent waits for the pending record of its object to be durable (``TableState.durable``)
        self._writer = ChangelogWriter(lambda: self.journal.producer)
        compat.flush_with_producer(app, self._writer.flush)
        self._state = TableState(tables, self._source, self._writer)
        self.journal = KafkaJournal(settings, serde, dead, metrics if metrics is not None else WorkerMetrics(),
                                    pending_durable=self._state.durable)
        self.lanes = Lanes(directory, sender, self._state, self.journal,
                           lane_settings(settings.partners))
        app.agent(topics.cdrs, name="push-cdrs")(self._cdrs)
        app.agent(topics.sessions, name="push-sessions")(self._sessions)
        app.agent(topics.push_requests, name="push-requests")(self._requests)
        tables.push_ledger.on_recover(self._take_up)
        app.on_partitions_revoked.connect(self._revoked)

    @property
    def source_topic(self) -> str:
        """The topic whose partitions the pending state follows (``push_ledger`` is co-partitioned with it)."""
        return self._source

    def make_pending(self, item: Pending) -> None:
        """In the event's context: the table write goes to the event's partition, before its offset."""
        self._state.put(item)
        self.lanes.add(item)

    def drop(self, item: Pending) -> None:
        """``item`` is not to be sent any more (unless a newer state replaced it meanwhile)."""
        self._state.drop(item)

    @property
    def state(self) -> TableState:
        """Each object's pending state and ledger value (``push_ledger``)."""
        return self._state

    async def _cdrs(self, stream: faust.StreamT) -> None:
        async for event, cdr in self._dead.decoded(stream, "ocpi.cdrs.v1", STAGE):
            partner = self._directory.get(cdr["partner"])
            if partner is None or partner.url("cdrs") is None:
                await self._dead.send(STAGE, f"no partner configured for {cdr['partner']} (CDR {cdr['id']})",
                                      event, event_time=cdr["last_updated"])
                continue
            if self._state.known(ledger_key(partner.key, "cdr", cdr["id"])):
                continue  # acknowledged, or pending, already (a CDR never changes under its id)
            self.make_pending(Pending(
                "cdr", partner.key, cdr["id"], cdr["session_id"], cdr["ocpi_json"], _iso(cdr["last_updated"]),
                event.message.partition, cdr["charge_point_id"], time.time()))

    async def _sessions(self, stream: faust.StreamT) -> None:
        async for event, session in self._dead.decoded(stream, "ocpi.sessions.v1", STAGE):
            partner = self._directory.get(session["partner"] or "")
            if partner is None or partner.url("sessions") is None:
                continue  # sessions are pushed to partners that asked for them; the lake has them all
            existing, acknowledged = self._state.entry(ledger_key(partner.key, "session", session["id"]))
            if (existing is not None and existing.event_time >= session["last_updated"]) or _newer(
                    acknowledged, session["last_updated"]):
                continue  # the partner has, or will get, this state or a later one
            since = existing.since if existing is not None else time.time()
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
        moved = self._state.migrate(assigned)
        if moved:
            log.info("delivery: moved %d pending pushes from push_pending into push_ledger", moved)
        taken = self.lanes.load(item for item in self._state.pending_items() if item.partition in assigned)
        log.info("delivery: took up %d pending pushes", taken)

    async def _revoked(self, sender: Any, revoked: set, **_: Any) -> None:
        self.lanes.revoke({tp.partition for tp in revoked if tp.topic == self._source})

    async def stop(self) -> None:
        await self.lanes.stop()
        await self.journal.aclose()


def register(app: faust.App, settings: Settings, topics: Topics, tables: Tables, serde: AvroSerde,
             dead: DeadLetters, sender: OcpiSender, directory: PartnerDirectory,
             metrics: WorkerMetrics | None = None) -> Delivery:
    return Delivery(app, settings, topics, tables, serde, dead, sender, directory, metrics)
