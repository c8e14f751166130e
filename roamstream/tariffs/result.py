"""What pricing returns: exact costs, the bill line by line, and the OCPI form of the totals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from roamstream.ocpi.numbers import quantize4
from roamstream.tariffs.model import Component


class OmittedVat(StrEnum):
    EXEMPT = "exempt"
    UNKNOWN = "unknown"


@dataclass(slots=True)
class Cost:
    """An exact amount; ``incl_vat`` is None when it cannot be known (``OmittedVat.UNKNOWN``)."""

    excl_vat: Decimal
    incl_vat: Decimal | None

    def to_ocpi(self) -> dict[str, Decimal]:
        """An OCPI Price: each amount rounded half-up to 4 decimals, once."""
        if self.incl_vat is None:
            return {"excl_vat": quantize4(self.excl_vat)}
        return {"excl_vat": quantize4(self.excl_vat), "incl_vat": quantize4(self.incl_vat)}


@dataclass(slots=True)
class Charge:
    """One line of the bill: a dimension of one period (or a FLAT fee) with the component that priced it."""

    period: int
    dimension: str
    element: int
    component: int
    volume: Decimal  # measured (kWh or hours); 1 for FLAT
    billed: Decimal  # after step_size
    excl_vat: Decimal
    incl_vat: Decimal | None


@dataclass(slots=True)
class PricedSession:
    total_cost: Cost
    total_energy_cost: Cost
    total_time_cost: Cost
    total_parking_cost: Cost
    total_fixed_cost: Cost
    total_reservation_cost: Cost
    total_energy: Decimal
    total_charging_time: Decimal
    total_parking_time: Decimal
    total_reservation_time: Decimal
    #: (period, dimension, component, volume, billed, excl. VAT) per line; see ``charges``
    breakdown: list[tuple]
    min_price_applied: bool = False
    max_price_applied: bool = False
    vat_exempt_when_omitted: bool = True

    @property
    def charges(self) -> tuple[Charge, ...]:
        """The bill line by line, in period order (built on demand: pricing itself does not need it)."""
        exempt = self.vat_exempt_when_omitted
        return tuple(
            Charge(i, name, c.element, c.index, volume, billed, excl, _line_incl(c, excl, exempt))
            for i, name, c, volume, billed, excl in sorted(self.breakdown, key=lambda line: line[0])
        )

    def totals_to_ocpi(self) -> dict[str, Any]:
        """The CDR cost fields as OCPI Prices (rounded once, 4 decimals)."""
        return {
            "total_cost": self.total_cost.to_ocpi(),
            "total_energy_cost": self.total_energy_cost.to_ocpi(),
            "total_time_cost": self.total_time_cost.to_ocpi(),
            "total_parking_cost": self.total_parking_cost.to_ocpi(),
            "total_fixed_cost": self.total_fixed_cost.to_ocpi(),
            "total_reservation_cost": self.total_reservation_cost.to_ocpi(),
        }


def _line_incl(component: Component, excl: Decimal, exempt: bool) -> Decimal | None:
    """The amount incl. VAT of one line of the breakdown (the totals are computed per component)."""
    if component.vat_factor is not None:
        return excl * component.vat_factor
    return excl if exempt or not excl else None
