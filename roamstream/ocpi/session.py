"""OCPI 2.2.1 Session (mod_sessions)."""

from __future__ import annotations

from enum import StrEnum

from roamstream.ocpi.cdr import CdrToken, ChargingPeriod
from roamstream.ocpi.common import (
    AuthMethod,
    CiString36,
    CountryCode,
    Currency,
    DateTime,
    Number,
    OcpiModel,
    PartyId,
    Price,
    String255,
)


class SessionStatus(StrEnum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    INVALID = "INVALID"
    PENDING = "PENDING"
    RESERVATION = "RESERVATION"


class Session(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    start_date_time: DateTime
    end_date_time: DateTime | None = None
    kwh: Number
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36
    meter_id: String255 | None = None
    currency: Currency
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Price | None = None
    status: SessionStatus
    last_updated: DateTime
