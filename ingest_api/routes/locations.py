"""``PUT /locations/{country_code}/{party_id}/{location_id}``: a Location (mod_locations, Receiver)."""

from __future__ import annotations

from fastapi import APIRouter

from ingest_api.deps import PublisherDep, RawBody
from ingest_api.envelope import Envelope, success
from ingest_api.models.receipts import ObjectReceipt
from ingest_api.openapi import body_doc
from ingest_api.records import object_key
from ingest_api.routes.objects import put_object
from roamstream.ocpi.location import Location

TOPIC = "ocpi.locations.v1"

router = APIRouter(prefix="/locations", tags=["locations"])


@router.put(
    "/{country_code}/{party_id}/{location_id}",
    response_model=Envelope[ObjectReceipt],
    openapi_extra=body_doc(
        Location, "an OCPI 2.2.1 Location; its country_code, party_id and id as in the URL"
    ),
)
async def put_location(
    country_code: str, party_id: str, location_id: str, body: RawBody, publisher: PublisherDep
) -> Envelope[ObjectReceipt]:
    key = object_key(country_code, party_id, location_id)
    url = {"country_code": country_code, "party_id": party_id, "id": location_id}
    return success(await put_object(publisher, TOPIC, Location, body, key, url))
