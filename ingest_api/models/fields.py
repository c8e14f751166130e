"""Field types shared by the input models."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints

QUANTUM = Decimal("0.0001")
LIMIT = Decimal(10) ** 14

NonEmpty = Annotated[str, StringConstraints(min_length=1, max_length=255)]


def _json_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise ValueError("must be a JSON number")
    return value


def _fits_decimal_18_4(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    if abs(value) >= LIMIT:
        raise ValueError("at most 14 digits before the decimal point")
    if value.quantize(QUANTUM) != value:
        raise ValueError("at most 4 decimals")
    return value


#: a money or energy total: a JSON number, exact, as Avro decimal(18, 4) can hold it
Amount = Annotated[Decimal, BeforeValidator(_json_number), AfterValidator(_fits_decimal_18_4)]


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
