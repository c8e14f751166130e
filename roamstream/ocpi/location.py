"""OCPI 2.2.1 Location, EVSE and Connector (mod_locations).

The fields CDRs need are typed in full; the descriptive ones (operator, facilities, opening times, images, ...)
are kept as the partner sent them (plain JSON without floats, or typed where they carry numbers), so that a
Location stored and forwarded by us loses nothing."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

from roamstream.ocpi.common import (
    CiString36,
    CiString48,
    ConnectorFormat,
    ConnectorType,
    CountryCode,
    DateTime,
    GeoLocation,
    OcpiModel,
    PartyId,
    PowerType,
    String3,
    String10,
    String20,
    String45,
    String255,
    Url,
)
from roamstream.ocpi.tariff import EnergyMix


class Status(StrEnum):
    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


class Connector(OcpiModel):
    id: CiString36
    standard: ConnectorType
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: int
    max_amperage: int
    max_electric_power: int | None = None
    tariff_ids: list[CiString36] | None = None
    terms_and_conditions: Url | None = None
    last_updated: DateTime


class EVSE(OcpiModel):
    uid: CiString36
    evse_id: CiString48 | None = None
    status: Status
    connectors: list[Connector] = Field(min_length=1)
    floor_level: str | None = None
    coordinates: GeoLocation | None = None
    physical_reference: str | None = None
    status_schedule: list[dict[str, Any]] | None = None
    capabilities: list[str] | None = None
    directions: list[dict[str, Any]] | None = None
    parking_restrictions: list[str] | None = None
    images: list[dict[str, Any]] | None = None
    last_updated: DateTime


class Location(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    publish: bool
    name: String255 | None = None
    address: String45
    city: String45
    postal_code: String10 | None = None
    state: String20 | None = None
    country: String3
    coordinates: GeoLocation
    related_locations: list[dict[str, Any]] | None = None
    parking_type: str | None = None
    evses: list[EVSE] | None = None
    directions: list[dict[str, Any]] | None = None
    operator: dict[str, Any] | None = None
    suboperator: dict[str, Any] | None = None
    owner: dict[str, Any] | None = None
    facilities: list[str] | None = None
    time_zone: String255
    opening_times: dict[str, Any] | None = None
    charging_when_closed: bool | None = None
    images: list[dict[str, Any]] | None = None
    energy_mix: EnergyMix | None = None
    publish_allowed_to: list[dict[str, Any]] | None = None
    last_updated: DateTime

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    def evse(self, uid: str) -> EVSE | None:
        return next((e for e in self.evses or () if e.uid == uid), None)
