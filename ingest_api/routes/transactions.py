"""``POST /transactions/batch``: normalised transaction events (the JSON form of the ``TransactionEvent`` of
``ocpp.events.v1``), into each charge point's event stream like the OCPP endpoint's own events.

All or nothing: one invalid event rejects the batch. Events are keyed by charge point and produced in the
order given; a retried batch repeats its event ids, which downstream stages deduplicate.
"""

from __future__ import annotations

from fastapi import APIRouter

from ingest_api.deps import PublisherDep, RawBody, SettingsDep
from ingest_api.envelope import Envelope, now, success
from ingest_api.exceptions import InvalidRequest, Problem
from ingest_api.models.receipts import BatchReceipt
from ingest_api.models.transactions import TransactionEventIn
from ingest_api.openapi import body_doc
from ingest_api.records import transaction_record
from ingest_api.validation import parse
from roamstream import events

TOPIC = events.TOPIC

router = APIRouter(prefix="/transactions", tags=["transactions"])


@router.post(
    "/batch",
    response_model=Envelope[BatchReceipt],
    openapi_extra=body_doc(list[TransactionEventIn], "a JSON array of transaction events"),
)
async def post_batch(body: RawBody, publisher: PublisherDep, settings: SettingsDep) -> Envelope[BatchReceipt]:
    received_at = now()
    batch = parse(list[TransactionEventIn], body)
    limit = settings.api.batch_max_events
    if not 1 <= len(batch) <= limit:
        raise InvalidRequest([Problem("body", f"a batch holds 1 to {limit} events, not {len(batch)}")])
    keyed = [(e.charge_point_id, events.branch(transaction_record(e, received_at))) for e in batch]
    await publisher.publish_all(TOPIC, keyed)
    keys = sorted({key for key, _ in keyed})
    return success(BatchReceipt(topic=TOPIC, records=len(keyed), keys=keys))
