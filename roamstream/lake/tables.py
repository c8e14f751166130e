"""The lake catalog: each table, the topic it lands, its Arrow schema and the event time that gives ``dt``.

Flat topics keep their Avro field names and types (see :mod:`roamstream.lake.arrow`). ``meter_values`` is
``ocpp.events.v1``'s transaction events flattened to one row per sample; its numeric value is a ``decimal128(38, 9)``
(values are normalised decimal strings in Wh, W, A, V or %; 29 integer and 9 fractional digits hold every
plausible reading exactly, and one that does not fit is refused, never rounded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

import schemas
from roamstream.event_samples import SampleColumnsError, samples_of
from roamstream.lake import flat
from roamstream.lake.arrow import UTC_MICROS, arrow_schema
from roamstream.lake.exceptions import LakeError, UnknownTableError
from roamstream.topics import spec as topic_spec

Row = dict[str, Any]

METER_VALUE_PRECISION, METER_VALUE_SCALE = 38, 9
METER_VALUE_TYPE = pa.decimal128(METER_VALUE_PRECISION, METER_VALUE_SCALE)


class InvalidRecord(LakeError):
    """Raised by a table's row function; the writer adds the table and the record's index."""


#: the pseudo-column of the file a row came from, for choosing between copies (``keep``)
SOURCE_FILE = "__source_file"


@dataclass(frozen=True, slots=True)
class LakeTable:
    name: str
    topic: str
    schema: pa.Schema
    #: the event time of one row (never the wall clock); its UTC date is the row's ``dt``
    event_time: Callable[[Row], datetime | date | None]
    #: the rows of one decoded record
    rows: Callable[[Row], list[Row]] = field(default=lambda record: [record])
    #: the natural key: at-least-once landing may write a row twice, one row per key is the truth
    key: tuple[str, ...] = ()
    #: which copy of a key is kept: the first in this order, ``(column, "ascending"|"descending")``; the
    #: analytics views (analytics/sql/<table>.sql) keep the same one
    keep: tuple[tuple[str, str], ...] = ((SOURCE_FILE, "descending"),)


def partition_date(moment: datetime | date) -> date:
    """The UTC date of an event time; a naive datetime is taken as UTC (as Arrow stores it)."""
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()
    return moment


def exact_decimal(text: str, precision: int, scale: int) -> Decimal:
    """``text`` as a Decimal that fits ``decimal(precision, scale)`` exactly, or InvalidRecord."""
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        raise InvalidRecord(f"not a decimal: {text!r}") from None
    if not value.is_finite():
        raise InvalidRecord(f"not a finite decimal: {text!r}")
    _, digits, exponent = value.as_tuple()
    while exponent < 0 and len(digits) > 1 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    if exponent < -scale:
        raise InvalidRecord(f"{text!r} has more than {scale} decimal places")
    if len(digits) + exponent > precision - scale:
        raise InvalidRecord(f"{text!r} has more than {precision - scale} integer digits")
    return value


METER_VALUES_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("sample_index", pa.int32(), nullable=False),
        pa.field("charge_point_id", pa.string(), nullable=False),
        pa.field("transaction_id", pa.string()),
        pa.field("ocpp_version", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("action", pa.string(), nullable=False),
        pa.field("connector_id", pa.int32()),
        pa.field("evse_id", pa.int32()),
        pa.field("event_timestamp", UTC_MICROS, nullable=False),
        pa.field("received_at", UTC_MICROS, nullable=False),
        pa.field("sample_timestamp", UTC_MICROS, nullable=False),
        pa.field("measurand", pa.string(), nullable=False),
        pa.field("value", METER_VALUE_TYPE, nullable=False),
        pa.field("unit", pa.string(), nullable=False),
        pa.field("raw_value", pa.string(), nullable=False),
        pa.field("raw_unit", pa.string()),
        pa.field("phase", pa.string()),
        pa.field("location", pa.string()),
        pa.field("context", pa.string()),
        pa.field("offline", pa.bool_(), nullable=False),
        pa.field("flags", pa.list_(pa.string()), nullable=False),
    ]
)


def meter_value_rows(event: Row) -> list[Row]:
    """One row per sample of a transaction event (an event without samples, or a station event, gives none)."""
    try:
        samples = samples_of(event)  # either shape of ocpp.events.v1's transaction events
    except SampleColumnsError as exc:
        raise InvalidRecord(str(exc)) from None
    if not samples:
        return []
    common = {
        "event_id": event["event_id"],
        "charge_point_id": event["charge_point_id"],
        "transaction_id": event.get("transaction_id"),
        "ocpp_version": event["ocpp_version"],
        "kind": event["kind"],
        "action": event["action"],
        "connector_id": event.get("connector_id"),
        "evse_id": event.get("evse_id"),
        "event_timestamp": event["timestamp"],
        "received_at": event["received_at"],
        "offline": event.get("offline", False),
        "flags": list(event.get("flags") or []),
    }
    return [
        {
            **common,
            "sample_index": index,
            "sample_timestamp": sample["timestamp"],
            "measurand": sample["measurand"],
            "value": exact_decimal(sample["value"], METER_VALUE_PRECISION, METER_VALUE_SCALE),
            "unit": sample["unit"],
            "raw_value": sample["raw_value"],
            "raw_unit": sample.get("raw_unit"),
            "phase": sample.get("phase"),
            "location": sample.get("location"),
            "context": sample.get("context"),
        }
        for index, sample in enumerate(samples)
    ]


def station_event_rows(event: Row) -> list[Row]:
    """``ocpp.events.v1``'s station events as they are; transaction events give none (see ``meter_values``)."""
    return [] if "action" in event else [event]


