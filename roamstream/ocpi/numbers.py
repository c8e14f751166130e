"""OCPI numbers: ``Decimal`` in, JSON numbers with at most 4 decimals out (types.asciidoc, number type).

One rounding rule for every amount and quantity we publish: ROUND_HALF_UP to 4 decimals, applied once,
at the edge. Pure Python, no pydantic, so the tariff engine can use it in its hot path.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

DECIMALS = 4
QUANTUM = Decimal(1).scaleb(-DECIMALS)
_ONE = Decimal(1)
_ZERO = Decimal(0)
_CONTEXT = Context(prec=34, rounding=ROUND_HALF_UP)


def quantize4(value: Decimal) -> Decimal:
    """``value`` rounded half-up to 4 decimals (the rounding; ``round4`` also tidies the digits)."""
    return value.quantize(QUANTUM, rounding=ROUND_HALF_UP)


def round4(value: Decimal) -> Decimal:
    """``value`` rounded half-up to 4 decimals, without trailing zeros and never in exponent notation.

    A function of the value alone (Decimals equal in value give the same Decimal), so memoised: the periods and
    Sessions of running sessions round mostly the same powers, currents and totals again at every snapshot."""
    try:
        return _round4_memo(value)
    except TypeError:  # unhashable: a signalling NaN, which the rounding rejects as it always did
        return _round4(value)


def _round4(value: Decimal) -> Decimal:
    digits = value.adjusted() + DECIMALS + 2
    context = _CONTEXT if digits <= _CONTEXT.prec else Context(prec=digits, rounding=ROUND_HALF_UP)
    q = value.quantize(QUANTUM, context=context)
    if not q:
        return _ZERO
    if q == q.to_integral_value(context=context):
        return q.quantize(_ONE, context=context)
    return q.normalize(context=context)


_round4_memo = lru_cache(maxsize=1 << 14, typed=True)(_round4)  # typed: an int equal to a Decimal is not one


def number_text(value: Decimal | int) -> str:
    """The JSON text of an OCPI number: ``Decimal('5.6250')`` -> ``5.625``; never via float."""
    if isinstance(value, bool):
        raise TypeError("a bool is not an OCPI number")
    if isinstance(value, int):
        return str(value)
    if not value.is_finite():
        raise ValueError(f"{value} is not an OCPI number")
    return str(round4(value))


def number_json(value: Decimal) -> int | float:
    """``value`` as a Python int/float for libraries that only know JSON-native types.

    The float is built from the 4-decimal text and checked to print back as exactly that text (true for
    up to 15 significant digits), so no digit is lost or invented; larger values raise.
    """
    text = number_text(value)
    if "." not in text:
        return int(text)
    f = float(text)
    if repr(f) != text:
        raise ValueError(f"{text} cannot be written as an exact JSON-native number")
    return f
