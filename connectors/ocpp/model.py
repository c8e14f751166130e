"""The one internal event model both OCPP versions map to; records fit the ``ocpp.*.v1`` Avro schemas."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple

#: the namespace of every ``event_id`` (uuid5 over the natural key of the event)
EVENT_NAMESPACE = uuid.UUID("6f1c1d0e-8a43-5b7e-9a0c-3c0f2a5e7d41")


class TxKind(StrEnum):
    STARTED = "STARTED"
    UPDATED = "UPDATED"
    ENDED = "ENDED"


class StationKind(StrEnum):
    CONNECTED = "CONNECTED"
    DISCONNECTED = "DISCONNECTED"
    BOOT = "BOOT"
    HEARTBEAT = "HEARTBEAT"
    STATUS = "STATUS"
    #: any other message a station sends that changes no session, kept as received
    MESSAGE = "MESSAGE"
    #: the connector's clock tick for a quiet charge point (``connectors.ocpp.ticks``)
    TICK = "TICK"


class Sample(NamedTuple):
    timestamp: datetime
    measurand: str
    value: str
    unit: str
    raw_value: str
    raw_unit: str | None = None
    phase: str | None = None
    location: str | None = None
    context: str | None = None


@dataclass(frozen=True, slots=True)
class TransactionEvent:
    event_id: str
    charge_point_id: str
    ocpp_version: str
    kind: TxKind
    action: str
    message_id: str
    timestamp: datetime
    received_at: datetime
    transaction_id: str | None = None
    connector_id: int | None = None
    evse_id: int | None = None
    id_tag: str | None = None
    meter_wh: str | None = None
    seq_no: int | None = None
    trigger_reason: str | None = None
    charging_state: str | None = None
    stop_reason: str | None = None
    offline: bool = False
    samples: tuple[Sample, ...] = ()
    flags: tuple[str, ...] = ()
    clock_skew_ms: int | None = None
    #: the answer given for ``id_tag`` (``roamstream.partners.tokens.decide``): OCPI AuthMethod WHITELIST or
    #: AUTH_REQUEST, and the eMSP's authorization_reference; None on events that asked no decision
    auth_method: str | None = None
    authorization_reference: str | None = None

    def to_record(self) -> dict:
        record = _shallow(self)
        record["kind"] = self.kind.value
        record["timestamp"] = micros(self.timestamp)
        record["received_at"] = micros(self.received_at)
        record["samples"] = [s._replace(timestamp=micros(s.timestamp))._asdict() for s in self.samples]
        record["flags"] = list(self.flags)
        return record


@dataclass(frozen=True, slots=True)
class StationEvent:
    charge_point_id: str
    kind: StationKind
    timestamp: datetime
    received_at: datetime
    ocpp_version: str | None = None
    connector_id: int | None = None
    evse_id: int | None = None
    status: str | None = None
    error_code: str | None = None
    vendor: str | None = None
    model: str | None = None
    clock_skew_ms: int | None = None
    message_action: str | None = None
    frame: str | None = None

    def to_record(self) -> dict:
        record = _shallow(self)
        record["kind"] = self.kind.value
        return record


@dataclass(frozen=True, slots=True)
class Received:
    """What every normaliser gets besides the payload: who sent it, how, and when it arrived."""

    charge_point_id: str
    message_id: str
    action: str
    received_at: datetime
    flags: list[str] = field(default_factory=list)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(value: datetime) -> int:
    """Avro ``timestamp-micros`` as an int (fastavro writes ints without converting them again)."""
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def skew_ms(received_at: datetime, station_time: datetime) -> int:
    """Receive time minus station time in ms: how far behind the station's clock is, or how late it sent."""
    delta = received_at - station_time
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _shallow(obj) -> dict:
    """The fields of a dataclass as a dict, without ``asdict``'s deep copies (the values are immutable)."""
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def event_id(*natural_key: object) -> str:
    """A deterministic id from the event's natural key (never the OCPP message id)."""
    return str(uuid.uuid5(EVENT_NAMESPACE, "\x1f".join("" if k is None else str(k) for k in natural_key)))
