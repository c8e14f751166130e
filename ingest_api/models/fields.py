"""Field types shared by the input models."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints, WithJsonSchema

QUANTUM = Decimal("0.0001")
LIMIT = Decimal(10) ** 14

NonEmpty = Annotated[str, StringConstraints(min_length=1, max_length=255)]


#: a decimal written as text: what the OpenAPI schema of a Decimal field allows besides a number
_DECIMAL_STRING = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _number_or_decimal_string(value: Any) -> Any:
    """A JSON number as is, or a string holding a plain decimal (``"12.3456"``) as that exact Decimal."""
    if isinstance(value, str):
        if not _DECIMAL_STRING.fullmatch(value):
            raise ValueError(f"{value!r} is not a decimal number (e.g. 12.3456)")
        return Decimal(value)
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise ValueError("must be a number or a string holding a decimal (e.g. \"12.3456\")")
    return value


def _fits_decimal_18_4(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    if abs(value) >= LIMIT:
        raise ValueError("at most 14 digits before the decimal point")
    if value.quantize(QUANTUM) != value:
        raise ValueError("at most 4 decimals")
    return value


#: a money or energy total: a JSON number or a string holding a decimal, exact, as Avro decimal(18, 4) holds it
Amount = Annotated[
    Decimal,
    BeforeValidator(_number_or_decimal_string),
    AfterValidator(_fits_decimal_18_4),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number"},
                {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$"},
            ],
            "description": "at most 14 integer digits and 4 decimals; a string keeps any decimal exact",
        }
    ),
]


def _decimal_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal | float):
        raise ValueError("must be a decimal number or a string holding one")
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite decimal number")
    return format(number, "f")


#: a decimal number carried as text (Avro string fields of the TransactionEvent of ocpp.events.v1), e.g. ``"1500.5"``
DecimalText = Annotated[str, BeforeValidator(_decimal_text)]
