from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

import schemas
from roamstream import events
from roamstream.avro import AvroSerde, SerdeError, schema_id
from roamstream.topics import CATALOG


def test_every_catalog_topic_has_a_schema():
    assert {t.schema for t in CATALOG if t.schema} <= set(schemas.names())


def test_ids_are_deterministic_and_distinct():
    ids = [schema_id(schemas.raw(n)) for n in schemas.names()]
    assert len(set(ids)) == len(ids)
    assert ids == [schema_id(schemas.raw(n)) for n in schemas.names()]


def test_roundtrip_with_confluent_framing():
    serde = AvroSerde()
    record = {"country_code": "NL", "party_id": "RST", "id": "T1",
              "last_updated": datetime(2026, 1, 1, tzinfo=UTC), "deleted": True, "ocpi_json": "{}"}
    payload = serde.encode("ocpi.object.v1", record)
    assert payload[0] == 0
    assert int.from_bytes(payload[1:5], "big") == schema_id(schemas.raw("ocpi.object.v1"))
    assert serde.decode("ocpi.object.v1", payload) == record


def test_without_logical_types_timestamps_stay_microseconds_and_the_rest_is_the_same():
    serde = AvroSerde()
    at = datetime(2026, 11, 2, 6, 0, 0, 123456, tzinfo=UTC)
    record = {"country_code": "NL", "party_id": "RST", "id": "T1", "last_updated": at, "deleted": False,
              "ocpi_json": "{}"}
    payload = serde.encode("ocpi.object.v1", record)
    plain = serde.decode("ocpi.object.v1", payload, logical_types=False)
    assert plain == record | {"last_updated": (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)}
    assert serde.decode("ocpi.object.v1", payload) == record  # each way keeps its own parsed schemas


@pytest.mark.parametrize("reader", [events.TOPIC, events.LEGACY_TRANSACTIONS])
def test_a_payload_of_another_schema_is_still_refused_without_logical_types(reader):
    serde = AvroSerde()
    payload = serde.encode("ocpi.object.v1", {"country_code": "NL", "party_id": "RST", "id": "T1",
                                              "last_updated": datetime(2026, 1, 1, tzinfo=UTC), "deleted": False,
                                              "ocpi_json": "{}"})
    with pytest.raises(SerdeError):
        serde.decode(reader, payload, logical_types=False)


def sample(schema, named=None):
    """A record of ``schema`` with a value in every field (the first branch of a union that is not null)."""
    named = {} if named is None else named
    if isinstance(schema, list):
        return sample(next(s for s in schema if s != "null"), named)
    if isinstance(schema, str):
        if schema in named:
            return sample(named[schema], named)
        return {"string": "x", "int": 1, "long": 1, "boolean": True, "bytes": b"x", "double": 1.5}[schema]
    kind = schema["type"]
    if schema.get("logicalType", "").startswith("timestamp"):
        return datetime(2026, 1, 1, tzinfo=UTC)
    if schema.get("logicalType") == "decimal":
        return Decimal("1.2500")
    if schema.get("logicalType") == "date":
        return date(2026, 1, 1)
    if kind == "record":
        named[schema["name"]] = schema
        return {f["name"]: sample(f["type"], named) for f in schema["fields"]}
    if kind == "enum":
        named[schema["name"]] = schema
        return schema["symbols"][0]
    if kind == "array":
        return [sample(schema["items"], named)]
    return sample(kind, named)


@pytest.mark.parametrize(
    ("name", "version"), [(n, i) for n in schemas.names() for i in range(len(schemas.history(n)))]
)
def test_data_written_with_a_previous_version_still_reads(name, version):
    import io

    import fastavro

    previous = schemas.history(name)[version]
    record = sample(previous)
    body = io.BytesIO()
    fastavro.schemaless_writer(body, fastavro.parse_schema(previous), record)
    payload = b"\x00" + schema_id(previous).to_bytes(4, "big") + body.getvalue()
    decoded = AvroSerde().decode(name, payload)
    fields = _fields_of(schemas.raw(name), previous)
    added = {f["name"] for f in fields} - record.keys()
    assert added or _branches_added(schemas.raw(name), previous), (
        f"history version {version} of {name} should differ from the current schema")
    assert {k: decoded[k] for k in record} == record
    for field in fields:
        if field["name"] in added:
            assert decoded[field["name"]] == field["default"]


def _branches_added(current, previous) -> list[str]:
    """The record branches of the union ``current`` that the union ``previous`` did not have."""
    if not isinstance(current, list):
        return []
    before = {previous["name"]} if isinstance(previous, dict) else {b["name"] for b in previous if isinstance(b, dict)}
    return [b["name"] for b in current if isinstance(b, dict) and b["name"] not in before]


def _fields_of(current, previous):
    """The current fields of what ``sample(previous)`` wrote: the record, or the union branch it took (the
    first that is not null, as ``sample`` chooses; a record that became a union's branch: that branch)."""
    if isinstance(current, dict):
        return current["fields"]
    written = previous if isinstance(previous, dict) else next(s for s in previous if s != "null")
    return next(b for b in current if isinstance(b, dict) and b["name"] == written["name"])["fields"]


@pytest.mark.parametrize(
    ("legacy", "branch"), [(events.LEGACY_TRANSACTIONS, events.TRANSACTION), (events.LEGACY_STATIONS, events.STATION)]
)
def test_records_of_the_older_ocpp_topics_in_every_version_are_records_of_the_events_union(legacy, branch):
    """The evolution path of ``ocpp.events.v1``: its branches are the records of the two topics it replaced,
    so what they held (any version of theirs) is written to it unchanged (``roamstream.replay.legacy``)."""
    import io

    import fastavro

    serde = AvroSerde()
    [union_branch] = [b for b in schemas.raw(events.TOPIC) if f"{b['namespace']}.{b['name']}" == branch]
    current = schemas.raw(legacy)
    legacy_fields = [f["name"] for f in current["fields"]]
    branch_fields = [f["name"] for f in union_branch["fields"]]
    assert branch_fields[: len(legacy_fields)] == legacy_fields
    added = {f["name"]: f["default"] for f in union_branch["fields"][len(legacy_fields):]}
    for version in [*schemas.history(legacy), current]:
        body = io.BytesIO()
        fastavro.schemaless_writer(body, fastavro.parse_schema(version), sample(version))
        record = serde.decode(legacy, b"\x00" + schema_id(version).to_bytes(4, "big") + body.getvalue())
        payload = events.encode(serde, record)
        assert int.from_bytes(payload[1:5], "big") == schema_id(schemas.raw(events.TOPIC))
        assert events.decode(serde, payload) == record | added  # fields the union added since: their defaults
        assert events.is_transaction(record) == (branch == events.TRANSACTION)


def test_garbage_is_a_serde_error():
    serde = AvroSerde()
    with pytest.raises(SerdeError, match="header"):
        serde.decode("ocpi.object.v1", b"\x00\x01")
    with pytest.raises(SerdeError, match="unknown schema id"):
        serde.decode("ocpi.object.v1", b"\x00\x00\x00\x00\x07abc")
    with pytest.raises(SerdeError, match="does not fit"):
        serde.encode("ocpi.object.v1", {"id": 3})
