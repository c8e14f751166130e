"""OCPP 2.0.1 messages (snake_case payloads, as the ``ocpp`` package passes them) to the internal model."""

from __future__ import annotations

from typing import Any

from connectors.ocpp.common import field, integer, optional_int, station_event, station_time, text
from connectors.ocpp.exceptions import UninterpretableMessage
from connectors.ocpp.measurands import RawSample, energy_register_wh, normalise, sample_key
from connectors.ocpp.model import (
    Received,
    Sample,
    StationEvent,
    StationKind,
    TransactionEvent,
    TxKind,
    event_id,
    skew_ms,
)

VERSION = "2.0.1"
KINDS = {"Started": TxKind.STARTED, "Updated": TxKind.UPDATED, "Ended": TxKind.ENDED}


def samples(meter_value: Any, rx: Received) -> tuple[Sample, ...]:
    out: list[Sample] = []
    for entry in meter_value or ():
        at = station_time(field(entry, "timestamp"), rx, "sample_timestamp")
        for sv in field(entry, "sampled_value"):
            unit = sv.get("unit_of_measure") or {}
            raw = RawSample(
                timestamp=at,
                value=field(sv, "value"),
                measurand=sv.get("measurand"),
                unit=unit.get("unit"),
                multiplier=integer(unit.get("multiplier", 0), "multiplier"),
                phase=sv.get("phase"),
                location=sv.get("location"),
                context=sv.get("context"),
            )
            sample = normalise(raw, rx.flags)
            if sample is not None:
                out.append(sample)
    return tuple(out)


def transaction_event(payload: dict[str, Any], rx: Received) -> TransactionEvent:
    kind = KINDS.get(field(payload, "event_type"))
    if kind is None:
        raise UninterpretableMessage(f"eventType {payload['event_type']!r} is not Started, Updated or Ended")
    info = field(payload, "transaction_info")
    tx = text(field(info, "transaction_id"))
    seq_no = integer(field(payload, "seq_no"), "seqNo")
    at = station_time(field(payload, "timestamp"), rx)
    evse = payload.get("evse") or {}
    token = payload.get("id_token") or {}
    data = samples(payload.get("meter_value"), rx)
    stop_reason = text(info.get("stopped_reason"))
    if kind is TxKind.ENDED and stop_reason is None:
        stop_reason = "Local"  # the spec's default when stoppedReason is omitted
    return TransactionEvent(
        event_id=event_id(rx.charge_point_id, VERSION, tx, seq_no),
        charge_point_id=rx.charge_point_id,
        ocpp_version=VERSION,
        kind=kind,
        action=rx.action,
        message_id=rx.message_id,
        timestamp=at,
        received_at=rx.received_at,
        transaction_id=tx,
        connector_id=optional_int(evse, "connector_id"),
        evse_id=optional_int(evse, "id"),
        id_tag=text(token.get("id_token")) or None,
        meter_wh=energy_register_wh(data),
        seq_no=seq_no,
        trigger_reason=text(payload.get("trigger_reason")),
        charging_state=text(info.get("charging_state")),
        stop_reason=stop_reason,
        offline=payload.get("offline") is True,
        samples=data,
        flags=tuple(rx.flags),
        clock_skew_ms=skew_ms(rx.received_at, at),
    )


def meter_values(payload: dict[str, Any], rx: Received) -> TransactionEvent:
    """MeterValuesRequest: samples outside a TransactionEvent (no transaction id in 2.0.1)."""
    evse_id = integer(field(payload, "evse_id"), "evseId")
    data = samples(field(payload, "meter_value"), rx)
    at = min((s.timestamp for s in data), default=rx.received_at)
    return TransactionEvent(
        event_id=event_id(rx.charge_point_id, VERSION, "MeterValues", evse_id, *sample_key(data)),
        charge_point_id=rx.charge_point_id,
        ocpp_version=VERSION,
        kind=TxKind.UPDATED,
        action=rx.action,
        message_id=rx.message_id,
        timestamp=at,
        received_at=rx.received_at,
        evse_id=evse_id,
        meter_wh=energy_register_wh(data),
        samples=data,
        flags=tuple(rx.flags),
        clock_skew_ms=skew_ms(rx.received_at, at),
    )


def boot(payload: dict[str, Any], rx: Received) -> StationEvent:
    station = field(payload, "charging_station")
    return station_event(rx, VERSION, StationKind.BOOT, vendor=text(station.get("vendor_name")),
                         model=text(station.get("model")))


def heartbeat(payload: dict[str, Any], rx: Received) -> StationEvent:
    return station_event(rx, VERSION, StationKind.HEARTBEAT)


def status(payload: dict[str, Any], rx: Received) -> StationEvent:
    return station_event(
        rx, VERSION, StationKind.STATUS, station_time(field(payload, "timestamp"), rx),
        connector_id=integer(field(payload, "connector_id"), "connectorId"),
        evse_id=integer(field(payload, "evse_id"), "evseId"),
        status=text(field(payload, "connector_status")),
    )
