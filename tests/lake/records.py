"""Decoded Avro records (as AvroSerde.decode gives them) for every lake table; import ``lake.records``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def ts(text: str) -> datetime:
    """``2026-03-01T10:00:00`` (UTC) or with an explicit offset, as a tz-aware datetime."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sample(
    at: str, value: str, measurand: str = "Energy.Active.Import.Register", unit: str = "Wh", **extra: Any
) -> dict[str, Any]:
    return {
        "timestamp": ts(at),
        "measurand": measurand,
        "value": value,
        "unit": unit,
        "raw_value": value,
        "raw_unit": None,
        "phase": None,
        "location": "Outlet",
        "context": "Sample.Periodic",
        **extra,
    }


def transaction_event(event_id: str, at: str, samples: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "charge_point_id": "CP-1",
        "ocpp_version": "1.6",
        "kind": "UPDATED",
        "action": "MeterValues",
        "message_id": f"m-{event_id}",
        "timestamp": ts(at),
        "received_at": ts(at),
        "transaction_id": "42",
        "connector_id": 1,
        "evse_id": None,
        "id_tag": "TAG",
        "meter_wh": None,
        "seq_no": None,
        "trigger_reason": None,
        "charging_state": None,
        "stop_reason": None,
        "offline": False,
        "samples": samples,
        "flags": [],
        **extra,
    }


def cdr(
    cdr_id: str,
    end: str,
    excl: str,
    incl: str | None = None,
    energy: str = "10",
    partner: str = "DE-EMS",
    currency: str = "EUR",
    credit: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": cdr_id,
        "country_code": "NL",
        "party_id": "RST",
        "partner": partner,
        "charge_point_id": "CP-1",
        "transaction_id": f"tx-{cdr_id}",
        "session_id": f"s-{cdr_id}",
        "start_date_time": ts(end),
        "end_date_time": ts(end),
        "currency": currency,
        "total_energy": Decimal(energy),
        "total_time": Decimal("1"),
        "total_parking_time": Decimal("0"),
        "total_cost_excl_vat": Decimal(excl),
        "total_cost_incl_vat": None if incl is None else Decimal(incl),
        "credit": credit,
        "credit_reference_id": None,
        "last_updated": ts(end),
        "ocpi_json": f'{{"id": "{cdr_id}"}}',
        **extra,
    }


def session(session_id: str, last_updated: str, kwh: str = "1.5", status: str = "ACTIVE") -> dict[str, Any]:
    return {
        "id": session_id,
        "country_code": "NL",
        "party_id": "RST",
        "partner": "DE-EMS",
        "charge_point_id": "CP-1",
        "status": status,
        "start_date_time": ts(last_updated),
        "end_date_time": None,
        "kwh": Decimal(kwh),
        "last_updated": ts(last_updated),
        "ocpi_json": "{}",
    }


def push_result(
    object_id: str,
    attempt: int,
    *,
    ok: bool,
    code: int | None,
    latency: float | None,
    partner: str = "DE-EMS",
    at: str = "2026-03-01T12:00:00",
    error: str | None = None,
    module: str = "cdrs",
    object_time: str | None = None,
) -> dict[str, Any]:
    """A push made ``at``; ``object_time`` is the pushed object's last_updated (default: ``at``)."""
    return {
        "partner": partner,
        "module": module,
        "object_id": object_id,
        "method": "POST",
        "url": f"https://emsp.example/cdrs/{object_id}",
        "attempt": attempt,
        "http_status": 200 if ok else 503,
        "ocpi_status_code": code,
        "ocpi_status_message": None,
        "location": None,
        "ok": ok,
        "error": error,
        "event_time": ts(object_time or at),
        "pushed_at": ts(at),
        "latency_ms": latency,
    }


def statement_line(
    cdr_id: str,
    excl: str,
    incl: str | None = None,
    energy: str = "10",
    partner: str = "DE-EMS",
    currency: str = "EUR",
    statement_id: str = "ST-1",
    period: tuple[str, str] = ("2026-03-01", "2026-03-31"),
) -> dict[str, Any]:
    return {
        "partner": partner,
        "statement_id": statement_id,
        "period_start": date.fromisoformat(period[0]),
        "period_end": date.fromisoformat(period[1]),
        "cdr_id": cdr_id,
        "currency": currency,
        "total_cost_excl_vat": Decimal(excl),
        "total_cost_incl_vat": None if incl is None else Decimal(incl),
        "total_energy": Decimal(energy),
    }


def dead_letter(
    reason: str, occurred_at: str, event_time: str | None = None, offset: int | None = 7
) -> dict[str, Any]:
    return {
        "stage": "pricing",
        "reason": reason,
        "source_topic": "sessions.completed.v1",
        "source_partition": 0,
        "source_offset": offset,
        "key": b"CP-1",
        "payload": b"\x00\x01",
        "event_time": ts(event_time) if event_time else None,
        "occurred_at": ts(occurred_at),
    }


def ocpi_object(object_id: str, last_updated: str, document: dict[str, Any], *, deleted: bool = False,
                country_code: str = "NL", party_id: str = "RST") -> dict[str, Any]:
    """An ``ocpi.object.v1`` record (a Location, Tariff or Token version)."""
    import json

    return {
        "country_code": country_code,
        "party_id": party_id,
        "id": object_id,
        "last_updated": ts(last_updated),
        "deleted": deleted,
        "ocpi_json": "null" if deleted else json.dumps(document),
    }


def location_object(location_id: str, last_updated: str, time_zone: str = "Europe/Amsterdam",
                    evses: int = 2) -> dict[str, Any]:
    return ocpi_object(location_id, last_updated, {
        "id": location_id, "name": f"Site {location_id}", "city": "Utrecht", "country": "NLD",
        "time_zone": time_zone, "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
        "evses": [{"uid": f"{location_id}-{n}"} for n in range(evses)],
    })


def tariff_object(tariff_id: str, last_updated: str) -> dict[str, Any]:
    return ocpi_object(tariff_id, last_updated, {
        "id": tariff_id, "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.3, "step_size": 1}]},
                     {"price_components": [{"type": "PARKING_TIME", "price": 2, "step_size": 60}]}],
    })


def token_object(uid: str, last_updated: str, contract_id: str = "DE-EMS-C1") -> dict[str, Any]:
    return ocpi_object(uid, last_updated, {
        "uid": uid, "type": "RFID", "contract_id": contract_id, "issuer": "EMS", "valid": True,
        "whitelist": "ALLOWED",
    }, country_code="DE", party_id="EMS")
def station_event(
    cp: str, timestamp: str, kind: str = "MESSAGE", action: str | None = "DataTransfer", frame: str | None = "[2]"
) -> dict[str, Any]:
    return {
        "charge_point_id": cp,
        "ocpp_version": "2.0.1",
        "kind": kind,
        "timestamp": ts(timestamp),
        "received_at": ts(timestamp),
        "connector_id": None,
        "evse_id": None,
        "status": None,
        "error_code": None,
        "vendor": None,
        "model": None,
        "clock_skew_ms": 0,
        "message_action": action,
        "frame": frame,
    }
