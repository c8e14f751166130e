"""POST /statements and POST /transactions/batch, on a fake producer."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from api_payloads import auth, statement_json, transaction_event

from roamstream.events import decode, is_transaction

STATEMENTS = "/ocpi/2.2.1/statements"
BATCH = "/ocpi/2.2.1/transactions/batch"


def test_statement_lines_are_published_with_exact_amounts(client, producer, serde):
    resp = client.post(STATEMENTS, content=statement_json(total_excl="99999999999999.9999"), headers=auth())
    assert resp.status_code == 200, resp.json()
    assert resp.json()["data"] == {"topic": "partner.statements.v1", "records": 2, "keys": ["DE-ABC"]}
    records = [serde.decode("partner.statements.v1", s.value) for s in producer.on("partner.statements.v1")]
    assert [s.key for s in producer.sent] == ["DE-ABC", "DE-ABC"]
    assert records[0]["total_cost_excl_vat"] == Decimal("99999999999999.9999")
    assert records[0]["total_energy"] == Decimal("25.5")
    assert records[1]["cdr_id"] == "NL-RST-CP2-7"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (statement_json(total_excl="1.23456"), "lines[0].total_cost_excl_vat: at most 4 decimals"),
        (statement_json(total_excl="100000000000000"), "lines[0].total_cost_excl_vat: at most 14 digits"),
        (statement_json(total_excl='"12,30"'), "lines[0].total_cost_excl_vat: '12,30' is not a decimal number"),
        (statement_json(total_excl='"1.23456"'), "lines[0].total_cost_excl_vat: at most 4 decimals"),
        (statement_json(total_excl="true"), "lines[0].total_cost_excl_vat: must be a number or a string"),
        (
            statement_json().replace(
                '"currency": "EUR", "total_cost_excl_vat": 0.1',
                '"currency": "eur", "total_cost_excl_vat": 0.1',
            ),
            "lines[1].currency: ",
        ),
        (
            statement_json().replace('"2026-10-31"', '"2026-09-30"'),
            "period_end: 2026-09-30 is before period_start",
        ),
        (statement_json().replace("NL-RST-CP2-7", "NL-RST-CP1-42"), "lines: cdr_id listed more than once"),
        (statement_json().replace('"partner": "DE-ABC"', '"partner": "DEABC"'), "partner: "),
        (statement_json().replace('"statement_id"', '"statment_id"'), "statement_id: Field required"),
    ],
)
def test_statement_problems_are_named(client, producer, serde, body, message):
    resp = client.post(STATEMENTS, content=body, headers=auth())
    assert resp.status_code == 400
    assert resp.json()["status_code"] == 2001
    assert message in resp.json()["status_message"]
    assert producer.on("partner.statements.v1") == []
    [dead] = [serde.decode("deadletter.v1", s.value) for s in producer.on("deadletter.v1")]
    assert dead["payload"] == body.encode()


def test_statement_amounts_may_be_decimal_strings_as_the_openapi_schema_says(client, producer, serde):
    resp = client.post(STATEMENTS, content=statement_json(total_excl='"12.3000"', total_energy='"25.5"'),
                       headers=auth())
    assert resp.status_code == 200, resp.json()
    first = serde.decode("partner.statements.v1", producer.on("partner.statements.v1")[0].value)
    assert first["total_cost_excl_vat"] == Decimal("12.3000")
    assert first["total_energy"] == Decimal("25.5")
    schema = client.get("/openapi.json").json()["components"]["schemas"]["StatementLine"]
    accepted = schema["properties"]["total_cost_excl_vat"]["anyOf"]
    assert {"type": "number"} in accepted
    assert {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$"} in accepted


def test_statement_unknown_field_is_refused(client):
    body = json.loads(statement_json())
    body["lines"][0]["discount"] = 1
    resp = client.post(STATEMENTS, json=body, headers=auth())
    assert resp.json()["status_message"] == "lines[0].discount: Extra inputs are not permitted"


def test_batch_publishes_each_event_keyed_by_charge_point_in_order(client, producer, serde):
    events = [
        transaction_event(),
        transaction_event(event_id="CP2-tx1-start", charge_point_id="CP2", transaction_id="1"),
        transaction_event(
            event_id="CP1-tx42-end",
            kind="ENDED",
            action="StopTransaction",
            meter_wh="9100",
            received_at="2026-11-01T11:00:02Z",
            timestamp="2026-11-01T11:00:00Z",
        ),
    ]
    before = datetime.now(UTC)
    resp = client.post(BATCH, json=events, headers=auth())
    after = datetime.now(UTC)
    assert resp.status_code == 200, resp.json()
    assert resp.json()["data"] == {"topic": "ocpp.events.v1", "records": 3, "keys": ["CP1", "CP2"]}
    sent = producer.on("ocpp.events.v1")
    assert [s.key for s in sent] == ["CP1", "CP2", "CP1"]
    records = [decode(serde, s.value) for s in sent]
    assert all(is_transaction(r) for r in records)
    assert [s.value[5] for s in sent] == [4, 4, 4]  # the union's TransactionEventV2 (samples in columns)
    assert [r["event_id"] for r in records] == ["CP1-tx42-start", "CP2-tx1-start", "CP1-tx42-end"]
    assert before <= records[0]["received_at"] <= after
    assert records[2]["received_at"] == datetime(2026, 11, 1, 11, 0, 2, tzinfo=UTC)
    assert (records[2]["kind"], records[2]["meter_wh"]) == ("ENDED", "9100")


def test_batch_samples_reach_the_topic_exactly_in_columns_or_as_records_when_they_do_not_fit(client, producer, serde):
    def sampled(at: str, value: str, measurand: str, **extra) -> dict:
        return {"timestamp": at, "measurand": measurand, "value": value, "unit": "A", "raw_value": value, **extra}

    fits = [sampled("2026-11-01T10:05:00Z", "1600", "Energy.Active.Import.Register", unit="Wh", location="Outlet"),
            sampled("2026-11-01T10:05:00Z", "16.5", "Current.Import", phase="L1", context="Sample.Periodic"),
            sampled("2026-11-01T10:06:00Z", "81", "SoC", unit="%", raw_unit="Percent", location="EV")]
    empty_phase = [sampled("2026-11-01T10:07:00Z", "16", "Current.Import", phase="")]  # "" is not null
    batch = [transaction_event(event_id="e1", kind="UPDATED", action="MeterValues", samples=fits),
             transaction_event(event_id="e2", kind="UPDATED", action="MeterValues", samples=empty_phase)]
    resp = client.post(BATCH, json=batch, headers=auth())
    assert resp.status_code == 200, resp.json()
    sent = producer.on("ocpp.events.v1")
    assert [s.value[5] for s in sent] == [4, 0]  # TransactionEventV2, then a TransactionEvent
    records = [decode(serde, s.value) for s in sent]
    assert [(x["measurand"], x["value"], x["unit"], x["raw_unit"], x["phase"], x["location"], x["context"])
            for r in records for x in r["samples"]] == [
        ("Energy.Active.Import.Register", "1600", "Wh", None, None, "Outlet", None),
        ("Current.Import", "16.5", "A", None, "L1", None, "Sample.Periodic"),
        ("SoC", "81", "%", "Percent", None, "EV", None),
        ("Current.Import", "16", "A", None, "", None, None),
    ]
    assert [x["timestamp"].minute for r in records for x in r["samples"]] == [5, 5, 6, 7]


def test_one_bad_event_rejects_the_whole_batch(client, producer):
    events = [transaction_event(), transaction_event(kind="PAUSED"), transaction_event(connector_id=-1)]
    resp = client.post(BATCH, json=events, headers=auth())
    assert resp.status_code == 400
    fields = [p["field"] for p in resp.json()["data"]]
    assert fields == ["[1].kind", "[2].connector_id"]
    assert producer.on("ocpp.events.v1") == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "body: a batch holds 1 to 3 events, not 0"),
        ([transaction_event()] * 4, "body: a batch holds 1 to 3 events, not 4"),
        ({"events": []}, "body: Input should be a valid list"),
        ([transaction_event(meter_wh="lots")], "[0].meter_wh: 'lots' is not a decimal number"),
        ([transaction_event(timestamp="yesterday")], "[0].timestamp: "),
    ],
)
def test_batch_shape_problems(client, producer, body, message):
    resp = client.post(BATCH, json=body, headers=auth())
    assert resp.status_code == 400
    assert resp.json()["status_message"].startswith(message)
    assert producer.on("ocpp.events.v1") == []
    assert len(producer.on("deadletter.v1")) == 1


def test_partial_delivery_failure_fails_the_batch(client, producer):
    producer.failing_keys.add("CP2")
    events = [transaction_event(), transaction_event(event_id="CP2-tx1-start", charge_point_id="CP2")]
    resp = client.post(BATCH, json=events, headers=auth())
    assert (resp.status_code, resp.json()["status_code"]) == (503, 3000)
    assert "1 of 2 records" in resp.json()["status_message"]
    assert [s.key for s in producer.on("ocpp.events.v1")] == ["CP1"]
