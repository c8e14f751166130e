"""Small readers shared by the version normalisers: required fields, integers, station times."""

from __future__ import annotations

from typing import Any

from connectors.ocpp.exceptions import UninterpretableMessage
from connectors.ocpp.measurands import decimal_text, read_decimal
from connectors.ocpp.model import Received, StationEvent, StationKind, skew_ms
from connectors.ocpp.timestamps import parse_timestamp

MISSING = object()


def field(payload: dict[str, Any], name: str) -> Any:
    value = payload.get(name, MISSING)
    if value is MISSING or value is None:
        raise UninterpretableMessage(f"{name} is required")
    return value


def integer(value: Any, name: str) -> int:
    number = read_decimal(value)
    if number is None or number != number.to_integral_value():
        raise UninterpretableMessage(f"{name} must be an integer, got {value!r}")
    return int(number)


def optional_int(payload: dict[str, Any], name: str) -> int | None:
    value = payload.get(name)
    return None if value is None else integer(value, name)


def decimal_string(value: Any, name: str) -> str:
    number = read_decimal(value)
    if number is None:
        raise UninterpretableMessage(f"{name} must be a number, got {value!r}")
    return decimal_text(number)


def station_time(value: Any, rx: Received, name: str = "timestamp"):
    """The station's time in UTC; a missing offset is read as UTC and flagged."""
    parsed = parse_timestamp(value)
    if parsed.assumed_utc:
        flag = f"{name}_without_offset"
        if flag not in rx.flags:
            rx.flags.append(flag)
    return parsed.value


def text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def station_event(rx: Received, version: str, kind: StationKind, at: Any = None, **fields: Any) -> StationEvent:
    """A station event received as ``rx``: at the station time ``at`` (with the clock skew it implies) when the
    message gave one, else at its receive time."""
    return StationEvent(
        charge_point_id=rx.charge_point_id,
        ocpp_version=version,
        kind=kind,
        timestamp=rx.received_at if at is None else at,
        clock_skew_ms=None if at is None else skew_ms(rx.received_at, at),
        received_at=rx.received_at,
        **fields,
    )
