"""Recompute sessions: find their completed-session records on ``sessions.completed.v1`` and send them again.

The pricing stage prices a record it has already priced like any other; it compares the result with the
CDR it issued (``issued_cdrs``) and sends nothing when it is the same, or a Credit CDR and a new CDR when it
differs (e.g. after a tariff correction: PUT the corrected tariff with a newer ``last_updated``, then
reprice the sessions it covers). Records the pricing stage sent itself to retry a parked session are
skipped. The topic is read from its start; with the embedded broker (whose end offsets can be too low,
DESIGN.md) reading stops only after ``idle_s`` without a record past them. Records older than the topic's
retention cannot be found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from confluent_kafka import Producer

from pipelines.pricing import RETRY_HEADER
from roamstream.avro import AvroSerde, SerdeError
from roamstream.config import Settings
from roamstream.exceptions import RoamstreamError
from roamstream.kafka import producer_config, read_to_end

TOPIC = "sessions.completed.v1"


class RepriceError(RoamstreamError):
    """The completed-session records could not be read or sent again."""


@dataclass(frozen=True, slots=True)
class Found:
    session_id: str
    charge_point_id: str
    key: bytes
    value: bytes


def find_completed(settings: Settings, serde: AvroSerde, session_ids: Iterable[str], *, idle_s: float = 1.0,
                   limit_s: float = 60.0) -> dict[str, Found]:
    """The latest completed-session record of each of ``session_ids`` found on the topic."""
    wanted = set(session_ids)
    found: dict[str, Found] = {}
    for message in read_to_end(settings, TOPIC, error=RepriceError, group="reprice", idle_s=idle_s,
                               limit_s=limit_s):
        if any(k == RETRY_HEADER for k, _ in message.headers() or ()):
            continue
        try:
            record = serde.decode(TOPIC, message.value())
        except SerdeError:
            continue  # the pricing stage dead-lettered it when it came
        if record["session_id"] in wanted:
            found[record["session_id"]] = Found(record["session_id"], record["charge_point_id"],
                                                message.key(), message.value())
    return found


def send_again(settings: Settings, records: Iterable[Found]) -> int:
    """Send ``records`` to the topic again, with their keys (so to their partitions); the number sent."""
    producer = Producer(producer_config(settings))
    sent = 0
    errors: list[str] = []

    def delivered(err, _msg) -> None:  # noqa: ANN001 - confluent-kafka's callback
        if err is not None:
            errors.append(err.str())

    for found in records:
        producer.produce(settings.topic(TOPIC), key=found.key, value=found.value, on_delivery=delivered)
        sent += 1
    if producer.flush(10) or errors:
        raise RepriceError(f"{TOPIC}: not all records were delivered: {errors or 'timeout'}")
    return sent


def reprice(settings: Settings, serde: AvroSerde, session_ids: Iterable[str]) -> tuple[list[Found], list[str]]:
    """Send the completed records of ``session_ids`` again: (the records sent, the session ids not found)."""
    wanted = list(dict.fromkeys(session_ids))
    found = find_completed(settings, serde, wanted)
    records = [found[s] for s in wanted if s in found]
    send_again(settings, records)
    return records, [s for s in wanted if s not in found]
