"""The OCPI response envelope (transport_and_format, Response format) and its JSON responses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from roamstream.ocpi.common import DateTime

T = TypeVar("T")

SUCCESS = 1000


class Envelope(BaseModel, Generic[T]):
    data: T | None = None
    status_code: int
    status_message: str | None = None
    timestamp: DateTime


def now() -> datetime:
    return datetime.now(UTC)


def success(data: T, message: str = "Success") -> Envelope[T]:
    return Envelope[T](data=data, status_code=SUCCESS, status_message=message, timestamp=now())


def error_response(
    http_status: int, ocpi_status: int, message: str, data: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = Envelope[Any](data=data, status_code=ocpi_status, status_message=message, timestamp=now())
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True), status_code=http_status, headers=headers
    )
