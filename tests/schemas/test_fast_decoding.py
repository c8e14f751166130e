"""cavro reads what fastavro reads (``roamstream.avro``): the same dict, key for key and type for type, for any
record of any checked-in schema read without logical types; and for a damaged body the same record or a
``SerdeError`` (fastavro judges what cavro refuses)."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path
from typing import Any

import fastavro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement

import schemas
from roamstream import avro, events
from roamstream.avro import AvroSerde, SerdeError, schema_id

FAST = AvroSerde()
FASTAVRO = AvroSerde(fast_decoding=False)


def test_cavro_is_installed_wherever_the_project_asks_for_it():
    """``pyproject.toml`` asks for cavro where it has wheels: there it must be installed and used."""
    with open(Path(__file__).resolve().parents[2] / "pyproject.toml", "rb") as f:
        dependencies = tomllib.load(f)["project"]["dependencies"]
    [requirement] = [Requirement(r) for r in dependencies if r.startswith("cavro")]
    if requirement.marker is None or requirement.marker.evaluate():
        assert avro.cavro is not None
        assert FAST.fast_decoding and not FASTAVRO.fast_decoding
    else:  # elsewhere fastavro alone decodes; the tests below then compare fastavro with itself
        assert not FAST.fast_decoding


def typed(value: Any) -> Any:
    """``value`` with the type of every leaf beside it: ``1 == True`` and ``1 == 1.0``, typed they differ."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, value)


def _named_types(schema: Any, found: dict[str, tuple[str, Any]], namespace: str = "") -> None:
    """Every named type of ``schema`` in ``found``, by its name and by its full name: (full name, its schema)."""
    if isinstance(schema, list):
        for branch in schema:
            _named_types(branch, found, namespace)
    elif isinstance(schema, dict):
        kind = schema["type"]
        if kind in ("record", "enum", "fixed"):
            ns = schema.get("namespace", namespace)
            full = f"{ns}.{schema['name']}" if ns else schema["name"]
            found[full] = found[schema["name"]] = (full, schema)
            namespace = ns
        for f in schema.get("fields", []):
            _named_types(f["type"], found, namespace)
        if kind == "array":
            _named_types(schema["items"], found, namespace)
        elif kind == "map":
            _named_types(schema["values"], found, namespace)
        elif isinstance(kind, dict | list):
            _named_types(kind, found, namespace)


PRIMITIVES = {
    "null": st.none(),
    "boolean": st.booleans(),
    "int": st.integers(-(2**31), 2**31 - 1),
    "long": st.integers(-(2**63), 2**63 - 1),
    "float": st.floats(width=32, allow_nan=False),
    "double": st.floats(allow_nan=False),
    "string": st.text(max_size=12),
    "bytes": st.binary(max_size=12),
}


def records(schema: Any, named: dict[str, tuple[str, Any]], depth: int = 0) -> st.SearchStrategy:
    """Any value of ``schema`` (no logical types); a union's record branch in fastavro's (name, value) form."""
    if isinstance(schema, str):
        return PRIMITIVES[schema] if schema in PRIMITIVES else records(named[schema][1], named, depth)
    if isinstance(schema, list):
        options = []
        for branch in schema:
            values = records(branch, named, depth + 1)
            name = branch.get("name") if isinstance(branch, dict) else branch
            full, target = named.get(name, (None, None))
            if target is not None and target["type"] == "record":
                values = values.map(lambda v, full=full: (full, v))
            options.append(values)
        return st.one_of(options)
    kind = schema["type"]
    if kind == "record":
        return st.fixed_dictionaries({f["name"]: records(f["type"], named, depth + 1) for f in schema["fields"]})
    if kind == "enum":
        return st.sampled_from(schema["symbols"])
    if kind == "fixed":
        return st.binary(min_size=schema["size"], max_size=schema["size"])
    if kind == "array":
        return st.lists(records(schema["items"], named, depth + 1), max_size=3 if depth < 4 else 0)
    if kind == "map":
        return st.dictionaries(st.text(max_size=6), records(schema["values"], named, depth + 1), max_size=3)
    return records(kind, named, depth)


