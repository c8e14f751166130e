"""Sampled values of both versions normalised to Wh, W, A, V, % (and the other base units), in Decimal.

The raw value and unit are kept beside the normalised ones. A unit we do not know is kept as it is and
flagged; a value that is not a number is dropped from the samples and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from connectors.ocpp.model import Sample

ENERGY_REGISTER = "Energy.Active.Import.Register"

#: raw unit -> (factor, normalised unit)
UNITS: dict[str, tuple[Decimal, str]] = {
    "Wh": (Decimal(1), "Wh"),
    "kWh": (Decimal(1000), "Wh"),
    "W": (Decimal(1), "W"),
    "kW": (Decimal(1000), "W"),
    "A": (Decimal(1), "A"),
    "V": (Decimal(1), "V"),
    "Percent": (Decimal(1), "%"),
    "%": (Decimal(1), "%"),
    "varh": (Decimal(1), "varh"),
    "kvarh": (Decimal(1000), "varh"),
    "var": (Decimal(1), "var"),
    "kvar": (Decimal(1000), "var"),
    "VA": (Decimal(1), "VA"),
    "kVA": (Decimal(1000), "VA"),
    "Hz": (Decimal(1), "Hz"),
    "Hertz": (Decimal(1), "Hz"),
    "Celsius": (Decimal(1), "Celsius"),
    "Celcius": (Decimal(1), "Celsius"),  # the 1.6 schema's spelling
    "Fahrenheit": (Decimal(1), "Fahrenheit"),
    "K": (Decimal(1), "K"),
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


@dataclass(frozen=True, slots=True)
class RawSample:
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
    factor, normalised_unit = UNITS.get(unit, (Decimal(1), unit))
    if unit and unit not in UNITS:
        flags.append(f"unknown_unit:{unit}")
    value = number * factor * Decimal(10) ** raw.multiplier
    return Sample(
        timestamp=raw.timestamp,
        measurand=measurand,
        value=decimal_text(value),
        unit=normalised_unit,
        raw_value=raw.value if isinstance(raw.value, str) else decimal_text(number),
        raw_unit=raw_unit if raw.multiplier == 0 else f"{unit}*10^{raw.multiplier}",
        phase=raw.phase,
        location=raw.location,
        context=raw.context,
    )


def energy_register_wh(samples: tuple[Sample, ...]) -> str | None:
    """The total import register (Outlet or unstated location, no phase) among ``samples``, if any."""
    for s in samples:
        if s.measurand == ENERGY_REGISTER and s.phase is None and s.location in (None, "Outlet"):
            return s.value
    return None
