"""Lenient reading of station timestamps: ISO 8601 with or without offset, any fraction, ``T`` or space."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from connectors.ocpp.exceptions import BadTimestamp

_ISO = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?\s*$"
)


@dataclass(frozen=True, slots=True)
class StationTime:
    """A station timestamp in UTC; ``assumed_utc`` when the station gave no offset."""

    value: datetime
    assumed_utc: bool = False


def parse_timestamp(text: object) -> StationTime:
    if not isinstance(text, str):
        raise BadTimestamp(f"timestamp must be a string, got {type(text).__name__}")
    m = _ISO.match(text)
    if m is None:
        raise BadTimestamp(f"timestamp {text[:64]!r} is not ISO 8601")
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        naive = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micros)
    except ValueError as exc:
        raise BadTimestamp(f"timestamp {text[:64]!r}: {exc}") from None
    if offset is None:
        return StationTime(naive.replace(tzinfo=UTC), assumed_utc=True)
    return StationTime(naive.replace(tzinfo=_offset(offset)).astimezone(UTC))


def _offset(text: str) -> timezone:
    if text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def format_timestamp(value: datetime) -> str:
    """The OCPP wire form: UTC with millisecond precision and ``Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
