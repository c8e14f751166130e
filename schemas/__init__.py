"""Avro schemas, one ``.avsc`` per topic, parsed once and cached.

``history/<name>.<version>.avsc`` keeps earlier versions of a schema, so that data written with them stays
readable (tests/schemas checks it) and their ids stay known without a registry.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import fastavro


def _read(relative: str) -> dict[str, Any]:
    return json.loads(resources.files(__name__).joinpath(relative).read_text(encoding="utf-8"))


@cache
def raw(name: str) -> dict[str, Any]:
    """The schema of ``name`` (e.g. ``ocpi.cdrs.v1``) as JSON."""
    return _read(f"{name}.avsc")


@cache
def parsed(name: str) -> dict[str, Any]:
    """The fastavro-parsed schema of ``name``."""
    return fastavro.parse_schema(raw(name))


def without_logical_types(schema: Any) -> Any:
    """A copy of ``schema`` with every ``logicalType`` annotation dropped (its encoding is the same)."""
    if isinstance(schema, dict):
        return {k: without_logical_types(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [without_logical_types(v) for v in schema]
    return schema


def names() -> list[str]:
    return sorted(p.name.removesuffix(".avsc") for p in resources.files(__name__).iterdir() if p.name.endswith(".avsc"))


def history(name: str) -> list[dict[str, Any]]:
    """Earlier versions of ``name``, oldest first."""
    folder = resources.files(__name__).joinpath("history")
    found = sorted(p.name for p in folder.iterdir() if p.name.startswith(f"{name}.") and p.name.endswith(".avsc"))
    return [_read(f"history/{n}") for n in found]
