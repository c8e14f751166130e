"""Push of reference data: every Tariff and Location, on every change, and every EVSE status change from OCPP
StatusNotification, to each partner that published a ``tariffs`` / ``locations`` Receiver endpoint, through
its delivery lane (``pipelines.push.Delivery``: retried until delivered, in order per object, a partner that is
down never delays another).

- ``ocpi.tariffs.v1`` / ``ocpi.locations.v1``: the new version is made pending for each such partner unless
  it has it (acknowledged or pending already); a Location carries the latest status of its EVSEs
  (``roamstream.partners.locations.documents``).
- a deletion (``deleted`` true) goes to each partner that has the object or has it pending (others never had
  it: nothing is sent), in the object's group, after what is pending for it: a Tariff is DELETEd (a partner
  answering 404 / OCPI 2003/2004 does not have it: delivered); a Location, which OCPI cannot delete, is PUT as
  the partner's last version of it with every EVSE REMOVED at the deletion's time, and the status PATCHes
  still pending for its EVSEs are dropped. The last version comes from the partner's pending record or ledger,
  not from the ``locations`` table, which the reference stage empties on its own agent (no ordering between
  the two).
- a partner that registers later (or whose Tariffs/Locations Receiver is new) gets every Tariff and Location
  the worker holds (``sync``, a timer on the worker that reads the reference topic): each (partner, object)
  it never had and has not pending is offered once per process.
- ``ocpp.events.v1`` STATUS events: the EVSE's latest status (``evse_status``, a global table: station time,
  then receive time, so the outcome is the same on every replay and whatever order statuses arrive in); a
  newer one is made pending as a status PATCH of its Location's EVSE, in the Location's group.

The reference topics have one partition; their pending records go to the ``push_ledger`` partition a hash
of the object's key picks (the lanes take up after a restart what the partitions assigned hold). With several
workers, the one that reads a reference topic delivers its objects; after a rebalance the owner of that
``push_ledger`` partition may send one again: a PUT, which the partner applies idempotently.
"""

from __future__ import annotations

import json
import time
import zlib

import faust

from pipelines.deadletter import DeadLetters
from pipelines.push import Delivery
from pipelines.reference import object_key
from pipelines.table_writes import in_partition, store
from pipelines.tables import Tables
from pipelines.topics import Topics
from roamstream import events
from roamstream.avro import AvroSerde, SerdeError
from roamstream.ocpi.timefmt import parse_datetime
from roamstream.partners.delivery.objects import is_deletion, tariff_deletion
from roamstream.partners.delivery.pending import Kind, Pending, ledger_key
from roamstream.partners.directory import PartnerDirectory
from roamstream.partners.locations.documents import evse_uids, removed, with_statuses
from roamstream.partners.locations.status import EvseStatus, from_event
from roamstream.topics import PARTITIONS

STAGE = "push"
#: how often a worker looks for partners that lack Tariffs or Locations it holds (seconds)
SYNC_EVERY_S = 2.0


