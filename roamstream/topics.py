"""The topic catalog: every topic roamstream uses, with its partitions, retention and schema.

The embedded broker does not create topics for librdkafka subscribers and auto-creates with 4 partitions
(DESIGN.md), so every topic is created from this catalog at start-up with explicit settings.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    schema: str | None
    compacted: bool = False
    doc: str = ""

    @property
    def config(self) -> dict[str, str]:
        return {"cleanup.policy": "compact"} if self.compacted else {}


#: keyed by charge point id: every event of one charge point stays in order in one partition
PARTITIONS = 4

CATALOG: tuple[TopicSpec, ...] = (
    TopicSpec("ocpp.events.v1", PARTITIONS, "ocpp.events.v1",
              doc="every transaction and station event of a charge point, in receive order (roamstream/events.py)"),
    TopicSpec("ocpp.transaction.v1", PARTITIONS, "ocpp.transaction.v1",
              doc="older recordings only: transaction events before ocpp.events.v1"),
    TopicSpec("ocpp.station.v1", PARTITIONS, "ocpp.station.v1",
              doc="older recordings only: station events before ocpp.events.v1"),
    TopicSpec("ocpp.raw.v1", PARTITIONS, "ocpp.raw.v1", doc="every OCPP frame, for audit"),
    TopicSpec("ocpi.tariffs.v1", 1, "ocpi.object.v1", compacted=True, doc="OCPI Tariffs by id"),
    TopicSpec("ocpi.locations.v1", 1, "ocpi.object.v1", compacted=True, doc="OCPI Locations by id"),
    TopicSpec("ocpi.tokens.v1", 1, "ocpi.object.v1", compacted=True, doc="OCPI Tokens by uid"),
    TopicSpec("ocpi.partners.v1", 1, "ocpi.partners.v1", compacted=True,
              doc="partner registry (credentials handshake) by CC-PID"),
    TopicSpec("partner.statements.v1", 1, "partner.statements.v1", doc="partners' settlement statements"),
    TopicSpec("sessions.completed.v1", PARTITIONS, "sessions.completed.v1", doc="ended sessions to price"),
    TopicSpec("ocpi.sessions.v1", PARTITIONS, "ocpi.sessions.v1", doc="OCPI Session snapshots"),
    TopicSpec("ocpi.cdrs.v1", PARTITIONS, "ocpi.cdrs.v1", doc="priced OCPI CDRs"),
    TopicSpec("push.results.v1", PARTITIONS, "push.results.v1", doc="outcome of every push to a partner"),
    TopicSpec("push.requests.v1", PARTITIONS, "push.requests.v1", doc="operators' redrive/resend requests"),
    TopicSpec("deadletter.v1", PARTITIONS, "deadletter.v1", doc="records a stage could not process"),
    TopicSpec("deadletter.redriven.v1", 1, "deadletter.redriven.v1", compacted=True,
              doc="dead letters sent through their stage again, by letter id (roamstream deadletter redrive)"),
)

BY_NAME = {t.name: t for t in CATALOG}


def spec(name: str) -> TopicSpec:
    return BY_NAME[name]
