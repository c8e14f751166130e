"""OCPP 1.6 messages (snake_case payloads, as the ``ocpp`` package passes them) to the internal model."""

from __future__ import annotations

import hashlib
from typing import Any

from connectors.ocpp.common import decimal_string, field, integer, optional_int, station_event, station_time, text
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

VERSION = "1.6"


def transaction_id(charge_point_id: str, connector_id: int, id_tag: str, timestamp: str, meter_start: str) -> int:
    """The id we allocate: a positive 31-bit int from the start's natural key, so a retried or replayed
    StartTransaction (even after a restart of the connector) gets the same id."""
    key = "\x1f".join((charge_point_id, str(connector_id), id_tag, timestamp, meter_start))
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") & 0x7FFFFFFF or 1


def samples(meter_value: Any, rx: Received) -> tuple[Sample, ...]:
    out: list[Sample] = []
    for entry in meter_value or ():
        at = station_time(field(entry, "timestamp"), rx, "sample_timestamp")
        for sv in entry.get("sampled_value") or ():
            if sv.get("format") == "SignedData":
                rx.flags.append(f"signed_data_skipped:{sv.get('measurand') or 'Energy.Active.Import.Register'}")
                continue
            raw = RawSample(
                timestamp=at,
                value=field(sv, "value"),
                measurand=sv.get("measurand"),
                unit=sv.get("unit"),
                phase=sv.get("phase"),
                location=sv.get("location"),
                context=sv.get("context"),
            )
            sample = normalise(raw, rx.flags)
            if sample is not None:
                out.append(sample)
    return tuple(out)


def _tx(rx: Received, kind: TxKind, key: tuple, **fields: Any) -> TransactionEvent:
    return TransactionEvent(
        clock_skew_ms=skew_ms(rx.received_at, fields["timestamp"]),
        event_id=event_id(rx.charge_point_id, VERSION, *key),
        charge_point_id=rx.charge_point_id,
        ocpp_version=VERSION,
        kind=kind,
        action=rx.action,
        message_id=rx.message_id,
        received_at=rx.received_at,
        flags=tuple(rx.flags),
        **fields,
    )


def start_transaction(payload: dict[str, Any], rx: Received) -> TransactionEvent:
    connector_id = integer(field(payload, "connector_id"), "connectorId")
    id_tag = text(field(payload, "id_tag"))
    meter_start = decimal_string(field(payload, "meter_start"), "meterStart")
    at = station_time(field(payload, "timestamp"), rx)
    tx = str(transaction_id(rx.charge_point_id, connector_id, id_tag, at.isoformat(), meter_start))
    return _tx(
        rx,
        TxKind.STARTED,
        ("STARTED", tx),
        timestamp=at,
        transaction_id=tx,
        connector_id=connector_id,
        id_tag=id_tag,
        meter_wh=meter_start,
    )


def stop_transaction(payload: dict[str, Any], rx: Received) -> TransactionEvent:
    tx = str(integer(field(payload, "transaction_id"), "transactionId"))
    meter_stop = decimal_string(field(payload, "meter_stop"), "meterStop")
    at = station_time(field(payload, "timestamp"), rx)
    data = samples(payload.get("transaction_data"), rx)
    return _tx(
        rx,
        TxKind.ENDED,
        ("ENDED", tx),
        timestamp=at,
        transaction_id=tx,
        id_tag=text(payload.get("id_tag")),
        meter_wh=meter_stop,
        stop_reason=text(payload.get("reason")) or "Local",
        samples=data,
    )


def meter_values(payload: dict[str, Any], rx: Received) -> TransactionEvent:
    connector_id = integer(field(payload, "connector_id"), "connectorId")
    tx_number = optional_int(payload, "transaction_id")
    tx = None if tx_number is None else str(tx_number)
    data = samples(field(payload, "meter_value"), rx)
    at = data[0].timestamp if data else rx.received_at
    return _tx(
        rx,
        TxKind.UPDATED,
        ("UPDATED", connector_id, tx, *sample_key(data)),
        timestamp=at,
        transaction_id=tx,
        connector_id=connector_id,
        meter_wh=energy_register_wh(data),
        samples=data,
    )


def boot(payload: dict[str, Any], rx: Received) -> StationEvent:
    return station_event(rx, VERSION, StationKind.BOOT, vendor=text(payload.get("charge_point_vendor")),
                         model=text(payload.get("charge_point_model")))


def heartbeat(payload: dict[str, Any], rx: Received) -> StationEvent:
    return station_event(rx, VERSION, StationKind.HEARTBEAT)


def status(payload: dict[str, Any], rx: Received) -> StationEvent:
    stamp = payload.get("timestamp")
    return station_event(
        rx, VERSION, StationKind.STATUS, None if stamp is None else station_time(stamp, rx),
        connector_id=integer(field(payload, "connector_id"), "connectorId"),
        status=text(field(payload, "status")),
        error_code=text(payload.get("error_code")),
    )
