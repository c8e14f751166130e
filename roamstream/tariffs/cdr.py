"""Price an OCPI 2.2.1 CDR given as JSON data: its charging periods in, the priced CDR out."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any

from roamstream.ocpi.timefmt import parse_datetime
from roamstream.tariffs.compile import compile_tariff
from roamstream.tariffs.exceptions import InvalidCdrError
from roamstream.tariffs.model import CompiledTariff
from roamstream.tariffs.periods import periods_from_ocpi
from roamstream.tariffs.pricing import OmittedVat, PricedSession, price_periods

_MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)


def price_cdr(
    tariff: CompiledTariff | Mapping[str, Any],
    cdr: Mapping[str, Any],
    *,
    tz: tzinfo = UTC,
    reservation_expired: bool | None = None,
    omitted_vat: OmittedVat = OmittedVat.EXEMPT,
) -> PricedSession:
    """Price the ``charging_periods`` of ``cdr`` (JSON data) with ``tariff``; costs in the CDR are ignored."""
    compiled = tariff if type(tariff) is CompiledTariff else compile_tariff(tariff)
    if type(cdr) is not dict and not isinstance(cdr, Mapping):
        raise InvalidCdrError("cdr", "must be a JSON object")
    start = _timestamp(cdr, "start_date_time")
    currency = cdr.get("currency")
    if currency is not None and str(currency).upper() != compiled.currency:
        raise InvalidCdrError("cdr.currency", f"{currency!r} is not the tariff's currency {compiled.currency!r}")
    periods = periods_from_ocpi(cdr.get("charging_periods"))
    if periods[0].start < start:
        raise InvalidCdrError("cdr.charging_periods[0].start_date_time", "is before the CDR's start_date_time")
    return price_periods(
        compiled,
        periods,
        start=start,
        tz=tz,
        reservation_expired=reservation_expired,
        omitted_vat=omitted_vat,
    )


def priced_cdr(cdr: Mapping[str, Any], priced: PricedSession) -> dict[str, Any]:
    """``cdr`` with its totals replaced by the priced ones (amounts rounded once to 4 decimals)."""
    start = _timestamp(cdr, "start_date_time")
    end = _timestamp(cdr, "end_date_time")
    if end < start:
        raise InvalidCdrError("cdr.end_date_time", "is before start_date_time")
    out = dict(cdr)
    out.update(priced.totals_to_ocpi())
    out["total_energy"] = priced.total_energy
    out["total_time"] = hours_between(start, end)
    out["total_parking_time"] = priced.total_parking_time
    return out


def hours_between(start: datetime, end: datetime) -> Decimal:
    delta = end - start
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Decimal(micros) / _MICROSECONDS_PER_HOUR


def _timestamp(cdr: Mapping[str, Any], name: str) -> datetime:
    try:
        return parse_datetime(cdr.get(name))
    except (TypeError, ValueError):
        raise InvalidCdrError(f"cdr.{name}", "must be an RFC 3339 timestamp") from None
