"""JSON text with ``Decimal`` as JSON numbers (4 decimals at most) and datetimes in OCPI form, exactly.

``json.dumps`` cannot write a Decimal as a number without going through float; this small encoder can. The
common exact types (str, Decimal, dict, list, datetime) are written first, and the texts of numbers and times are
memoised (each a function of the value alone: ``round4`` of equal Decimals, the UTC form of equal instants): a
running Session's JSON is written again at every snapshot with mostly the same numbers and times. Without
``indent`` those types are written as joined strings, with the ``"key": `` texts of str keys memoised too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any

from roamstream.ocpi.numbers import number_text
from roamstream.ocpi.timefmt import format_datetime

_string = json.encoder.encode_basestring  # C-accelerated; keeps non-ASCII readable


def dumps(obj: Any, *, indent: int | None = None) -> str:
    """``obj`` (dicts, lists, str, int, bool, None, Decimal, datetime, Enum) as JSON text."""
    if indent is None:
        return _compact(obj)
    parts: list[str] = []
    _write(obj, parts, indent, 0)
    return "".join(parts)


def _write(obj: Any, out: list[str], indent: int | None, level: int) -> None:
    kind = type(obj)  # the common exact types first; anything else (subclasses too) by the rules below
    if kind is str:
        out.append(_string(obj))
    elif kind is Decimal:
        out.append(_decimal_text(obj) if obj.is_finite() else number_text(obj))
    elif kind is dict:
        _write_items([(_string(k if type(k) is str else str(k)) + ": ", v) for k, v in obj.items()], "{", "}",
                     out, indent, level)
    elif kind is list:
        _write_items([("", v) for v in obj], "[", "]", out, indent, level)
    elif kind is datetime:
        out.append(_datetime_text(obj))
    else:
        _write_other(obj, out, indent, level)


def members(obj: dict[str, Any]) -> str:
    """The members of ``obj`` as ``dumps`` (no indent) writes them between its braces: for one object written in
    parts, joined with ``", "``."""
    return ", ".join([_key_text(k) + _compact(v) for k, v in obj.items()])


def _compact(obj: Any) -> str:
    """``dumps`` without indent: the common exact types here, anything else by the rules of ``_write``."""
    kind = type(obj)
    if kind is str:
        return _string(obj)
    if kind is dict:
        return "{" + ", ".join([_key_text(k) + _compact(v) for k, v in obj.items()]) + "}"  # "{" + members + "}"
    if kind is Decimal:
        return _decimal_text(obj) if obj.is_finite() else number_text(obj)
    if kind is list:
        return "[" + ", ".join([_compact(v) for v in obj]) + "]"
    if kind is datetime:
        return _datetime_text(obj)
    parts: list[str] = []
    _write_other(obj, parts, None, 0)
    return "".join(parts)


@lru_cache(maxsize=1 << 12, typed=True)  # typed: the keys 1 and True write "1" and "True"
def _key_text(key: Any) -> str:
    """The ``"key": `` text of a dict key (memoised: a Session's keys are the same at every snapshot)."""
    return _string(key if type(key) is str else str(key)) + ": "


@lru_cache(maxsize=1 << 14)
def _decimal_text(value: Decimal) -> str:
    """``number_text`` of a finite Decimal: a function of its value alone (``round4`` drops the exponent), so
    Decimals that are equal share the memoised text."""
    return number_text(value)


@lru_cache(maxsize=1 << 14)
def _datetime_text(value: datetime) -> str:
    """The JSON string of ``format_datetime``: a function of the instant (equal datetimes are the same instant;
    a naive one is never equal to an aware one)."""
    return _string(format_datetime(value))


def _write_other(obj: Any, out: list[str], indent: int | None, level: int) -> None:
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
