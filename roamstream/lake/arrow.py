"""Arrow schemas derived from flat Avro record schemas (the straightforward cases only).

Avro ``timestamp-micros`` becomes ``timestamp('us', tz='UTC')``, ``date`` becomes ``date32``,
``decimal(p, s)`` becomes ``decimal128(p, s)``, enums become strings and ``["null", T]`` a nullable T.
Nested records are not straightforward: a lake table that flattens one declares its schema by hand.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from roamstream.lake.exceptions import LakeError

UTC_MICROS = pa.timestamp("us", tz="UTC")

_PRIMITIVES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "boolean": pa.bool_(),
    "int": pa.int32(),
    "long": pa.int64(),
    "float": pa.float32(),
    "double": pa.float64(),
    "bytes": pa.binary(),
}


def arrow_type(avro_type: Any) -> pa.DataType:
    """The Arrow type of a non-union Avro type."""
    if isinstance(avro_type, str):
        if avro_type in _PRIMITIVES:
            return _PRIMITIVES[avro_type]
        raise LakeError(f"no Arrow type for Avro type {avro_type!r}")
    logical = avro_type.get("logicalType")
    if logical == "timestamp-micros":
        return UTC_MICROS
    if logical == "date":
        return pa.date32()
    if logical == "decimal":
        return pa.decimal128(avro_type["precision"], avro_type.get("scale", 0))
    kind = avro_type["type"]
    if kind == "enum":
        return pa.string()
    if kind == "array":
        return pa.list_(arrow_type(avro_type["items"]))
    if isinstance(kind, str) and kind in _PRIMITIVES:
        return _PRIMITIVES[kind]
    raise LakeError(f"no Arrow type for Avro type {avro_type!r}")


def arrow_field(avro_field: dict[str, Any]) -> pa.Field:
    declared = avro_field["type"]
    if isinstance(declared, list):
        branches = [t for t in declared if t != "null"]
        if len(branches) != 1:
            raise LakeError(f"field {avro_field['name']!r}: only [null, T] unions are supported")
        return pa.field(avro_field["name"], arrow_type(branches[0]), nullable="null" in declared)
    return pa.field(avro_field["name"], arrow_type(declared), nullable=False)


def arrow_schema(avro_record: dict[str, Any]) -> pa.Schema:
    """The Arrow schema of a flat Avro record schema, fields in the same order."""
    return pa.schema([arrow_field(f) for f in avro_record["fields"]])
