"""The samples of a transaction event in its two ``ocpp.events.v1`` shapes (pure: no I/O).

A ``TransactionEvent`` carries ``samples``, a record per sample: decoding a meter-value event of nine samples
costs nine dicts and 81 field reads. A ``TransactionEventV2`` (what producers write) carries the same samples
as ``meter_values``: per run of samples of one station time, one string per field, the samples' values joined
by U+001F (the ASCII unit separator), empty for null in the nullable fields. That decodes in a few reads, and
the sessions fold splits only the columns it uses (``readings``); everyone else sees ``samples`` as before
(``samples_of``). Samples the columns cannot hold exactly (a string with U+001F in it, an empty string where
null is allowed, a value that is not a string) are written as a ``TransactionEvent`` (``to_columns`` says None).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from roamstream.avro import SerdeError

SEP = "\x1f"
SAMPLES = "samples"
COLUMNS = "meter_values"
#: (sample field, its column, whether the field is nullable), in the schema's order
FIELDS = (
    ("measurand", "measurands", False),
    ("value", "values", False),
    ("unit", "units", False),
    ("raw_value", "raw_values", False),
    ("raw_unit", "raw_units", True),
    ("phase", "phases", True),
    ("location", "locations", True),
    ("context", "contexts", True),
)

Timestamp = int | datetime
#: what the fold reads of a sample: (timestamp, measurand, phase, location, value)
SampleView = tuple[Timestamp, str, str | None, str | None, str]


class SampleColumnsError(SerdeError):
    """A ``MeterValue`` whose columns do not hold the same number of samples."""


def to_columns(samples: Sequence[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """``samples`` as ``meter_values`` (runs of equal time, in order); None when the columns cannot hold them."""
    groups = []
    i, n = 0, len(samples)
    while i < n:
        at = samples[i]["timestamp"]
        j = i + 1
        while j < n and samples[j]["timestamp"] == at:
            j += 1
        group: dict[str, Any] = {"timestamp": at}
        for field, column, nullable in FIELDS:
            items = [s.get(field) for s in samples[i:j]]
            if nullable:
                if "" in items:
                    return None
                items = ["" if v is None else v for v in items]
            if not all(isinstance(v, str) for v in items):
                return None
            joined = SEP.join(items)
            if joined.count(SEP) != len(items) - 1:
                return None
            group[column] = joined
        groups.append(group)
        i = j
    return groups


def _split(group: dict[str, Any], column: str, count: int) -> list[str]:
    items = group[column].split(SEP)
    if len(items) != count:
        raise SampleColumnsError(f"meter value at {group['timestamp']}: {column} holds {len(items)} samples, "
                                 f"measurands {count}")
    return items


def from_columns(groups: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``meter_values`` as ``samples``: the records a ``TransactionEvent`` would carry, field for field."""
    out = []
    for group in groups:
        measurands = group["measurands"].split(SEP)
        count = len(measurands)
        values, units, raw_values, raw_units, phases, locations, contexts = (
            _split(group, column, count) for _, column, _ in FIELDS[1:])
        at = group["timestamp"]
        for k in range(count):
            out.append({
                "timestamp": at,
                "measurand": measurands[k],
                "value": values[k],
                "unit": units[k],
                "raw_value": raw_values[k],
                "raw_unit": raw_units[k] or None,
                "phase": phases[k] or None,
                "location": locations[k] or None,
                "context": contexts[k] or None,
            })
    return out


def samples_of(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The samples of a decoded transaction event of either shape."""
    groups = event.get(COLUMNS)
    if groups is not None:
        return from_columns(groups)
    return event.get(SAMPLES) or []


def with_samples(event: dict[str, Any]) -> dict[str, Any]:
    """A decoded ``TransactionEventV2`` as the ``TransactionEvent`` it stands for (the same fields in the same
    order, ``samples`` where ``meter_values`` was); any other record as it is."""
    if COLUMNS not in event:
        return event
    return {(SAMPLES if k == COLUMNS else k): (from_columns(v) if k == COLUMNS else v) for k, v in event.items()}


def with_columns(event: dict[str, Any]) -> dict[str, Any] | None:
    """A ``TransactionEvent`` record as a ``TransactionEventV2`` one; None when its samples do not fit columns."""
    groups = to_columns(event.get(SAMPLES) or ())
    if groups is None:
        return None
    return {(COLUMNS if k == SAMPLES else k): (groups if k == SAMPLES else v) for k, v in event.items()}


def readings(event: dict[str, Any]) -> Iterator[SampleView]:
    """(timestamp, measurand, phase, location, value) of each sample of either shape, in order, without a dict
    per sample: for the sessions fold."""
    groups = event.get(COLUMNS)
    if groups is None:
        for s in event.get(SAMPLES) or ():
            yield s["timestamp"], s["measurand"], s.get("phase"), s.get("location"), s["value"]
        return
    for group in groups:
        measurands = group["measurands"].split(SEP)
        count = len(measurands)
        at = group["timestamp"]
        phases = _split(group, "phases", count)
        locations = _split(group, "locations", count)
        values = _split(group, "values", count)
        for k in range(count):
            yield at, measurands[k], phases[k] or None, locations[k] or None, values[k]
