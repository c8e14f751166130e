"""Sampled values of both versions normalised to Wh, W, A, V, % (and the other base units), in Decimal.

The raw value and unit are kept beside the normalised ones; the specs' defaults (measurand
Energy.Active.Import.Register, location Outlet, context Sample.Periodic, the measurand's unit) are made
explicit. A unit we do not know is kept as it is and flagged; a value that is not a number is dropped
from the samples and flagged.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from connectors.ocpp.model import Sample

ENERGY_REGISTER = "Energy.Active.Import.Register"
#: what both versions' specs say an absent location and context mean; made explicit in the samples
DEFAULT_LOCATION = "Outlet"
DEFAULT_CONTEXT = "Sample.Periodic"

_ONE = Decimal(1)
_THOUSAND = Decimal(1000)

#: raw unit -> (factor, normalised unit)
UNITS: dict[str, tuple[Decimal, str]] = {
    "Wh": (_ONE, "Wh"),
    "kWh": (_THOUSAND, "Wh"),
    "W": (_ONE, "W"),
    "kW": (_THOUSAND, "W"),
    "A": (_ONE, "A"),
    "V": (_ONE, "V"),
    "Percent": (_ONE, "%"),
    "%": (_ONE, "%"),
    "varh": (_ONE, "varh"),
    "kvarh": (_THOUSAND, "varh"),
    "var": (_ONE, "var"),
    "kvar": (_THOUSAND, "var"),
    "VA": (_ONE, "VA"),
    "kVA": (_THOUSAND, "VA"),
    "Hz": (_ONE, "Hz"),
    "Hertz": (_ONE, "Hz"),
    "Celsius": (_ONE, "Celsius"),
    "Celcius": (_ONE, "Celsius"),  # the 1.6 schema's spelling
    "Fahrenheit": (_ONE, "Fahrenheit"),
    "K": (_ONE, "K"),
}

#: the unit a measurand has when the station names none
_DEFAULT_UNIT = {
    "Energy": "Wh",
    "Power.Factor": "",
    "Power.Reactive": "var",
    "Power": "W",
    "Current": "A",
    "Voltage": "V",
    "SoC": "Percent",
    "Frequency": "Hz",
    "Temperature": "Celsius",
    "RPM": "",
}


class RawSample(NamedTuple):
    """One sampled value as the station sent it, in either version's shape."""

    timestamp: datetime
    value: object
    measurand: str | None = None
    unit: str | None = None
    multiplier: int = 0
    phase: str | None = None
    location: str | None = None
    context: str | None = None


def default_unit(measurand: str) -> str:
    if measurand.startswith("Energy.Reactive"):
        return "varh"
    for prefix, unit in _DEFAULT_UNIT.items():
        if measurand.startswith(prefix):
            return unit
    return ""


def decimal_text(value: Decimal) -> str:
    """A plain decimal string without exponent or trailing zeros ("1500", "0.25")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def read_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def normalise(raw: RawSample, flags: list[str]) -> Sample | None:
    measurand = raw.measurand or ENERGY_REGISTER
    number = read_decimal(raw.value)
    if number is None:
        flags.append(f"sample_not_a_number:{measurand}")
        return None
    raw_unit = raw.unit or None
    unit = raw_unit or default_unit(measurand)
    known = UNITS.get(unit)
    if known is None:
        if unit:
            flags.append(f"unknown_unit:{unit}")
        known = (_ONE, unit)
    factor, normalised_unit = known
    value = number if factor is _ONE else number * factor
    if raw.multiplier:
        value = value.scaleb(raw.multiplier)
    return Sample(
        raw.timestamp,
        measurand,
        decimal_text(value),
        normalised_unit,
        raw.value if isinstance(raw.value, str) else decimal_text(number),
        raw_unit if raw.multiplier == 0 else f"{unit}*10^{raw.multiplier}",
        raw.phase,
        raw.location or DEFAULT_LOCATION,
        raw.context or DEFAULT_CONTEXT,
    )


def energy_register_wh(samples: tuple[Sample, ...]) -> str | None:
    """The total import register at the outlet (no phase) among ``samples``, if any."""
    for s in samples:
        if s.measurand == ENERGY_REGISTER and s.phase is None and s.location == DEFAULT_LOCATION:
            return s.value
    return None


def sample_key(samples: tuple[Sample, ...]) -> tuple[str, ...]:
    """The natural key of a set of samples (for event ids): what was measured, when, and the raw value."""
    return tuple(
        f"{s.timestamp.timestamp()}|{s.measurand}|{s.phase}|{s.location}|{s.context}|{s.raw_value}" for s in samples
    )
