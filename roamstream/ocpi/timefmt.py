"""OCPI DateTime (types.asciidoc): RFC 3339 in UTC, ``2015-06-29T20:39:09Z``; pydantic-free."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_datetime(text: str) -> datetime:
    """An OCPI timestamp as an aware UTC datetime; a missing zone designator means UTC."""
    if type(text) is not str or len(text) > 35:
        raise ValueError("must be an RFC 3339 timestamp string")
    if text[-1:] == "z":
        text = text[:-1] + "Z"
    value = datetime.fromisoformat(text)  # Python >= 3.11 reads a trailing "Z"
    if value.tzinfo is UTC:
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    """``value`` as aware UTC; naive values are taken to be UTC (as OCPI does)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """``2015-06-29T20:39:09Z``, with milliseconds only when there are any (fits OCPI's string(25))."""
    value = as_utc(value)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    millis = value.microsecond // 1000
    if millis:
        text += f".{millis:03d}".rstrip("0")
    return text + "Z"