def _flat(name: str, topic: str, event_time: Callable[[Row], datetime | date | None], key: tuple[str, ...],
          keep: tuple[tuple[str, str], ...] = ((SOURCE_FILE, "descending"),),
          fields: tuple[pa.Schema, Callable[[str], Row]] | None = None) -> LakeTable:
    """A table of a flat topic; ``fields``: extra flat columns from the record's ``ocpi_json``."""
    schema = arrow_schema(schemas.raw(topic_spec(topic).schema))
    if fields is None:
        return LakeTable(name, topic, schema, event_time, key=key, keep=keep)
    extra, extract = fields

    def rows(record: Row) -> list[Row]:
        try:
            return [{**record, **extract(record["ocpi_json"])}]
        except flat.InvalidDocument as exc:
            raise InvalidRecord(str(exc)) from None

    return LakeTable(name, topic, pa.unify_schemas([schema, extra]), event_time, rows, key=key, keep=keep)


def _reference(name: str, topic: str, fields: tuple[pa.Schema, Callable[[str], Row]]) -> LakeTable:
    """Every version of a reference object (``ocpi.object.v1``), its flat fields beside the document."""
    return _flat(name, topic, lambda row: row.get("last_updated"),
                 ("country_code", "party_id", "id", "last_updated"), fields=fields)


TABLES: dict[str, LakeTable] = {
    t.name: t
    for t in (
        LakeTable(
            "meter_values",
            "ocpp.events.v1",
            METER_VALUES_SCHEMA,
            lambda row: row["sample_timestamp"],
            meter_value_rows,
            key=("event_id", "sample_index"),
        ),
        _flat(
            "sessions", "ocpi.sessions.v1", lambda row: row.get("last_updated"), ("id", "last_updated"),
            fields=(flat.SESSION_FIELDS, flat.session_fields),
        ),
        _flat(
            "cdrs", "ocpi.cdrs.v1", lambda row: row.get("end_date_time"), ("id",),
            (("last_updated", "descending"), (SOURCE_FILE, "descending")), (flat.CDR_FIELDS, flat.cdr_fields),
        ),
        _flat(
            "push_results", "push.results.v1", lambda row: row.get("event_time"),
            ("partner", "module", "object_id", "event_time", "attempt"),
            (("pushed_at", "descending"), (SOURCE_FILE, "descending")),
        ),
        _flat(
            "partner_statements", "partner.statements.v1", lambda row: row.get("period_end"),
            ("partner", "statement_id", "cdr_id"),
        ),
        _flat(
            "deadletter", "deadletter.v1", lambda row: row.get("event_time") or row.get("occurred_at"),
            # letter_id: a letter's own identity (two stations' same bad frame are two letters); letters landed
            # before they had one are told apart, as then, by the rest
            ("letter_id", "stage", "source_topic", "source_partition", "source_offset", "reason", "payload"),
            (("occurred_at", "ascending"), (SOURCE_FILE, "ascending")),
        ),
        _reference("locations", "ocpi.locations.v1", (flat.LOCATION_FIELDS, flat.location_fields)),
        _reference("tariffs", "ocpi.tariffs.v1", (flat.TARIFF_FIELDS, flat.tariff_fields)),
        _reference("tokens", "ocpi.tokens.v1", (flat.TOKEN_FIELDS, flat.token_fields)),
        LakeTable(
            "station_events",
            "ocpp.events.v1",
            arrow_schema(schemas.raw("ocpp.events.v1")[1]),
            lambda row: row.get("timestamp"),
            station_event_rows,
            key=("charge_point_id", "kind", "timestamp", "received_at", "connector_id", "evse_id", "status",
                 "message_action", "frame"),
            keep=((SOURCE_FILE, "ascending"),),
        ),
    )
}

BY_TOPIC: dict[str, list[LakeTable]] = {}
for _table in TABLES.values():
    BY_TOPIC.setdefault(_table.topic, []).append(_table)


def table(name: str) -> LakeTable:
    try:
        return TABLES[name]
    except KeyError:
        raise UnknownTableError(f"unknown lake table {name!r}; known: {', '.join(TABLES)}") from None
