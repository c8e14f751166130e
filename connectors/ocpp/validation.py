"""Payload validation against the OCPP JSON schemas shipped by the ``ocpp`` package, compiled once.

The fast path is a compiled validator (fastjsonschema when installed, else a cached jsonschema validator);
only a payload that fails it is walked again with jsonschema to list every violation. ``format: date-time``
is not enforced (timestamps are read leniently by :mod:`connectors.ocpp.timestamps`), like the package.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft4Validator

try:  # optional speed-up; the jsonschema fallback gives the same answers
    import fastjsonschema
except ImportError:  # pragma: no cover - depends on the environment
    fastjsonschema = None

_SCHEMA_DIRS = {"1.6": "v16", "2.0.1": "v201"}
#: numbers are read as Decimal; messages show them as the station sent them
_DECIMAL = re.compile(r"Decimal\('([^']*)'\)")

#: jsonschema keyword -> OCPP-J error code (2.0.1 spelling)
_CODES = {
    "type": "TypeConstraintViolation",
    "required": "OccurrenceConstraintViolation",
    "minItems": "OccurrenceConstraintViolation",
    "maxItems": "OccurrenceConstraintViolation",
    "maxLength": "PropertyConstraintViolation",
    "minLength": "PropertyConstraintViolation",
    "enum": "PropertyConstraintViolation",
    "minimum": "PropertyConstraintViolation",
    "maximum": "PropertyConstraintViolation",
    "multipleOf": "PropertyConstraintViolation",
    "pattern": "PropertyConstraintViolation",
}


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def schema_name(version: str, action: str) -> str:
    return action if version == "1.6" else f"{action}Request"


@cache
def _schema(version: str, action: str) -> dict[str, Any] | None:
    folder = resources.files("ocpp").joinpath(_SCHEMA_DIRS[version], "schemas")
    path = folder.joinpath(f"{schema_name(version, action)}.json")
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8-sig"))


@cache
def _detailed(version: str, action: str) -> Draft4Validator:
    return Draft4Validator(_schema(version, action))


@cache
def _compiled(version: str, action: str) -> Callable[[Any], bool]:
    schema = _schema(version, action)
    if fastjsonschema is not None:
        check = fastjsonschema.compile(schema, formats={"date-time": lambda _: True})

        def fast(payload: Any) -> bool:
            try:
                check(payload)
            except fastjsonschema.JsonSchemaException:
                return False
            return True

        return fast
    return _detailed(version, action).is_valid


def violations(version: str, action: str, payload: Any) -> list[Violation]:
    """Every schema violation of a request ``payload``; empty when it is valid.

    An action without a schema in ``version`` has none (the router answers it as unknown).
    """
    if _schema(version, action) is None or _compiled(version, action)(payload):
        return []
    found = []
    for error in sorted(
        _detailed(version, action).iter_errors(payload), key=lambda e: [str(p) for p in e.absolute_path]
    ):
        where = "/".join(str(p) for p in error.absolute_path) or "(payload)"
        message = _DECIMAL.sub(r"\1", error.message)[:200]
        found.append(Violation(_CODES.get(error.validator, "FormatViolation"), where, message))
    return found
