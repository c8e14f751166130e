"""Reading the fields of a Tariff's JSON data, each failure an ``InvalidTariffError`` naming the field."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from roamstream.ocpi.timefmt import parse_datetime
from roamstream.tariffs.exceptions import InvalidTariffError

_TIME_RE = re.compile(r"^([0-1][0-9]|2[0-3]):([0-5][0-9])$")
_DATE_RE = re.compile(r"^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")


def number(
    raw: Mapping[str, Any], name: str, path: str, *, required: bool = False, minimum: Decimal | None = None
) -> Decimal | None:
    value = raw.get(name)
    if value is None:
        if required:
            raise InvalidTariffError(f"{path}.{name}", "is required")
        return None
    parsed = to_decimal(value)
    if parsed is None:
        raise InvalidTariffError(f"{path}.{name}", "must be a number")
    if minimum is not None and parsed < minimum:
        raise InvalidTariffError(f"{path}.{name}", f"must be >= {minimum}")
    return parsed


def to_decimal(value: Any) -> Decimal | None:
    """A JSON number as Decimal (None if it is not one). A float, from JSON read without
    ``parse_float=Decimal``, is taken by its shortest text, which is what the JSON said."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    return None


def whole(value: Any, path: str) -> int:
    parsed = to_decimal(value)
    if parsed is None or parsed != parsed.to_integral_value():
        raise InvalidTariffError(path, "must be a whole number")
    return int(parsed)


def string(raw: Mapping[str, Any], name: str, path: str, *, required: bool, max_length: int = 255) -> str:
    value = raw.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value:
        raise InvalidTariffError(f"{path}.{name}", "is required (a non-empty string)")
    if len(value) > max_length:
        raise InvalidTariffError(f"{path}.{name}", f"at most {max_length} characters")
    return value


def time_of_day(raw: Mapping[str, Any], name: str, path: str) -> int | None:
    value = raw.get(name)
    if value is None:
        return None
    match = _TIME_RE.match(value) if isinstance(value, str) else None
    if not match:
        raise InvalidTariffError(f"{path}.{name}", "must be HH:MM (24h, leading zeros)")
    return int(match[1]) * 60 + int(match[2])


def local_date(raw: Mapping[str, Any], name: str, path: str) -> date | None:
    value = raw.get(name)
    if value is None:
        return None
    try:
        if not (isinstance(value, str) and _DATE_RE.match(value)):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidTariffError(f"{path}.{name}", "must be a date YYYY-MM-DD") from None


def timestamp(raw: Mapping[str, Any], name: str, path: str) -> datetime | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, datetime):
        return parse_datetime(value.isoformat())
    try:
        return parse_datetime(value)
    except (TypeError, ValueError):
        raise InvalidTariffError(f"{path}.{name}", "must be an RFC 3339 timestamp") from None
