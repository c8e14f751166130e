"""Avro with Confluent framing: magic byte 0, a 4-byte big-endian schema id, the Avro body.

Without a registry, a schema's id is derived from its canonical form (deterministic, no network), and every
checked-in schema and its history are known by id. With ``SCHEMA_REGISTRY_URL`` set, ids come from the
registry (subject ``<topic>-value``), so a real Schema Registry is a drop-in.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
from typing import Any, Protocol

import fastavro

import schemas
from roamstream.exceptions import RoamstreamError

MAGIC = 0
_HEADER = struct.Struct(">bI")


class SerdeError(RoamstreamError):
    """A payload that is not a framed Avro record of a known schema."""


def schema_id(schema: dict[str, Any]) -> int:
    """A stable 31-bit id from the schema's parsing canonical form."""
    canonical = fastavro.schema.to_parsing_canonical_form(fastavro.parse_schema(schema))
    return int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:4], "big") & 0x7FFFFFFF


class SchemaIds(Protocol):
    def id_for(self, subject: str, schema: dict[str, Any]) -> int: ...
    def schema_for(self, schema_id: int) -> dict[str, Any]: ...


class LocalSchemaIds:
    """Ids derived from the checked-in schemas (and their history)."""

    def __init__(self) -> None:
        self._by_id: dict[int, dict[str, Any]] = {}
        for name in schemas.names():
            for version in [*schemas.history(name), schemas.raw(name)]:
                self._by_id[schema_id(version)] = version

    def id_for(self, subject: str, schema: dict[str, Any]) -> int:
        sid = schema_id(schema)
        self._by_id.setdefault(sid, schema)
        return sid

    def schema_for(self, sid: int) -> dict[str, Any]:
        try:
            return self._by_id[sid]
        except KeyError:
            raise SerdeError(f"unknown schema id {sid}") from None


class RegistrySchemaIds:
    """Ids from a Confluent-compatible Schema Registry (confluent-kafka's client, which caches)."""

    def __init__(self, url: str) -> None:
        from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

        self._schema_cls = Schema
        self._client = SchemaRegistryClient({"url": url})

    def id_for(self, subject: str, schema: dict[str, Any]) -> int:
        return self._client.register_schema(subject, self._schema_cls(json.dumps(schema), "AVRO"))

    def schema_for(self, sid: int) -> dict[str, Any]:
        return json.loads(self._client.get_schema(sid).schema_str)


class AvroSerde:
    """Encode and decode records of the checked-in schemas, by schema name."""

    def __init__(self, ids: SchemaIds | None = None) -> None:
        self._ids = ids or LocalSchemaIds()
        self._writer_ids: dict[tuple[str, str], int] = {}
        #: (schema id, schema name, logical types) -> (writer, reader or None when it is the writer)
        self._writers: dict[tuple[int, str, bool], tuple[Any, Any]] = {}

    def encode(self, schema_name: str, record: dict[str, Any], subject: str | None = None) -> bytes:
        subject = subject or f"{schema_name}-value"
        key = (schema_name, subject)
        sid = self._writer_ids.get(key)
        if sid is None:
            sid = self._writer_ids[key] = self._ids.id_for(subject, schemas.raw(schema_name))
        out = io.BytesIO()
        out.write(_HEADER.pack(MAGIC, sid))
        try:
            fastavro.schemaless_writer(out, schemas.parsed(schema_name), record)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise SerdeError(f"record does not fit {schema_name}: {exc}") from exc
        return out.getvalue()

    def _resolve(self, sid: int, schema_name: str, logical_types: bool) -> tuple[Any, Any]:
        written = self._ids.schema_for(sid)
        current = schemas.raw(schema_name)
        if not logical_types:
            written, current = schemas.without_logical_types(written), schemas.without_logical_types(current)
        writer = fastavro.parse_schema(written)
        # written with the current schema: no resolution (fastavro would compare the two on every call)
        reader = None if written == current else fastavro.parse_schema(current)
        return writer, reader

    def decode(self, schema_name: str, payload: bytes, *, logical_types: bool = True) -> dict[str, Any]:
        """Decode ``payload`` (written with any known version) into the current ``schema_name`` shape.

        ``logical_types=False`` reads values as written: timestamps stay ints of microseconds since the
        epoch (the sessions fold keeps them so), which saves a datetime per timestamp on a hot path.
        """
        if payload is None or len(payload) < _HEADER.size:
            raise SerdeError("payload shorter than the Confluent header")
        magic, sid = _HEADER.unpack_from(payload)
        if magic != MAGIC:
            raise SerdeError(f"bad magic byte {magic}")
        schemas_of = self._writers.get((sid, schema_name, logical_types))
        if schemas_of is None:
            schemas_of = self._writers[(sid, schema_name, logical_types)] = self._resolve(
                sid, schema_name, logical_types)
        writer, reader = schemas_of
        try:
            return fastavro.schemaless_reader(io.BytesIO(payload[_HEADER.size :]), writer, reader)
        except Exception as exc:  # fastavro raises many kinds for corrupt bodies
            raise SerdeError(f"cannot read {schema_name} (schema id {sid}): {exc}") from exc


def serde_for(registry_url: str | None) -> AvroSerde:
    return AvroSerde(RegistrySchemaIds(registry_url) if registry_url else LocalSchemaIds())
