"""FastAPI dependencies: the app's settings, publisher and metrics, the raw body, and token auth."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from ingest_api.auth import presented_tokens
from ingest_api.exceptions import PayloadTooLarge, Unauthorized
from ingest_api.metrics import Metrics
from ingest_api.publisher import Publisher
from roamstream.config import Settings
from roamstream.partners.access import Caller, identify, routing_problem
from roamstream.partners.credentials.handshake import Handshake
from roamstream.partners.exceptions import Forbidden, InvalidParameters
from roamstream.partners.registry import Registry

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


def get_registry(request: Request) -> Registry:
    return request.app.state.registry


def get_handshake(request: Request) -> Handshake:
    return request.app.state.handshake


def base_url(request: Request, settings: Settings = Depends(get_settings)) -> str:  # noqa: B008
    """The address partners reach us at: ``API_PUBLIC_URL``, else the one this request came to."""
    return (settings.api.public_url or str(request.base_url)).rstrip("/")


SettingsDep = Annotated[Settings, Depends(get_settings)]
RegistryDep = Annotated[Registry, Depends(get_registry)]
HandshakeDep = Annotated[Handshake, Depends(get_handshake)]
BaseUrl = Annotated[str, Depends(base_url)]
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


def caller(
    request: Request,
    settings: SettingsDep,
    registry: RegistryDep,
    authorization: Annotated[str | None, Security(_authorization)],
) -> Caller:
    """The party behind the request's token (a partner, or the back office); 401 for an unknown token.
    Kept on ``request.state.caller``: the OCPI routing headers of the response name it."""
    if not authorization:
        raise Unauthorized("Authorization header missing; expected 'Token <credentials token>'")
    found = identify(presented_tokens(authorization), settings.api.tokens, registry)
    if found is None:
        raise Unauthorized("unknown credentials token")
    request.state.caller = found
    return found


CallerDep = Annotated[Caller, Depends(caller)]


def functional_caller(request: Request, found: CallerDep, settings: SettingsDep) -> Caller:
    """The back office or a registered partner: token A and a pending token B open versions and credentials
    only (credentials.asciidoc). A partner's routing headers must name us and it (else OCPI 2001)."""
    if not found.functional:
        raise Unauthorized("this token may only be used for the versions and credentials endpoints")
    us = (settings.pipeline.country_code.upper(), settings.pipeline.party_id.upper())
    problem = routing_problem(found, {k.lower(): v for k, v in request.headers.items()}, us)
    if problem is not None:
        raise InvalidParameters(problem)
    return found


FunctionalCaller = Annotated[Caller, Depends(functional_caller)]


def back_office(found: CallerDep) -> Caller:
    if not found.is_back_office:
        raise Forbidden("only the back office may use this endpoint")
    return found


BackOffice = Annotated[Caller, Depends(back_office)]