def framed(name: str, record: Any) -> bytes:
    """``record`` written with the current ``name`` schema, framed (fastavro writes it)."""
    current = schemas.raw(name)
    body = io.BytesIO()
    fastavro.schemaless_writer(body, fastavro.parse_schema(schemas.without_logical_types(current)), record)
    return b"\x00" + schema_id(current).to_bytes(4, "big") + body.getvalue()


def _strategy(name: str) -> st.SearchStrategy:
    plain = schemas.without_logical_types(schemas.raw(name))
    named: dict[str, tuple[str, Any]] = {}
    _named_types(plain, named)
    return records(plain, named)


STRATEGIES = {name: _strategy(name) for name in schemas.names()}


def both(name: str, payload: bytes) -> tuple[Any, Any]:
    """What each serde makes of ``payload``: the typed record, or the exception's type."""
    out = []
    for serde in (FAST, FASTAVRO):
        try:
            out.append(typed(serde.decode(name, payload, logical_types=False)))
        except SerdeError:
            out.append(SerdeError)
    return out[0], out[1]


@pytest.mark.parametrize("name", schemas.names())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_record_of_any_schema_reads_the_same(name, data):
    payload = framed(name, data.draw(STRATEGIES[name]))
    fast, slow = both(name, payload)
    assert slow is not SerdeError
    assert fast == slow


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_damaged_event_reads_as_fastavro_reads_it_or_is_refused_by_both(data):
    payload = bytearray(framed(events.TOPIC, data.draw(STRATEGIES[events.TOPIC])))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(5, len(payload) - 1))
        if data.draw(st.booleans()):
            payload[at] = data.draw(st.integers(0, 255))
        else:
            del payload[at:]
            break
    fast, slow = both(events.TOPIC, bytes(payload))
    assert fast == slow


def test_what_cavro_refuses_fastavro_still_reads():
    """A union index of -1 (zigzag: the byte 0x01): fastavro takes the union's last branch, cavro refuses it; the
    serde reads it as fastavro does, on every installation."""
    record = {"charge_point_id": "CP1", "ocpp_version": None, "kind": "HEARTBEAT", "timestamp": 1, "received_at": 2,
              "connector_id": 5, "evse_id": None, "status": None, "error_code": None, "vendor": None,
              "model": None, "clock_skew_ms": None, "message_action": None, "frame": None}
    payload = bytearray(framed(events.TOPIC, (events.STATION, record)))
    # header 5, branch 1, "CP1" 4, null 1, enum 1, two longs 1 + 1: then connector_id's union index 1 and 5
    assert payload[14:16] == b"\x02\x0a"
    payload[14] = 1
    fast, slow = both(events.TOPIC, bytes(payload))
    assert slow != SerdeError and slow["connector_id"] == ("int", 5)
    assert fast == slow
    if avro.cavro is not None:
        plain = schemas.without_logical_types(schemas.raw(events.TOPIC))
        with pytest.raises(ValueError, match="-1"):
            avro.cavro.Schema(plain, options=avro._CAVRO_OPTIONS).binary_decode(bytes(payload[5:]))


def test_an_int_wider_than_32_bits_reads_as_fastavro_reads_it():
    """A damaged body can hold an int varint wider than 32 bits: fastavro reads it whole, cavro alone would cut it
    to 32 bits (found by the damaged-event property: 2147483648 read as 0); the serde reads ints as longs there."""
    record = {"charge_point_id": "CP1", "ocpp_version": None, "kind": "HEARTBEAT", "timestamp": 1, "received_at": 2,
              "connector_id": 2**31, "evse_id": None, "status": None, "error_code": None, "vendor": None,
              "model": None, "clock_skew_ms": None, "message_action": None, "frame": None}
    plain = avro._ints_as_longs(schemas.without_logical_types(schemas.raw(events.TOPIC)))
    body = io.BytesIO()
    fastavro.schemaless_writer(body, fastavro.parse_schema(plain), (events.STATION, record))
    payload = b"\x00" + schema_id(schemas.raw(events.TOPIC)).to_bytes(4, "big") + body.getvalue()
    fast, slow = both(events.TOPIC, payload)
    assert slow != SerdeError and slow["connector_id"] == ("int", 2**31)
    assert fast == slow
