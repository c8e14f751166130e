"""Types shared by the OCPI 2.2.1 modules: string kinds, numbers, DateTime, Price, DisplayText, enums."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    SerializationInfo,
    StringConstraints,
)

from roamstream.ocpi.numbers import number_json, round4
from roamstream.ocpi.timefmt import as_utc, format_datetime, parse_datetime

_PRINTABLE_ASCII = r"^[\x20-\x7E]*$"
_PRINTABLE = r"^[^\x00-\x1F\x7F]*$"


def _ci(n: int) -> Any:
    """CiString(n): case-insensitive, printable ASCII, at most ``n`` characters."""
    return Annotated[str, StringConstraints(max_length=n, pattern=_PRINTABLE_ASCII)]


def _s(n: int) -> Any:
    """string(n): printable UTF-8, at most ``n`` characters."""
    return Annotated[str, StringConstraints(max_length=n, pattern=_PRINTABLE)]


CiString2 = _ci(2)
CiString3 = _ci(3)
CiString36 = _ci(36)
CiString39 = _ci(39)
CiString48 = _ci(48)
String2 = _s(2)
String3 = _s(3)
String5 = _s(5)
String10 = _s(10)
String20 = _s(20)
String45 = _s(45)
String64 = _s(64)
String100 = _s(100)
String255 = _s(255)
String512 = _s(512)
String5000 = _s(5000)
Url = _s(255)
CountryCode = Annotated[str, StringConstraints(min_length=2, max_length=2, pattern=_PRINTABLE_ASCII)]
PartyId = Annotated[str, StringConstraints(min_length=3, max_length=3, pattern=_PRINTABLE_ASCII)]
Currency = Annotated[str, StringConstraints(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")]


def _not_float_noise(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float):
        return Decimal(repr(value))  # the shortest text of the float, i.e. what the JSON said
    return value


def _dump_number(value: Decimal, info: SerializationInfo) -> Any:
    return number_json(value) if info.mode_is_json() else round4(value)


#: OCPI ``number``: Decimal inside; on the way out at most 4 decimals (ROUND_HALF_UP), a JSON number.
Number = Annotated[
    Decimal,
    BeforeValidator(_not_float_noise),
    PlainSerializer(_dump_number, return_type=Any),
]


def _parse_dt(value: Any) -> Any:
    if isinstance(value, str):
        return parse_datetime(value)
    if isinstance(value, datetime):
        return as_utc(value)
    return value


#: OCPI ``DateTime``: aware UTC datetime inside; ``2015-06-29T20:39:09Z`` in JSON.
DateTime = Annotated[
    datetime,
    BeforeValidator(_parse_dt),
    PlainSerializer(format_datetime, return_type=str, when_used="json"),
]


class OcpiModel(BaseModel):
    """Base of every OCPI object: unknown fields are ignored (OCPI forward compatibility)."""

    model_config = ConfigDict(extra="ignore", use_enum_values=False, populate_by_name=True)

    def to_ocpi(self) -> dict[str, Any]:
        """The object as OCPI JSON data: ``model_dump(mode="json", exclude_none=True)``."""
        return self.model_dump(mode="json", exclude_none=True)


class Price(OcpiModel):
    excl_vat: Number
    incl_vat: Number | None = None


class DisplayText(OcpiModel):
    language: String2
    text: String512


class TariffDimensionType(StrEnum):
    ENERGY = "ENERGY"
    FLAT = "FLAT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class CdrDimensionType(StrEnum):
    CURRENT = "CURRENT"
    ENERGY = "ENERGY"
    ENERGY_EXPORT = "ENERGY_EXPORT"
    ENERGY_IMPORT = "ENERGY_IMPORT"
    MAX_CURRENT = "MAX_CURRENT"
    MIN_CURRENT = "MIN_CURRENT"
    MAX_POWER = "MAX_POWER"
    MIN_POWER = "MIN_POWER"
    PARKING_TIME = "PARKING_TIME"
    POWER = "POWER"
    RESERVATION_TIME = "RESERVATION_TIME"
    STATE_OF_CHARGE = "STATE_OF_CHARGE"
    TIME = "TIME"


#: mod_cdrs CdrDimensionType, column "Session Only": never in a CDR
SESSION_ONLY_DIMENSIONS = frozenset(
    {
        CdrDimensionType.CURRENT,
        CdrDimensionType.ENERGY_EXPORT,
        CdrDimensionType.ENERGY_IMPORT,
        CdrDimensionType.POWER,
        CdrDimensionType.STATE_OF_CHARGE,
    }
)


class AuthMethod(StrEnum):
    AUTH_REQUEST = "AUTH_REQUEST"
    COMMAND = "COMMAND"
    WHITELIST = "WHITELIST"


class TokenType(StrEnum):
    AD_HOC_USER = "AD_HOC_USER"
    APP_USER = "APP_USER"
    OTHER = "OTHER"
    RFID = "RFID"


class DayOfWeek(StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class ReservationRestrictionType(StrEnum):
    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


class TariffType(StrEnum):
    AD_HOC_PAYMENT = "AD_HOC_PAYMENT"
    PROFILE_CHEAP = "PROFILE_CHEAP"
    PROFILE_FAST = "PROFILE_FAST"
    PROFILE_GREEN = "PROFILE_GREEN"
    REGULAR = "REGULAR"


class ConnectorType(StrEnum):
    CHADEMO = "CHADEMO"
    CHAOJI = "CHAOJI"
    DOMESTIC_A = "DOMESTIC_A"
    DOMESTIC_B = "DOMESTIC_B"
    DOMESTIC_C = "DOMESTIC_C"
    DOMESTIC_D = "DOMESTIC_D"
    DOMESTIC_E = "DOMESTIC_E"
    DOMESTIC_F = "DOMESTIC_F"
    DOMESTIC_G = "DOMESTIC_G"
    DOMESTIC_H = "DOMESTIC_H"
    DOMESTIC_I = "DOMESTIC_I"
    DOMESTIC_J = "DOMESTIC_J"
    DOMESTIC_K = "DOMESTIC_K"
    DOMESTIC_L = "DOMESTIC_L"
    DOMESTIC_M = "DOMESTIC_M"
    DOMESTIC_N = "DOMESTIC_N"
    DOMESTIC_O = "DOMESTIC_O"
    GBT_AC = "GBT_AC"
    GBT_DC = "GBT_DC"
    IEC_60309_2_single_16 = "IEC_60309_2_single_16"
    IEC_60309_2_three_16 = "IEC_60309_2_three_16"
    IEC_60309_2_three_32 = "IEC_60309_2_three_32"
    IEC_60309_2_three_64 = "IEC_60309_2_three_64"
    IEC_62196_T1 = "IEC_62196_T1"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO"
    IEC_62196_T2 = "IEC_62196_T2"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO"
    IEC_62196_T3A = "IEC_62196_T3A"
    IEC_62196_T3C = "IEC_62196_T3C"
    NEMA_5_20 = "NEMA_5_20"
    NEMA_6_30 = "NEMA_6_30"
    NEMA_6_50 = "NEMA_6_50"
    NEMA_10_30 = "NEMA_10_30"
    NEMA_10_50 = "NEMA_10_50"
    NEMA_14_30 = "NEMA_14_30"
    NEMA_14_50 = "NEMA_14_50"
    PANTOGRAPH_BOTTOM_UP = "PANTOGRAPH_BOTTOM_UP"
    PANTOGRAPH_TOP_DOWN = "PANTOGRAPH_TOP_DOWN"
    TESLA_R = "TESLA_R"
    TESLA_S = "TESLA_S"


class ConnectorFormat(StrEnum):
    SOCKET = "SOCKET"
    CABLE = "CABLE"


class PowerType(StrEnum):
    AC_1_PHASE = "AC_1_PHASE"
    AC_2_PHASE = "AC_2_PHASE"
    AC_2_PHASE_SPLIT = "AC_2_PHASE_SPLIT"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"


class GeoLocation(OcpiModel):
    latitude: Annotated[str, StringConstraints(max_length=10, pattern=r"^-?[0-9]{1,2}\.[0-9]{5,7}$")]
    longitude: Annotated[str, StringConstraints(max_length=11, pattern=r"^-?[0-9]{1,3}\.[0-9]{5,7}$")]
