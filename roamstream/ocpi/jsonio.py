"""JSON text with ``Decimal`` as JSON numbers (4 decimals at most) and datetimes in OCPI form, exactly.

``json.dumps`` cannot write a Decimal as a number without going through float; this small encoder can.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from roamstream.ocpi.numbers import number_text
from roamstream.ocpi.timefmt import format_datetime

_string = json.encoder.encode_basestring  # C-accelerated; keeps non-ASCII readable


def dumps(obj: Any, *, indent: int | None = None) -> str:
    """``obj`` (dicts, lists, str, int, bool, None, Decimal, datetime, Enum) as JSON text."""
    parts: list[str] = []
    _write(obj, parts, indent, 0)
    return "".join(parts)


def _write(obj: Any, out: list[str], indent: int | None, level: int) -> None:
    if obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, Enum):
        _write(obj.value, out, indent, level)
    elif isinstance(obj, str):
        out.append(_string(obj))
    elif isinstance(obj, Decimal | int):
        out.append(number_text(obj))
    elif isinstance(obj, float):
        raise TypeError("floats are not allowed in OCPI JSON; use Decimal")
    elif isinstance(obj, datetime):
        out.append(_string(format_datetime(obj)))
    elif isinstance(obj, Mapping):
        _write_items([(_string(str(k)) + ": ", v) for k, v in obj.items()], "{", "}", out, indent, level)
    elif isinstance(obj, list | tuple):
        _write_items([("", v) for v in obj], "[", "]", out, indent, level)
    else:
        raise TypeError(f"cannot write {type(obj).__name__} as OCPI JSON")


def _write_items(
    items: list[tuple[str, Any]], open_: str, close: str, out: list[str], indent: int | None, level: int
) -> None:
    if not items:
        out.append(open_ + close)
        return
    out.append(open_)
    inner = "" if indent is None else "\n" + " " * (indent * (level + 1))
    sep = ", " if indent is None else ","
    for i, (prefix, value) in enumerate(items):
        if i:
            out.append(sep)
        out.append(inner + prefix)
        _write(value, out, indent, level + 1)
    if indent is not None:
        out.append("\n" + " " * (indent * level))
    out.append(close)
