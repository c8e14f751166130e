"""The JSON form of an ``ocpp.events.v1`` TransactionEvent, for batch uploads (``POST /transactions/batch``).

Timestamps are RFC 3339 strings; decimal quantities (``meter_wh``, sample ``value``) are strings or JSON
numbers and are published as decimal text. ``received_at`` defaults to the time the API received the batch.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest_api.models.fields import DecimalText, NonEmpty
from roamstream.ocpi.common import DateTime

Int32 = Annotated[int, Field(ge=0, le=2**31 - 1)]


class TransactionEventKind(StrEnum):
    STARTED = "STARTED"
    UPDATED = "UPDATED"
    ENDED = "ENDED"


class SampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timestamp: DateTime
    measurand: NonEmpty
    value: DecimalText
    unit: NonEmpty
    raw_value: str
    raw_unit: str | None = None
    phase: str | None = None
    location: str | None = None
    context: str | None = None


class TransactionEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: NonEmpty = Field(description="deterministic id of this event; a re-upload repeats it")
    charge_point_id: NonEmpty
    ocpp_version: Literal["1.6", "2.0.1"]
    kind: TransactionEventKind
    action: NonEmpty
    message_id: str
    timestamp: DateTime = Field(description="station time")
    received_at: DateTime | None = None
    transaction_id: str | None = None
    connector_id: Int32 | None = None
    evse_id: Int32 | None = None
    id_tag: str | None = None
    meter_wh: DecimalText | None = None
    seq_no: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None
    trigger_reason: str | None = None
    charging_state: str | None = None
    stop_reason: str | None = None
    offline: bool = False
    samples: list[SampleIn] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
