"""``POST /statements``: a partner's settlement statement, one ``partner.statements.v1`` record per line."""

from __future__ import annotations

from fastapi import APIRouter

from ingest_api.deps import PublisherDep, RawBody
from ingest_api.envelope import Envelope, success
from ingest_api.models.receipts import BatchReceipt
from ingest_api.models.statements import StatementIn
from ingest_api.openapi import body_doc
from ingest_api.records import statement_records
from ingest_api.validation import parse

TOPIC = "partner.statements.v1"

router = APIRouter(prefix="/statements", tags=["statements"])


@router.post("", response_model=Envelope[BatchReceipt], openapi_extra=body_doc(StatementIn))
async def post_statement(body: RawBody, publisher: PublisherDep) -> Envelope[BatchReceipt]:
    statement = parse(StatementIn, body)
    records = statement_records(statement)
    await publisher.publish_all(TOPIC, [(statement.partner, record) for record in records])
    return success(BatchReceipt(topic=TOPIC, records=len(records), keys=[statement.partner]))
