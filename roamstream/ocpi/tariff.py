"""OCPI 2.2.1 Tariff (mod_tariffs): Tariff, TariffElement, PriceComponent, TariffRestrictions, EnergyMix.

These models check the shape of a Tariff; the pricing rules (step_size > 0, dimensions allowed in a
reservation element, ...) are checked when the tariff engine compiles a tariff
(``roamstream.tariffs.compile``), which names the offending element and field.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from roamstream.ocpi.common import (
    CiString36,
    CountryCode,
    Currency,
    DateTime,
    DayOfWeek,
    DisplayText,
    Number,
    OcpiModel,
    PartyId,
    Price,
    ReservationRestrictionType,
    String64,
    TariffDimensionType,
    TariffType,
    Url,
)

TimeOfDay = Annotated[str, StringConstraints(pattern=r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")]
Date = Annotated[str, StringConstraints(pattern=r"^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]


class PriceComponent(OcpiModel):
    type: TariffDimensionType
    price: Number
    vat: Number | None = None
    step_size: int


class TariffRestrictions(OcpiModel):
    start_time: TimeOfDay | None = None
    end_time: TimeOfDay | None = None
    start_date: Date | None = None
    end_date: Date | None = None
    min_kwh: Number | None = None
    max_kwh: Number | None = None
    min_current: Number | None = None
    max_current: Number | None = None
    min_power: Number | None = None
    max_power: Number | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    day_of_week: list[DayOfWeek] | None = None
    reservation: ReservationRestrictionType | None = None


class TariffElement(OcpiModel):
    price_components: list[PriceComponent] = Field(min_length=1)
    restrictions: TariffRestrictions | None = None


class EnergySource(OcpiModel):
    source: str
    percentage: Number


class EnvironmentalImpact(OcpiModel):
    category: str
    amount: Number


class EnergyMix(OcpiModel):
    is_green_energy: bool
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: String64 | None = None
    energy_product_name: String64 | None = None


class Tariff(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    currency: Currency
    type: TariffType | None = None
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: Url | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    elements: list[TariffElement] = Field(min_length=1)
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime
