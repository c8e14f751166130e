"""Request bodies to validated models, with every problem named by its field path. Pure: no FastAPI.

JSON numbers are parsed as ``Decimal`` (never float), so money arrives exactly as the sender wrote it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from ingest_api.exceptions import InvalidRequest, Problem

T = TypeVar("T")

#: pydantic's prefix for errors raised as ValueError inside validators; the field path says enough
_VALUE_ERROR = "Value error, "


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(raw: bytes) -> Any:
    """``raw`` as JSON, numbers with a fraction or exponent as ``Decimal``; NaN and Infinity refused."""
    if not raw.strip():
        raise InvalidRequest([Problem("body", "missing; expected a JSON document")])
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise InvalidRequest([Problem("body", f"invalid JSON: {exc.msg} ({where})")]) from None
    except UnicodeDecodeError:
        raise InvalidRequest([Problem("body", "invalid JSON: not UTF-8 text")]) from None
    except ValueError as exc:
        raise InvalidRequest([Problem("body", f"invalid JSON: {exc}")]) from None


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("elements", 0, "price_components", 0, "step_size")`` ->
    ``elements[0].price_components[0].step_size``"""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


def problems(exc: ValidationError) -> list[Problem]:
    found = []
    for err in exc.errors(include_url=False):
        message = err["msg"].removeprefix(_VALUE_ERROR)
        found.append(Problem(field_path(err["loc"]), message))
    return found


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def validate(kind: type[T] | Any, data: Any, key: str | None = None) -> T:
    """``data`` validated as ``kind`` (a model or any type pydantic knows, e.g. ``list[Model]``)."""
    try:
        return _adapter(kind).validate_python(data)
    except ValidationError as exc:
        raise InvalidRequest(problems(exc), key=key) from None


def parse(kind: type[T] | Any, raw: bytes, key: str | None = None) -> T:
    """The request body ``raw`` parsed and validated as ``kind``."""
    try:
        data = parse_json(raw)
    except InvalidRequest as exc:
        raise InvalidRequest(exc.problems, key=key) from None
    return validate(kind, data, key=key)


def require_match(key: str | None, **pairs: tuple[Any, Any]) -> None:
    """Each ``field=(in_body, in_url)`` pair must agree (transport_and_format, Errors: OCPI 2001)."""
    wrong = [
        Problem(field, f"{body!s} in the body does not match {url!s} in the URL")
        for field, (body, url) in pairs.items()
        if body != url
    ]
    if wrong:
        raise InvalidRequest(wrong, key=key)
