"""``ocpp.events.v1``: every event of a charge point, in the order the connector received it.

One topic keyed by charge point id carries its transaction events and its station events (connection, boot,
heartbeat, connector status, and the connector's clock ticks) alike, so the order the sessions fold sees is
the partition's offset order, fixed at ingestion: live, on replay and after a restart it is the same,
whatever the consumer's batches or the other charge points of the partition do. The value is an Avro union
of the ``TransactionEvent``, ``StationEvent`` and ``TransactionEventV2`` records (``schemas/ocpp.events.v1.avsc``);
a decoded transaction event is the one with an ``action``. ``TransactionEventV2`` is a ``TransactionEvent`` whose
samples are in columns (``roamstream.event_samples``): producers write it (``encode``), readers see a
``TransactionEvent`` either way (``decode``) unless they ask for the columns (the sessions fold does).

Older data: ``ocpp.transaction.v1`` and ``ocpp.station.v1`` (two topics, before this one) are read by the
replay of older recordings only, merged per charge point in receive order (``merge_legacy``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from roamstream import event_samples
from roamstream.avro import AvroSerde

TOPIC = "ocpp.events.v1"
LEGACY_TRANSACTIONS = "ocpp.transaction.v1"
LEGACY_STATIONS = "ocpp.station.v1"
TRANSACTION = "roamstream.ocpp.TransactionEvent"
STATION = "roamstream.ocpp.StationEvent"
TRANSACTION_V2 = "roamstream.ocpp.TransactionEventV2"


def is_transaction(record: dict[str, Any]) -> bool:
    return "action" in record


def branch(record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The union value of a transaction event (``TransactionEvent`` shape) or station event record: a
    transaction event as a ``TransactionEventV2`` (a ``TransactionEvent`` if its samples do not fit columns)."""
    if not is_transaction(record):
        return STATION, record
    columns = event_samples.with_columns(record)
    return (TRANSACTION, record) if columns is None else (TRANSACTION_V2, columns)


def encode(serde: AvroSerde, record: dict[str, Any]) -> bytes:
    """An ``ocpp.events.v1`` value of a transaction or station event record (``branch``)."""
    return serde.encode(TOPIC, branch(record))


def decode(serde: AvroSerde, value: bytes, *, logical_types: bool = True, columns: bool = False) -> dict[str, Any]:
    """A decoded ``ocpp.events.v1`` value; a transaction event in the ``TransactionEvent`` shape, or with
    ``columns`` as written (``meter_values`` of a ``TransactionEventV2``: ``event_samples.readings`` reads both)."""
    record = serde.decode(TOPIC, value, logical_types=logical_types)
    return record if columns else event_samples.with_samples(record)


def _received(record: dict[str, Any]) -> int | datetime:
    return record["received_at"]


def merge_legacy(transactions: Iterable[dict[str, Any]], stations: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One charge point's records of the two older topics as one stream in receive order.

    Each topic is in receive order already (the connector published in order); the merge keeps that order
    and, at equal receive times, puts the station event first (the connector published a status before the
    transaction message it answered later in the same instant only if it received it first; at one clock
    reading the order is unknowable, and this fixed rule makes it the same on every replay).
    """
    merged: list[dict[str, Any]] = []
    tx = list(transactions)
    st = list(stations)
    i = j = 0
    while i < len(tx) or j < len(st):
        if j < len(st) and (i >= len(tx) or _received(st[j]) <= _received(tx[i])):
            merged.append(st[j])
            j += 1
        else:
            merged.append(tx[i])
            i += 1
    return merged


def is_station_value(value: bytes) -> bool:
    """Whether an encoded ``ocpp.events.v1`` value is a station event, without decoding it: after the Confluent
    framing (5 bytes) comes the union branch as a zigzag varint, 0 (``TransactionEvent``), 2 (``StationEvent``,
    branch 1) or 4 (``TransactionEventV2``, branch 2). For a stage that reads only station events off the busy
    topic."""
    return len(value) > 5 and value[5] == 2
