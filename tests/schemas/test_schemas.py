from datetime import UTC, datetime

import pytest

import schemas
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


@pytest.mark.parametrize("name", [n for n in schemas.names() if schemas.history(n)])
def test_data_written_with_a_previous_version_still_reads(name):
    import io

    import fastavro

    previous = schemas.history(name)[-1]
    record = {"country_code": "NL", "party_id": "RST", "id": "T1",
              "last_updated": datetime(2026, 1, 1, tzinfo=UTC), "ocpi_json": "{}"}
    body = io.BytesIO()
    fastavro.schemaless_writer(body, fastavro.parse_schema(previous), record)
    payload = b"\x00" + schema_id(previous).to_bytes(4, "big") + body.getvalue()
    decoded = AvroSerde().decode(name, payload)
    assert decoded == {**record, "deleted": False}


def test_garbage_is_a_serde_error():
    serde = AvroSerde()
    with pytest.raises(SerdeError, match="header"):
        serde.decode("ocpi.object.v1", b"\x00\x01")
    with pytest.raises(SerdeError, match="unknown schema id"):
        serde.decode("ocpi.object.v1", b"\x00\x00\x00\x00\x07abc")
    with pytest.raises(SerdeError, match="does not fit"):
        serde.encode("ocpi.object.v1", {"id": 3})