class ReferencePush:
    def __init__(self, app: faust.App, topics: Topics, tables: Tables, serde: AvroSerde, dead: DeadLetters,
                 delivery: Delivery, directory: PartnerDirectory) -> None:
        self._app, self._topics, self._tables, self._serde, self._dead = app, topics, tables, serde, dead
        self._delivery, self._directory = delivery, directory
        #: (partner, kind, object key) offered by ``sync`` in this process
        self._offered: set[tuple[str, str, bytes]] = set()
        app.agent(topics.tariffs, name="push-tariffs")(self._tariffs)
        app.agent(topics.locations, name="push-locations")(self._locations)
        app.agent(topics.events, name="push-evse-status")(self._statuses)
        app.timer(SYNC_EVERY_S, name="push-reference-sync")(self.sync)

    def status_of(self, uid: str) -> EvseStatus | None:
        raw = self._tables.evse_status.get(uid.encode())
        return EvseStatus.decode(raw) if raw else None

    def _partners(self, module: str) -> list[str]:
        return [p.key for p in self._directory.all() if p.url(module) is not None]

    def _offer(self, kind: Kind, partner: str, object_id: str, group: str, body: str, last_updated: str,
               partition: int, charge_point_id: str = "") -> None:
        """Make ``body`` pending for ``partner`` unless it is what the partner has or will get already."""
        item = Pending(kind, partner, object_id, group, body, last_updated, partition, charge_point_id, time.time())
        existing, acknowledged = self._delivery.state.entry(item.ledger_key)
        if existing is not None and existing.body == body:
            return
        if kind != "evse" and acknowledged == body.encode():
            return
        self._delivery.make_pending(item)

    def _held(self, partner: str, kind: Kind, object_id: str) -> str | None:
        """The version of an object the partner will get (pending) or has (acknowledged); None: neither, or
        it is deleted there (or will be)."""
        pending, acknowledged = self._delivery.state.entry(ledger_key(partner, kind, object_id))
        if pending is not None:
            body = pending.body
        else:
            body = acknowledged.decode() if acknowledged is not None else None
        return None if body is None or is_deletion(body) else body

    def _deleted(self, kind: Kind, partner: str, record: dict, group: str, partition: int) -> None:
        """Offer ``partner`` the deletion of a Tariff or Location it has (or will get)."""
        held = self._held(partner, kind, record["id"])
        if held is None:
            return  # it never had it
        at = record["last_updated"]
        if kind == "tariff":
            body = tariff_deletion(record["country_code"], record["party_id"], record["id"], at)
        else:
            body = removed(held, at)
            if body is None:
                return  # every EVSE is REMOVED there already
            for uid in evse_uids(held):  # a status PATCH after the REMOVED Location would revive its EVSE
                status = self._delivery.state.entry(ledger_key(partner, "evse", uid))[0]
                if status is not None and status.group == group:
                    self._delivery.drop(status)
        self._offer(kind, partner, record["id"], group, body, at.isoformat(), partition)

    async def _documents(self, stream: faust.StreamT, kind: Kind, module: str) -> None:
        async for _, record in self._dead.decoded(stream, "ocpi.object.v1", STAGE):
            key = object_key(record).decode()
            partition = zlib.crc32(key.encode()) % PARTITIONS
            if record["deleted"]:
                with in_partition(self._delivery.source_topic, partition):
                    for partner in self._partners(module):
                        self._deleted(kind, partner, record, f"{kind}:{key}", partition)
                continue
            body = record["ocpi_json"]
            if kind == "location":
                body = with_statuses(body, self.status_of)
            with in_partition(self._delivery.source_topic, partition):
                for partner in self._partners(module):
                    self._offer(kind, partner, record["id"], f"{kind}:{key}", body,
                                record["last_updated"].isoformat(), partition)

    def _owns(self, topic: faust.TopicT) -> bool:
        names = topic.get_topic_name()
        return any(tp.topic == names for tp in self._app.consumer.assignment())

    async def sync(self) -> int:
        """Offer each partner the Tariffs and Locations it never had (none acknowledged, none pending): a partner
        registered after they were published. Once recovery is over, on the worker that reads the reference
        topic; each (partner, object) once per process (a refused one is not offered again and again).
        Returns how many were made pending."""
        if not self._app.tables.recovery.completed.is_set():
            return 0
        made = 0
        for kind, module, topic, table in (("tariff", "tariffs", self._topics.tariffs, self._tables.tariffs),
                                           ("location", "locations", self._topics.locations,
                                            self._tables.locations)):
            partners = self._partners(module)
            if not partners or not self._owns(topic):
                continue
            for key, raw in list(table.items()):
                for partner in partners:
                    if (partner, kind, key) in self._offered:
                        continue
                    self._offered.add((partner, kind, key))
                    body = raw.decode()
                    object_id = json.loads(body)["id"]
                    if (self._delivery.state.entry(ledger_key(partner, kind, object_id))[0] is not None
                            or self._held(partner, kind, object_id) is not None):
                        continue  # pending (a deletion too), or it has it (not only had it: a deleted Tariff)
                    if kind == "location":
                        body = with_statuses(body, self.status_of)
                    partition = zlib.crc32(key) % PARTITIONS
                    with in_partition(self._delivery.source_topic, partition):
                        self._offer(kind, partner, object_id, f"{kind}:{key.decode()}", body,
                                    parse_datetime(json.loads(body)["last_updated"]).isoformat(), partition)
                    made += 1
        return made

    async def _tariffs(self, stream: faust.StreamT) -> None:
        await self._documents(stream, "tariff", "tariffs")

    async def _locations(self, stream: faust.StreamT) -> None:
        await self._documents(stream, "location", "locations")

    async def _statuses(self, stream: faust.StreamT) -> None:
        async for event in stream.events():
            value = event.value
            if not value or not events.is_station_value(value):
                continue
            try:
                record = events.decode(self._serde, value)
            except SerdeError:
                continue  # the sessions stage dead-letters what it cannot decode
            status = from_event(record)
            if status is None or not status.is_after(self.status_of(status.uid)):
                continue
            # one partition: the global table's changelog
            store(self._tables.evse_status, 0, status.uid.encode(), status.encode())
            location_key = self._tables.evse_index.get(status.uid.encode())
            raw_location = self._tables.locations.get(location_key) if location_key is not None else None
            if raw_location is None:
                continue  # no Location has the EVSE (yet): its PUT will carry the status
            body = with_statuses(raw_location.decode(), self.status_of)
            for partner in self._partners("locations"):
                self._offer("evse", partner, status.uid, f"location:{location_key.decode()}", body,
                            status.at.isoformat(), event.message.partition, record["charge_point_id"])


def register(app: faust.App, topics: Topics, tables: Tables, serde: AvroSerde, dead: DeadLetters,
             delivery: Delivery, directory: PartnerDirectory) -> ReferencePush:
    return ReferencePush(app, topics, tables, serde, dead, delivery, directory)
