"""``roamstream price``: price an OCPI 2.2.1 CDR's charging periods with a Tariff, print the priced CDR.

A thin adapter over ``roamstream.tariffs``: read two JSON files (numbers as Decimal, never float), price,
print JSON with numbers of at most 4 decimals. Any problem with the input: one line on stderr naming it
(``error: tariff.elements[0].price_components[1].step_size: must be > 0``) and exit status 2.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from roamstream.ocpi import jsonio
from roamstream.tariffs import OmittedVat, TariffEngineError, price_cdr, priced_cdr

INVALID_INPUT = 2


def price(
    tariff: Annotated[Path, typer.Option("--tariff", help="OCPI 2.2.1 Tariff JSON file")],
    cdr: Annotated[Path, typer.Option("--cdr", help="OCPI 2.2.1 CDR JSON file (costs may be absent)")],
    time_zone: Annotated[
        str, typer.Option("--time-zone", help="IANA time zone of the location (tariff times are local)")
    ] = "UTC",
    omitted_vat: Annotated[
        OmittedVat,
        typer.Option("--omitted-vat", help="a price component without vat: no VAT added, or incl. VAT unknown"),
    ] = OmittedVat.EXEMPT,
) -> None:
    """Price the CDR's charging periods with the tariff and print the priced CDR as JSON."""
    try:
        zone = _zone(time_zone)
        tariff_data = _read(tariff, "tariff")
        cdr_data = _read(cdr, "cdr")
        priced = price_cdr(tariff_data, cdr_data, tz=zone, omitted_vat=omitted_vat)
        out = priced_cdr(cdr_data, priced)
    except (TariffEngineError, _InputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(INVALID_INPUT) from None
    print(jsonio.dumps(out, indent=2))


class _InputError(Exception):
    pass


def _read(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _InputError(f"{what}: cannot read {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except (json.JSONDecodeError, ValueError) as exc:
        raise _InputError(f"{what}: {path} is not valid JSON: {exc}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _InputError(f"--time-zone: unknown IANA time zone {name!r}") from None
