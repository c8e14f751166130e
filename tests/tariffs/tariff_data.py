"""Test data of the tariff engine: the tariffs and priced cases in ``data/`` (our notation, see there).

A module with a unique name (not conftest) so that test modules can import it."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"
_COMPONENT = re.compile(r"^(ENERGY|TIME|PARKING_TIME|FLAT)\s+(\S+)(?:\s+vat=(\S+))?\s+step=(\d+)$")
_DECIMAL_RESTRICTIONS = {"min_kwh", "max_kwh", "min_current", "max_current", "min_power", "max_power"}


@cache
def tariffs() -> dict[str, dict[str, Any]]:
    """Every tariff of ``data/tariffs.yaml`` as OCPI 2.2.1 Tariff JSON data (numbers as Decimal)."""
    raw = yaml.safe_load((DATA / "tariffs.yaml").read_text(encoding="utf-8"))
    return {name: ocpi_tariff(entry) for name, entry in raw.items()}


def ocpi_tariff(entry: dict[str, Any]) -> dict[str, Any]:
    tariff: dict[str, Any] = {
        "country_code": "NL",
        "party_id": "TST",
        "id": str(entry["id"]),
        "currency": entry.get("currency", "EUR"),
        "elements": [_element(e) for e in entry["elements"]],
        "last_updated": "2024-01-01T00:00:00Z",
    }
    for bound in ("min_price", "max_price"):
        if bound in entry:
            tariff[bound] = price(entry[bound])
    for moment in ("start_date_time", "end_date_time"):
        if moment in entry:
            tariff[moment] = entry[moment]
    tariff.update(entry.get("extra", {}))
    return tariff


def _element(entry: dict[str, Any]) -> dict[str, Any]:
    element: dict[str, Any] = {"price_components": [component(text) for text in entry["components"]]}
    if "restrictions" in entry:
        element["restrictions"] = {
            k: Decimal(str(v)) if k in _DECIMAL_RESTRICTIONS else v for k, v in entry["restrictions"].items()
        }
    return element


def component(text: str) -> dict[str, Any]:
    """``"FLAT 0.50 vat=20 step=1"`` as an OCPI PriceComponent."""
    match = _COMPONENT.match(text.strip())
    assert match, f"bad component notation {text!r}"
    kind, amount, vat, step = match.groups()
    out: dict[str, Any] = {"type": kind, "price": Decimal(amount), "step_size": int(step)}
    if vat is not None:
        out["vat"] = Decimal(vat)
    return out


def price(text: str) -> dict[str, Decimal | None]:
    """``"0.50 / 0.55"`` -> OCPI Price; ``"0.55"`` has no incl_vat; ``"5 / unknown"`` has incl None."""
    excl, _, incl = (part.strip() for part in text.partition("/"))
    out: dict[str, Any] = {"excl_vat": Decimal(excl)}
    if incl:
        out["incl_vat"] = None if incl == "unknown" else Decimal(incl)
    return out


def volume(text: str) -> Decimal:
    """``"42min"`` -> 42/60 h; anything else is the OCPI volume itself."""
    if text.endswith("min"):
        return Decimal(text[:-3]) / 60
    return Decimal(text)


@cache
def cases() -> list[dict[str, Any]]:
    return yaml.safe_load((DATA / "cases.yaml").read_text(encoding="utf-8"))


def cdr_for(case: dict[str, Any]) -> dict[str, Any]:
    """The OCPI CDR (JSON data, no costs) of a case."""
    periods = []
    for start, dims in case["periods"]:
        dimensions = []
        for dim in dims.split(","):
            kind, amount = dim.split()
            dimensions.append({"type": kind, "volume": volume(amount)})
        periods.append({"start_date_time": start, "dimensions": dimensions})
    return {
        "country_code": "NL",
        "party_id": "TST",
        "id": case["id"][:36],
        "start_date_time": case["start"],
        "end_date_time": case["end"],
        "currency": tariffs()[case["tariff"]]["currency"],
        "charging_periods": periods,
    }
