"""OCPI 2.2.1 CDR (mod_cdrs): CDR, CdrToken, CdrLocation, ChargingPeriod, CdrDimension, SignedData."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from roamstream.ocpi.common import (
    SESSION_ONLY_DIMENSIONS,
    AuthMethod,
    CdrDimensionType,
    CiString36,
    CiString39,
    CiString48,
    ConnectorFormat,
    ConnectorType,
    CountryCode,
    Currency,
    DateTime,
    GeoLocation,
    Number,
    OcpiModel,
    PartyId,
    PowerType,
    Price,
    String3,
    String10,
    String20,
    String45,
    String255,
    String512,
    String5000,
    TokenType,
)
from roamstream.ocpi.tariff import Tariff


class CdrDimension(OcpiModel):
    type: CdrDimensionType
    volume: Number


class ChargingPeriod(OcpiModel):
    start_date_time: DateTime
    dimensions: list[CdrDimension] = Field(min_length=1)
    tariff_id: CiString36 | None = None


class CdrToken(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    uid: CiString36
    type: TokenType
    contract_id: CiString36


class CdrLocation(OcpiModel):
    id: CiString36
    name: String255 | None = None
    address: String45
    city: String45
    postal_code: String10 | None = None
    state: String20 | None = None
    country: String3
    coordinates: GeoLocation
    evse_uid: CiString36
    evse_id: CiString48
    connector_id: CiString36
    connector_standard: ConnectorType
    connector_format: ConnectorFormat
    connector_power_type: PowerType


class SignedValue(OcpiModel):
    nature: CiString36
    plain_data: String5000
    signed_data: String5000


class SignedData(OcpiModel):
    encoding_method: CiString36
    encoding_method_version: int | None = None
    public_key: String512 | None = None
    signed_values: list[SignedValue] = Field(min_length=1)
    url: String512 | None = None


class CDR(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    id: CiString39
    start_date_time: DateTime
    end_date_time: DateTime
    session_id: CiString36 | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    cdr_location: CdrLocation
    meter_id: String255 | None = None
    currency: Currency
    tariffs: list[Tariff] | None = None
    charging_periods: list[ChargingPeriod] = Field(min_length=1)
    signed_data: SignedData | None = None
    total_cost: Price
    total_fixed_cost: Price | None = None
    total_energy: Number
    total_energy_cost: Price | None = None
    total_time: Number
    total_time_cost: Price | None = None
    total_parking_time: Number | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    remark: String255 | None = None
    invoice_reference_id: CiString39 | None = None
    credit: bool | None = None
    credit_reference_id: CiString39 | None = None
    home_charging_compensation: bool | None = None
    last_updated: DateTime

    @field_validator("charging_periods")
    @classmethod
    def _no_session_only_dimensions(cls, periods: list[ChargingPeriod]) -> list[ChargingPeriod]:
        for i, period in enumerate(periods):
            for j, dim in enumerate(period.dimensions):
                if dim.type in SESSION_ONLY_DIMENSIONS:
                    raise ValueError(
                        f"charging_periods[{i}].dimensions[{j}]: {dim.type.value} is a Session-only dimension"
                    )
        return periods

    @model_validator(mode="after")
    def _credit_reference(self) -> CDR:
        if self.credit and not self.credit_reference_id:
            raise ValueError("a credit CDR needs credit_reference_id")
        if not self.credit and len(self.id) > 36:
            raise ValueError("id: a non-credit CDR id has at most 36 characters")
        return self
