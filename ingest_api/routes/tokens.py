"""``/tokens/{country_code}/{party_id}/{token_uid}?type=RFID``: a Token (mod_tokens, Receiver): PUT, PATCH
and GET. A partner reads and writes only its own Tokens (its country_code/party_id); the back office any.

Keyed by the token uid alone: OCPP idTags are token uids, and that is all a charge point reports.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ingest_api.deps import FunctionalCaller, PublisherDep, RawBody
from ingest_api.envelope import Envelope, success
from ingest_api.exceptions import InvalidRequest, Problem
from ingest_api.models.receipts import ObjectReceipt
from ingest_api.openapi import body_doc
from ingest_api.publisher import Publisher
from ingest_api.records import object_record
from ingest_api.routes.objects import receipt
from ingest_api.routes.pull import ocpi_json
from ingest_api.validation import parse, parse_json, require_match, validate
from roamstream.ocpi.common import TokenType
from roamstream.ocpi.token import Token
from roamstream.partners.access import Caller
from roamstream.partners.exceptions import Forbidden, UnknownObject
from roamstream.partners.pull.objects import ObjectsView, StoredObject

TOPIC = "ocpi.tokens.v1"

router = APIRouter(prefix="/tokens", tags=["tokens"])

TypeQuery = Annotated[
    str,
    Query(
        description="the Token's type; RFID when absent (mod_tokens, PUT)",
        json_schema_extra={"enum": [t.value for t in TokenType]},
    ),
]


def _check(caller: Caller, country_code: str, party_id: str, type: str, key: str) -> None:
    if not caller.speaks_for(country_code, party_id):
        raise Forbidden(f"a partner may only use its own tokens, not those of {country_code} {party_id}")
    choices = [t.value for t in TokenType]
    if type not in choices:
        raise InvalidRequest([Problem("type", f"{type} is not a token type ({', '.join(choices)})")], key=key)


def _tokens(request: Request) -> ObjectsView:
    return request.app.state.tokens


def _stored(request: Request, country_code: str, party_id: str, token_uid: str, type: str) -> StoredObject:
    found = _tokens(request).get(token_uid)
    if found is None or (found.country_code, found.party_id) != (country_code, party_id) or (
            found.data().get("type") != type):
        raise UnknownObject(f"unknown Token {country_code} {party_id} {token_uid} ({type})", ocpi_status=2004)
    return found


@router.put(
    "/{country_code}/{party_id}/{token_uid}",
    response_model=Envelope[ObjectReceipt],
    openapi_extra=body_doc(
        Token, "an OCPI 2.2.1 Token; its country_code, party_id, uid and type as in the URL"
    ),
)
async def put_token(
    request: Request,
    country_code: str,
    party_id: str,
    token_uid: str,
    body: RawBody,
    publisher: PublisherDep,
    caller: FunctionalCaller,
    type: TypeQuery = TokenType.RFID.value,
) -> Envelope[ObjectReceipt]:
    key = token_uid
    _check(caller, country_code, party_id, type, key)
    token = parse(Token, body, key=key)
    return success(await _publish(request, publisher, token, country_code, party_id, token_uid, type))


@router.patch(
    "/{country_code}/{party_id}/{token_uid}",
    response_model=Envelope[ObjectReceipt],
    openapi_extra=body_doc(dict, "the changed fields of the Token, with last_updated (mod_tokens, PATCH)"),
)
async def patch_token(
    request: Request,
    country_code: str,
    party_id: str,
    token_uid: str,
    body: RawBody,
    publisher: PublisherDep,
    caller: FunctionalCaller,
    type: TypeQuery = TokenType.RFID.value,
) -> Envelope[ObjectReceipt]:
    key = token_uid
    _check(caller, country_code, party_id, type, key)
    changes = parse_json(body)
    if not isinstance(changes, dict) or "last_updated" not in changes:
        raise InvalidRequest([Problem("last_updated", "a PATCH must carry last_updated")], key=key)
    current = _stored(request, country_code, party_id, token_uid, type)
    token = validate(Token, {**current.data(), **changes}, key=key)
    return success(await _publish(request, publisher, token, country_code, party_id, token_uid, type))


@router.get("/{country_code}/{party_id}/{token_uid}")
async def get_token(
    request: Request,
    country_code: str,
    party_id: str,
    token_uid: str,
    caller: FunctionalCaller,
    type: TypeQuery = TokenType.RFID.value,
) -> Response:
    """Our copy of a Token (mod_tokens Receiver GET): 2004 when we do not have it."""
    _check(caller, country_code, party_id, type, token_uid)
    return ocpi_json(_stored(request, country_code, party_id, token_uid, type).json)


async def _publish(request: Request, publisher: Publisher, token: Token, country_code: str, party_id: str,
                   token_uid: str, type: str) -> ObjectReceipt:
    """Check that the Token (a PUT's body, or a PATCH applied to our copy) is the one its URL names, publish it
    and keep it in this process's copy at once (GET and PATCH read that copy)."""
    key = token_uid
    require_match(key, country_code=(token.country_code, country_code), party_id=(token.party_id, party_id),
                  uid=(token.uid, token_uid), type=(token.type.value, type))
    record = object_record(token, token.uid)
    delivery = await publisher.publish(TOPIC, record, key)
    _tokens(request).remember(key, record)
    return receipt(delivery)
