"""EVSE status from OCPP StatusNotification, as OCPI 2.2.1 mod_locations has it (pure).

A STATUS event of ``ocpp.events.v1`` names a connector (1.6 ``connectorId``) or an EVSE (2.0.1 ``evseId``);
its EVSE is ``<charge point id>-<n>`` (``roamstream.cdrs.resolve.evse_uid``); connector/EVSE 0 is the whole
charge point and gives no EVSE status. The status's time is the event's station time (``timestamp``), the
receive time breaking ties: of two statuses of one EVSE the later one counts, whatever order they arrived
in, so the outcome is the same on every replay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from roamstream.cdrs.resolve import evse_uid
from roamstream.ocpi.location import Status

#: OCPP 1.6 ChargePointStatus and 2.0.1 ConnectorStatus -> OCPI EVSE status ("CHARGING": the EVSE is in use)
OCPI_STATUS: dict[str, Status] = {
    "Available": Status.AVAILABLE,
    "Preparing": Status.CHARGING,
    "Charging": Status.CHARGING,
    "SuspendedEV": Status.CHARGING,
    "SuspendedEVSE": Status.CHARGING,
    "Finishing": Status.CHARGING,
    "Occupied": Status.CHARGING,
    "Reserved": Status.RESERVED,
    "Unavailable": Status.INOPERATIVE,
    "Faulted": Status.OUTOFORDER,
}


@dataclass(frozen=True, slots=True)
class EvseStatus:
    uid: str
    status: Status
    #: station time of the StatusNotification
    at: datetime
    received: datetime

    def is_after(self, other: EvseStatus | None) -> bool:
        return other is None or (self.at, self.received) > (other.at, other.received)

    def encode(self) -> bytes:
        return json.dumps({"uid": self.uid, "status": self.status.value, "at": self.at.isoformat(),
                           "received": self.received.isoformat()}).encode()

    @classmethod
    def decode(cls, raw: bytes) -> EvseStatus:
        data = json.loads(raw)
        return cls(data["uid"], Status(data["status"]), datetime.fromisoformat(data["at"]),
                   datetime.fromisoformat(data["received"]))


def from_event(event: dict[str, Any]) -> EvseStatus | None:
    """The EVSE status a STATUS station event reports; None for other events, connector 0, unknown statuses."""
    if event.get("kind") != "STATUS":
        return None
    status = OCPI_STATUS.get(event.get("status") or "")
    number = event["evse_id"] if event.get("evse_id") is not None else event.get("connector_id")
    if status is None or not number:
        return None
    return EvseStatus(evse_uid(event["charge_point_id"], event.get("connector_id"), event.get("evse_id")),
                      status, event["timestamp"], event["received_at"])
