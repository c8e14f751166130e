"""Avro with Confluent framing: magic byte 0, a 4-byte big-endian schema id, the Avro body.

Without a registry, a schema's id is derived from its canonical form (deterministic, no network), and every
checked-in schema and its history are known by id. With ``SCHEMA_REGISTRY_URL`` set, ids come from the
registry (subject ``<topic>-value``), so a real Schema Registry is a drop-in.

Decoding is fastavro's. Where cavro (a Cython Avro codec) is installed (``pyproject.toml`` installs it where it has
wheels), a body read without logical types and without schema resolution, as the sessions stage reads every event, is
read by cavro first, in less than half the time (``bench/bench_decode.py``), into the same dict
(``tests/schemas/test_fast_decoding.py``). fastavro stays the judge of what is readable: a body cavro refuses is read
by fastavro, which reads it or names the fault, so every installation accepts the same payloads as the same records
(fastavro takes, for example, a union index of -1 as the last branch, which cavro refuses).
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
from collections.abc import Callable
from typing import Any, Protocol

import fastavro

import schemas
from roamstream.exceptions import RoamstreamError

try:
    import cavro
except ImportError:  # no wheel for this platform or Python: fastavro alone
    cavro = None

MAGIC = 0
_HEADER = struct.Struct(">bI")

#: cavro's options for decoding as fastavro does: records as dicts (its default makes record objects)
_CAVRO_OPTIONS = cavro.DEFAULT_OPTIONS.replace(record_decodes_to_dict=True) if cavro is not None else None

Read = Callable[[bytes], dict[str, Any]]


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

    def __init__(self, ids: SchemaIds | None = None, *, fast_decoding: bool = True) -> None:
        """``fast_decoding=False``: fastavro alone, even where cavro is installed."""
        self._ids = ids or LocalSchemaIds()
        self._writer_ids: dict[tuple[str, str], int] = {}
        #: (schema id, schema name, logical types) -> how a body written with that schema is read
        self._readers: dict[tuple[int, str, bool], Read] = {}
        self.fast_decoding = fast_decoding and cavro is not None

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

    def _reader(self, sid: int, schema_name: str, logical_types: bool) -> Read:
        written = self._ids.schema_for(sid)
        current = schemas.raw(schema_name)
        if not logical_types:
            written, current = schemas.without_logical_types(written), schemas.without_logical_types(current)
        writer = fastavro.parse_schema(written)
        # written with the current schema: no resolution (fastavro would compare the two on every call)
        reader = None if written == current else fastavro.parse_schema(current)

        def read(body: bytes) -> dict[str, Any]:
            return fastavro.schemaless_reader(io.BytesIO(body), writer, reader)

        if reader is not None or logical_types or not self.fast_decoding:
            return read
        try:
            fast = cavro.Schema(_ints_as_longs(written), options=_CAVRO_OPTIONS).binary_decode
        except Exception:  # a schema cavro does not take: fastavro reads it
            return read

        def read_fast(body: bytes) -> dict[str, Any]:
            try:
                return fast(body)
            except Exception:  # fastavro reads it or names the fault (the module's doc)
                return read(body)

        return read_fast

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
        read = self._readers.get((sid, schema_name, logical_types))
        if read is None:
            read = self._readers[(sid, schema_name, logical_types)] = self._reader(sid, schema_name, logical_types)
        try:
            return read(payload[_HEADER.size :])
        except Exception as exc:  # fastavro raises many kinds for corrupt bodies
            raise SerdeError(f"cannot read {schema_name} (schema id {sid}): {exc}") from exc


def _ints_as_longs(schema: Any) -> Any:
    """``schema`` with every ``int`` read as a ``long`` (the same zigzag varint on the wire): fastavro reads an int
    without a range check, cavro cuts it to 32 bits, so a damaged body with a wider int would read differently."""
    if schema == "int":
        return "long"
    if isinstance(schema, list):
        return [_ints_as_longs(s) for s in schema]
    if isinstance(schema, dict):
        return {k: _ints_as_longs(v) if k in ("type", "items", "values", "fields") else v for k, v in schema.items()}
    return schema


def serde_for(registry_url: str | None) -> AvroSerde:
    return AvroSerde(RegistrySchemaIds(registry_url) if registry_url else LocalSchemaIds())
