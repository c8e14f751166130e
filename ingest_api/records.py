"""Validated requests to Avro records (plain dicts) and their Kafka keys. Pure: no I/O, no clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ingest_api.models.fields import QUANTUM
from ingest_api.models.statements import StatementIn
from ingest_api.models.transactions import TransactionEventIn
from roamstream.ocpi import jsonio
from roamstream.ocpi.common import OcpiModel

#: ``ocpi_json`` of a deletion: there is no object any more
DELETED_JSON = "null"


def object_key(country_code: str, party_id: str, object_id: str) -> str:
    """Key of a Tariff or Location in its compacted topic: ``<cc>-<pid>-<id>``."""
    return f"{country_code}-{party_id}-{object_id}"


def canonical_json(obj: OcpiModel) -> str:
    """The object as OCPI JSON: model field order, no nulls, numbers exact (at most 4 decimals)."""
    return jsonio.dumps(obj.model_dump(exclude_none=True))


def object_record(obj: Any, object_id: str) -> dict[str, Any]:
    """An ``ocpi.object.v1`` record of a validated Tariff, Location or Token (``object_id``: id or uid)."""
    return {
        "country_code": obj.country_code,
        "party_id": obj.party_id,
        "id": object_id,
        "last_updated": obj.last_updated,
        "deleted": False,
        "ocpi_json": canonical_json(obj),
    }


def deleted_record(country_code: str, party_id: str, object_id: str, at: datetime) -> dict[str, Any]:
    """An ``ocpi.object.v1`` record saying the object is gone since ``at``."""
    return {
        "country_code": country_code,
        "party_id": party_id,
        "id": object_id,
        "last_updated": at,
        "deleted": True,
        "ocpi_json": DELETED_JSON,
    }


def statement_records(statement: StatementIn) -> list[dict[str, Any]]:
    """One ``partner.statements.v1`` record per line."""
    return [
        {
            "partner": statement.partner,
            "statement_id": statement.statement_id,
            "period_start": statement.period_start,
            "period_end": statement.period_end,
            "cdr_id": line.cdr_id,
            "currency": line.currency,
            "total_cost_excl_vat": line.total_cost_excl_vat.quantize(QUANTUM),
            "total_cost_incl_vat": (
                None if line.total_cost_incl_vat is None else line.total_cost_incl_vat.quantize(QUANTUM)
            ),
            "total_energy": line.total_energy.quantize(QUANTUM),
        }
        for line in statement.lines
    ]


def transaction_record(event: TransactionEventIn, received_at: datetime) -> dict[str, Any]:
    """A ``TransactionEvent`` record of ``ocpp.events.v1``; ``received_at`` fills in when the event does not say."""
    record = event.model_dump(mode="python")
    record["kind"] = event.kind.value
    record["received_at"] = event.received_at or received_at
    return record
