"""FastAPI dependencies: the app's settings, publisher and metrics, the raw body, and token auth."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from ingest_api.auth import is_authorized
from ingest_api.exceptions import PayloadTooLarge, Unauthorized
from ingest_api.metrics import Metrics
from ingest_api.publisher import Publisher
from roamstream.config import Settings

_authorization = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    scheme_name="OCPI credentials token",
    description="`Token <base64 of the credentials token>` (the token as plain text is accepted too)",
)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_publisher(request: Request) -> Publisher:
    return request.app.state.publisher


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


SettingsDep = Annotated[Settings, Depends(get_settings)]
PublisherDep = Annotated[Publisher, Depends(get_publisher)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]


async def raw_body(request: Request, settings: SettingsDep) -> bytes:
    """The request body as sent (routes validate it themselves, so that numbers stay exact), at most
    ``settings.api.max_body_bytes``; kept on ``request.state.raw_body`` for the dead-letter record."""
    limit = settings.api.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body of {declared} bytes; at most {limit} are accepted")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body over {limit} bytes")
        chunks.append(chunk)
    request.state.raw_body = body = b"".join(chunks)
    return body


RawBody = Annotated[bytes, Depends(raw_body)]


def require_token(
    settings: SettingsDep, authorization: Annotated[str | None, Security(_authorization)]
) -> None:
    if not authorization:
        raise Unauthorized("Authorization header missing; expected 'Token <credentials token>'")
    if not is_authorized(authorization, settings.api.tokens):
        raise Unauthorized("unknown credentials token")
