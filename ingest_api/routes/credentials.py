"""``/credentials`` (credentials.asciidoc): GET, POST (register), PUT (update, new token), DELETE
(unregister). 405 when the caller's registration state does not allow the method; 3001/3002/3003 when the
partner's versions or endpoints cannot be read."""

from __future__ import annotations

from fastapi import APIRouter

from ingest_api.deps import BaseUrl, CallerDep, HandshakeDep, RawBody
from ingest_api.envelope import Envelope, success
from ingest_api.openapi import body_doc
from ingest_api.validation import parse
from roamstream.ocpi.credentials import Credentials

router = APIRouter(prefix="/credentials", tags=["credentials"])

_BODY = body_doc(Credentials, "the partner's credentials: its token B, its versions URL, its roles")


@router.get("", response_model=Envelope[Credentials], response_model_exclude_none=True)
async def get_credentials(caller: CallerDep, handshake: HandshakeDep, base: BaseUrl) -> Envelope[Credentials]:
    return success(handshake.current(caller, base))


@router.post("", response_model=Envelope[Credentials], response_model_exclude_none=True, openapi_extra=_BODY)
async def post_credentials(caller: CallerDep, body: RawBody, handshake: HandshakeDep,
                           base: BaseUrl) -> Envelope[Credentials]:
    theirs = parse(Credentials, body)
    return success(await handshake.accept(caller, theirs, base))


@router.put("", response_model=Envelope[Credentials], response_model_exclude_none=True, openapi_extra=_BODY)
async def put_credentials(caller: CallerDep, body: RawBody, handshake: HandshakeDep,
                          base: BaseUrl) -> Envelope[Credentials]:
    theirs = parse(Credentials, body)
    return success(await handshake.update(caller, theirs, base))


@router.delete("", response_model=Envelope[None])
async def delete_credentials(caller: CallerDep, handshake: HandshakeDep) -> Envelope[None]:
    await handshake.unregister(caller)
    return success(None)
