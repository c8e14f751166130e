"""FastAPI dependencies: the app's settings, publisher and metrics, the raw body, and token auth."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from ingest_api.auth import is_authorized
from ingest_api.exceptions import Unauthorized
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


async def raw_body(request: Request) -> bytes:
    """The request body as sent; routes validate it themselves, so that numbers stay exact."""
    return await request.body()


SettingsDep = Annotated[Settings, Depends(get_settings)]
PublisherDep = Annotated[Publisher, Depends(get_publisher)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
RawBody = Annotated[bytes, Depends(raw_body)]


def require_token(
    settings: SettingsDep, authorization: Annotated[str | None, Security(_authorization)]
) -> None:
    if not authorization:
        raise Unauthorized("Authorization header missing; expected 'Token <credentials token>'")
    if not is_authorized(authorization, settings.api.tokens):
        raise Unauthorized("unknown credentials token")
