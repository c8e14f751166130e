"""The shared step of the OCPI object routes: validate a pushed object against its URL and publish it."""

from __future__ import annotations

from typing import Any

from ingest_api.models.receipts import ObjectReceipt
from ingest_api.publisher import Delivery, Publisher
from ingest_api.records import object_record
from ingest_api.validation import parse, require_match


def receipt(delivery: Delivery, deleted: bool = False) -> ObjectReceipt:
    return ObjectReceipt(
        topic=delivery.topic,
        key=delivery.key,
        partition=delivery.partition,
        offset=delivery.offset,
        deleted=deleted,
    )


async def put_object(
    publisher: Publisher,
    topic: str,
    kind: type[Any],
    raw: bytes,
    key: str,
    url: dict[str, Any],
) -> ObjectReceipt:
    """Parse ``raw`` as ``kind``; each ``url`` field (``country_code``, ``id``, ...) must equal the body's."""
    obj = parse(kind, raw, key=key)
    require_match(key, **{field: (getattr(obj, field), value) for field, value in url.items()})
    id_field = "uid" if "uid" in url else "id"
    delivery = await publisher.publish(topic, object_record(obj, getattr(obj, id_field)), key)
    return receipt(delivery)
