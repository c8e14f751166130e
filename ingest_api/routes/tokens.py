"""``PUT /tokens/{country_code}/{party_id}/{token_uid}?type=RFID``: a Token (mod_tokens, Receiver).

Keyed by the token uid alone: OCPP idTags are token uids, and that is all a charge point reports.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ingest_api.deps import FunctionalCaller, PublisherDep, RawBody
from ingest_api.envelope import Envelope, success
from ingest_api.exceptions import InvalidRequest, Problem
from ingest_api.models.receipts import ObjectReceipt
from ingest_api.openapi import body_doc
from ingest_api.routes.objects import put_object
from roamstream.ocpi.common import TokenType
from roamstream.ocpi.token import Token
from roamstream.partners.exceptions import Forbidden

TOPIC = "ocpi.tokens.v1"

router = APIRouter(prefix="/tokens", tags=["tokens"])

TypeQuery = Annotated[
    str,
    Query(
        description="the Token's type; RFID when absent (mod_tokens, PUT)",
        json_schema_extra={"enum": [t.value for t in TokenType]},
    ),
]


@router.put(
    "/{country_code}/{party_id}/{token_uid}",
    response_model=Envelope[ObjectReceipt],
    openapi_extra=body_doc(
        Token, "an OCPI 2.2.1 Token; its country_code, party_id, uid and type as in the URL"
    ),
)
async def put_token(
    country_code: str,
    party_id: str,
    token_uid: str,
    body: RawBody,
    publisher: PublisherDep,
    caller: FunctionalCaller,
    type: TypeQuery = TokenType.RFID.value,
) -> Envelope[ObjectReceipt]:
    if not caller.speaks_for(country_code, party_id):
        raise Forbidden(f"a partner may only write its own tokens, not those of {country_code} {party_id}")
    key = token_uid
    choices = [t.value for t in TokenType]
    if type not in choices:
        raise InvalidRequest([Problem("type", f"{type} is not a token type ({', '.join(choices)})")], key=key)
    url = {"country_code": country_code, "party_id": party_id, "uid": token_uid, "type": type}
    return success(await put_object(publisher, TOPIC, Token, body, key, url))
