import json
from datetime import UTC, date, datetime
from decimal import Decimal

from api_payloads import statement_json, tariff, transaction_event

from ingest_api.models.statements import StatementIn
from ingest_api.models.transactions import TransactionEventIn
from ingest_api.records import (
    deleted_record,
    object_key,
    object_record,
    statement_records,
    transaction_record,
)
from ingest_api.validation import parse, validate
from roamstream import events
from roamstream.avro import AvroSerde
from roamstream.ocpi.tariff import Tariff

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def test_object_record_carries_the_validated_tariff_as_ocpi_json():
    raw = json.dumps(
        tariff(elements=[{"price_components": [{"type": "ENERGY", "price": 0.255, "step_size": 1}]}])
    )
    obj = parse(Tariff, raw.encode())
    record = object_record(obj, obj.id)
    assert (record["country_code"], record["party_id"], record["id"], record["deleted"]) == (
        "DE",
        "ALL",
        "12",
        False,
    )
    assert record["last_updated"] == datetime(2026, 6, 29, 20, 39, 9, tzinfo=UTC)
    assert '"price": 0.255' in record["ocpi_json"]
    assert Tariff.model_validate_json(record["ocpi_json"]) == obj


def test_deleted_record_has_no_object():
    record = deleted_record("DE", "ALL", "12", NOW)
    assert record == {
        "country_code": "DE",
        "party_id": "ALL",
        "id": "12",
        "last_updated": NOW,
        "deleted": True,
        "ocpi_json": "null",
    }
    assert object_key("DE", "ALL", "12") == "DE-ALL-12"


def test_statement_lines_keep_the_exact_amounts_and_fit_the_schema():
    records = statement_records(parse(StatementIn, statement_json().encode()))
    assert [r["cdr_id"] for r in records] == ["NL-RST-CP1-42", "NL-RST-CP2-7"]
    first, second = records
    assert first["total_cost_excl_vat"] == Decimal("12.3456")
    assert first["total_cost_incl_vat"] == Decimal("14.9382")
    assert (first["period_start"], first["period_end"]) == (date(2026, 10, 1), date(2026, 10, 31))
    assert second["total_cost_incl_vat"] is None
    serde = AvroSerde()
    back = [serde.decode("partner.statements.v1", serde.encode("partner.statements.v1", r)) for r in records]
    assert back[1]["total_cost_excl_vat"] == Decimal("0.1") and back[1]["total_energy"] == Decimal(3)


def test_transaction_record_takes_received_at_from_the_event_or_the_request():
    event = validate(
        TransactionEventIn,
        transaction_event(
            meter_wh=1500.25,
            samples=[
                {
                    "timestamp": "2026-11-01T10:00:00Z",
                    "measurand": "Energy.Active.Import.Register",
                    "value": "1.5E+3",
                    "unit": "Wh",
                    "raw_value": "1.5",
                    "raw_unit": "kWh",
                }
            ],
        ),
    )
    record = transaction_record(event, NOW)
    assert record["received_at"] == NOW
    assert record["kind"] == "STARTED"
    assert record["meter_wh"] == "1500.25"
    assert record["samples"][0]["value"] == "1500"
    given = validate(TransactionEventIn, transaction_event(received_at="2026-11-01T10:00:01Z"))
    assert transaction_record(given, NOW)["received_at"] == datetime(2026, 11, 1, 10, 0, 1, tzinfo=UTC)
    serde = AvroSerde()
    decoded = events.decode(serde, events.encode(serde, record))
    assert events.is_transaction(decoded) and decoded["meter_wh"] == "1500.25"
