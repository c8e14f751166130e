"""``/tariffs/{country_code}/{party_id}/{tariff_id}``: PUT a Tariff, DELETE one (mod_tariffs, Receiver)."""

from __future__ import annotations

from fastapi import APIRouter

from ingest_api.deps import PublisherDep, RawBody
from ingest_api.envelope import Envelope, now, success
from ingest_api.models.receipts import ObjectReceipt
from ingest_api.openapi import body_doc
from ingest_api.records import deleted_record, object_key
from ingest_api.routes.objects import put_object, receipt
from roamstream.ocpi.tariff import Tariff

TOPIC = "ocpi.tariffs.v1"

router = APIRouter(prefix="/tariffs", tags=["tariffs"])


@router.put(
    "/{country_code}/{party_id}/{tariff_id}",
    response_model=Envelope[ObjectReceipt],
    openapi_extra=body_doc(Tariff, "an OCPI 2.2.1 Tariff; its country_code, party_id and id as in the URL"),
)
async def put_tariff(
    country_code: str, party_id: str, tariff_id: str, body: RawBody, publisher: PublisherDep
) -> Envelope[ObjectReceipt]:
    key = object_key(country_code, party_id, tariff_id)
    url = {"country_code": country_code, "party_id": party_id, "id": tariff_id}
    return success(await put_object(publisher, TOPIC, Tariff, body, key, url))


@router.delete("/{country_code}/{party_id}/{tariff_id}", response_model=Envelope[ObjectReceipt])
async def delete_tariff(
    country_code: str, party_id: str, tariff_id: str, publisher: PublisherDep
) -> Envelope[ObjectReceipt]:
    key = object_key(country_code, party_id, tariff_id)
    delivery = await publisher.publish(TOPIC, deleted_record(country_code, party_id, tariff_id, now()), key)
    return success(receipt(delivery, deleted=True))
