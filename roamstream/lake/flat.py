"""Flat columns from the OCPI JSON documents, so that everyday questions need no JSON digging. Pure.

A CDR or Session keeps its exact ``ocpi_json``; beside it the lake stores the ids an analyst groups by
(location, EVSE, connector, token, contract, auth method, tariff) and, for CDRs, the cost per dimension.
Reference objects (locations, tariffs, tokens) get the fields that describe them. A field the document does
not have is null; a document that is not JSON is refused (the record is dead-lettered by the lake stage).
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from roamstream.lake.exceptions import LakeError
from roamstream.ocpi.timefmt import parse_datetime

MONEY = pa.decimal128(18, 4)


class InvalidDocument(LakeError):
    """``ocpi_json`` is not a JSON object."""


def document(text: str | None) -> dict[str, Any]:
    """``text`` as a JSON object with exact decimals; ``null`` (a deletion) is an empty object."""
    if text is None:
        return {}
    try:
        parsed = json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        raise InvalidDocument(f"ocpi_json is not JSON: {exc}") from None
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise InvalidDocument("ocpi_json is not a JSON object")
    return parsed


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _money(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    return Decimal(value).quantize(Decimal("0.0001"))


def _token_fields(token: dict[str, Any]) -> dict[str, Any]:
    return {
        "token_uid": _text(token.get("uid")),
        "token_type": _text(token.get("type")),
        "contract_id": _text(token.get("contract_id")),
    }


CDR_FIELDS = pa.schema(
    [
        pa.field("location_id", pa.string()),
        pa.field("evse_uid", pa.string()),
        pa.field("evse_id", pa.string()),
        pa.field("connector_id", pa.string()),
        pa.field("token_uid", pa.string()),
        pa.field("token_type", pa.string()),
        pa.field("contract_id", pa.string()),
        pa.field("auth_method", pa.string()),
        pa.field("tariff_id", pa.string()),
        pa.field("total_energy_cost_excl_vat", MONEY),
        pa.field("total_time_cost_excl_vat", MONEY),
        pa.field("total_parking_cost_excl_vat", MONEY),
        pa.field("total_fixed_cost_excl_vat", MONEY),
    ]
)


def cdr_fields(ocpi_json: str) -> dict[str, Any]:
    """The flat columns of a CDR: ``tariff_id`` is the first tariff applied (of its charging periods)."""
    cdr = document(ocpi_json)
    location = cdr.get("cdr_location") or {}
    periods = [p for p in cdr.get("charging_periods") or [] if p.get("tariff_id")]
    tariffs = cdr.get("tariffs") or []
    tariff_id = periods[0]["tariff_id"] if periods else (tariffs[0].get("id") if tariffs else None)
    return {
        "location_id": _text(location.get("id")),
        "evse_uid": _text(location.get("evse_uid")),
        "evse_id": _text(location.get("evse_id")),
        "connector_id": _text(location.get("connector_id")),
        **_token_fields(cdr.get("cdr_token") or {}),
        "auth_method": _text(cdr.get("auth_method")),
        "tariff_id": _text(tariff_id),
        **{
            f"total_{part}_cost_excl_vat": _money((cdr.get(f"total_{part}_cost") or {}).get("excl_vat"))
            for part in ("energy", "time", "parking", "fixed")
        },
    }


SESSION_FIELDS = pa.schema(
    [
        pa.field("location_id", pa.string()),
        pa.field("evse_uid", pa.string()),
        pa.field("connector_id", pa.string()),
        pa.field("token_uid", pa.string()),
        pa.field("token_type", pa.string()),
        pa.field("contract_id", pa.string()),
        pa.field("auth_method", pa.string()),
    ]
)


def session_fields(ocpi_json: str) -> dict[str, Any]:
    session = document(ocpi_json)
    return {
        "location_id": _text(session.get("location_id")),
        "evse_uid": _text(session.get("evse_uid")),
        "connector_id": _text(session.get("connector_id")),
        **_token_fields(session.get("cdr_token") or {}),
        "auth_method": _text(session.get("auth_method")),
    }


LOCATION_FIELDS = pa.schema(
    [
        pa.field("name", pa.string()),
        pa.field("city", pa.string()),
        pa.field("country", pa.string()),
        pa.field("time_zone", pa.string()),
        pa.field("latitude", pa.string()),
        pa.field("longitude", pa.string()),
        pa.field("evses", pa.int32()),
    ]
)


def location_fields(ocpi_json: str) -> dict[str, Any]:
    location = document(ocpi_json)
    coordinates = location.get("coordinates") or {}
    evses = location.get("evses")
    return {
        "name": _text(location.get("name")),
        "city": _text(location.get("city")),
        "country": _text(location.get("country")),
        "time_zone": _text(location.get("time_zone")),
        "latitude": _text(coordinates.get("latitude")),
        "longitude": _text(coordinates.get("longitude")),
        "evses": None if evses is None else len(evses),
    }


TARIFF_FIELDS = pa.schema(
    [
        pa.field("currency", pa.string()),
        pa.field("tariff_type", pa.string()),
        pa.field("elements", pa.int32()),
        pa.field("dimensions", pa.list_(pa.string())),
        pa.field("start_date_time", pa.timestamp("us", tz="UTC")),
        pa.field("end_date_time", pa.timestamp("us", tz="UTC")),
    ]
)


def tariff_fields(ocpi_json: str) -> dict[str, Any]:
    """``dimensions``: the price component types the tariff charges (ENERGY, FLAT, PARKING_TIME, TIME)."""
    tariff = document(ocpi_json)
    elements = tariff.get("elements") or []
    kinds = sorted({c.get("type") for e in elements for c in e.get("price_components") or [] if c.get("type")})
    return {
        "currency": _text(tariff.get("currency")),
        "tariff_type": _text(tariff.get("type")),
        "elements": len(elements) if "elements" in tariff else None,
        "dimensions": kinds,
        "start_date_time": _moment(tariff.get("start_date_time")),
        "end_date_time": _moment(tariff.get("end_date_time")),
    }


def _moment(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        return parse_datetime(str(text))
    except ValueError as exc:
        raise InvalidDocument(f"not an OCPI DateTime: {text!r} ({exc})") from None


TOKEN_FIELDS = pa.schema(
    [
        pa.field("token_type", pa.string()),
        pa.field("contract_id", pa.string()),
        pa.field("issuer", pa.string()),
        pa.field("valid", pa.bool_()),
        pa.field("whitelist", pa.string()),
    ]
)


def token_fields(ocpi_json: str) -> dict[str, Any]:
    token = document(ocpi_json)
    return {
        "token_type": _text(token.get("type")),
        "contract_id": _text(token.get("contract_id")),
        "issuer": _text(token.get("issuer")),
        "valid": token.get("valid") if isinstance(token.get("valid"), bool) else None,
        "whitelist": _text(token.get("whitelist")),
    }
