"""``/locations/{country_code}/{party_id}/{location_id}``: PUT a Location (mod_locations, Receiver); DELETE one: the
back office's deletion, which partners get as the Location with every EVSE REMOVED (OCPI deletes no Location)."""

from __future__ import annotations

from fastapi import APIRouter

from ingest_api.deps import PublisherDep, RawBody
from ingest_api.envelope import Envelope, now, success
from ingest_api.models.receipts import ObjectReceipt
from ingest_api.openapi import body_doc
from ingest_api.records import deleted_record, object_key
from ingest_api.routes.objects import put_object, receipt
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


@router.delete("/{country_code}/{party_id}/{location_id}", response_model=Envelope[ObjectReceipt])
async def delete_location(
    country_code: str, party_id: str, location_id: str, publisher: PublisherDep
) -> Envelope[ObjectReceipt]:
    key = object_key(country_code, party_id, location_id)
    delivery = await publisher.publish(TOPIC, deleted_record(country_code, party_id, location_id, now()), key)
    return success(receipt(delivery, deleted=True))
