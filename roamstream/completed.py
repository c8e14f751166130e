"""``sessions.completed.v1``: the sessions the fold has closed, with the meter timeline pricing needs.

The value is an Avro union of ``CompletedSession`` (a record per timeline point: ``samples``) and
``CompletedSessionV2`` (the same fields, the points in columns: ``timeline``). A timeline of a hundred points
costs a hundred records to write and to read (about 0.3 ms each way, with their timestamps converted);
in columns it is an array of longs and four strings. Producers write ``CompletedSessionV2`` (``encode``);
readers see a ``CompletedSession`` either way (``decode``): the same dict, key for key and type for type, as
decoding the ``CompletedSession`` of the same record gives. A timeline the columns cannot hold exactly (a value
that is not a non-empty string without U+001F, a point with other fields) is written as a ``CompletedSession``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from roamstream.avro import AvroSerde, SerdeError
from roamstream.event_samples import SEP
from roamstream.sessions.state import from_us, to_us

TOPIC = "sessions.completed.v1"
V1 = "roamstream.sessions.CompletedSession"
V2 = "roamstream.sessions.CompletedSessionV2"
SAMPLES = "samples"
COLUMNS = "timeline"
POINT_FIELDS = ("timestamp", "energy_wh", "power_w", "current_a", "charging")
_CHARGING = {True: "1", False: "0"}
_FLAG = {"1": True, "0": False}


def encode(serde: AvroSerde, record: dict[str, Any]) -> bytes:
    """The ``sessions.completed.v1`` value of a completed-session record (``CompletedSession`` shape)."""
    return serde.encode(TOPIC, branch(record))


def decode(serde: AvroSerde, value: bytes) -> dict[str, Any]:
    """A ``sessions.completed.v1`` value as a ``CompletedSession`` record, whichever branch it was written as."""
    record = serde.decode(TOPIC, value)
    try:
        return with_samples(record)
    except (ValueError, KeyError, OverflowError) as exc:
        raise SerdeError(f"cannot read {TOPIC}: {exc}") from exc


def branch(record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The union value of ``record``: a ``CompletedSessionV2`` (a ``CompletedSession`` if its timeline does not
    fit columns)."""
    columns = to_columns(record[SAMPLES]) if SAMPLES in record else None
    if columns is None:
        return V1, record
    return V2, {(COLUMNS if k == SAMPLES else k): (columns if k == SAMPLES else v) for k, v in record.items()}


def with_samples(record: dict[str, Any]) -> dict[str, Any]:
    """A decoded ``CompletedSessionV2`` as the ``CompletedSession`` it stands for (the same fields in the same
    order, ``samples`` where ``timeline`` was); a ``CompletedSession`` as it is."""
    if COLUMNS not in record:
        return record
    return {(SAMPLES if k == COLUMNS else k): (from_columns(v) if k == COLUMNS else v) for k, v in record.items()}


def to_columns(points: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The ``TimelineColumns`` of ``points``; None if they cannot be held exactly."""
    for p in points:
        at = p.get("timestamp")
        if len(p) != len(POINT_FIELDS) or type(p.get("charging")) is not bool or not isinstance(at, datetime) \
                or at.tzinfo is None:
            return None
    try:
        columns: dict[str, Any] = {"timestamps": [to_us(p["timestamp"]) for p in points]}
        for name, nullable in (("energy_wh", False), ("power_w", True), ("current_a", True)):
            values = [p[name] for p in points]
            if nullable:  # null as the empty string, which a value then must not be
                if not all(v is None or (type(v) is str and v and SEP not in v) for v in values):
                    return None
                columns[name] = SEP.join(["" if v is None else v for v in values])
            else:
                if not all(type(v) is str and v and SEP not in v for v in values):
                    return None
                columns[name] = SEP.join(values)
    except KeyError:
        return None
    columns["charging"] = "".join([_CHARGING[p["charging"]] for p in points])
    return columns


def from_columns(columns: dict[str, Any]) -> list[dict[str, Any]]:
    """The points of a ``TimelineColumns``, as ``CompletedSession`` has them (``timestamp`` a UTC datetime)."""
    timestamps = columns["timestamps"]
    count = len(timestamps)
    if count == 0:
        if any(columns[name] for name in ("energy_wh", "power_w", "current_a", "charging")):
            raise ValueError("timeline columns of unequal lengths (no timestamps)")
        return []
    energy = columns["energy_wh"].split(SEP)
    power = columns["power_w"].split(SEP)
    current = columns["current_a"].split(SEP)
    charging = columns["charging"]
    if not len(energy) == len(power) == len(current) == len(charging) == count:
        raise ValueError(f"timeline columns of unequal lengths ({count} timestamps)")
    return [{"timestamp": from_us(timestamps[i]), "energy_wh": energy[i], "power_w": power[i] or None,
             "current_a": current[i] or None, "charging": _FLAG[charging[i]]} for i in range(count)]
