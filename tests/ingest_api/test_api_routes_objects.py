"""Routes for OCPI objects (Tariff, Location, Token), on a fake producer."""

import json

import pytest
from api_payloads import auth, location, tariff, token
from scraped import Scraped

from roamstream.ocpi.location import Location
from roamstream.ocpi.tariff import Tariff
from roamstream.ocpi.token import Token

TARIFF_URL = "/ocpi/2.2.1/tariffs/DE/ALL/12"


def dead_letters(producer, serde):
    return [serde.decode("deadletter.v1", s.value) for s in producer.on("deadletter.v1")]


def test_put_tariff_publishes_the_validated_object_and_answers_with_an_envelope(client, producer, serde):
    resp = client.put(TARIFF_URL, json=tariff(), headers=auth())
    assert resp.status_code == 200
    body = resp.json()
    assert body["status_code"] == 1000
    assert body["data"] == {
        "topic": "ocpi.tariffs.v1",
        "key": "DE-ALL-12",
        "partition": 0,
        "offset": 0,
        "deleted": False,
    }
    assert body["timestamp"].endswith("Z")
    [sent] = producer.sent
    assert (sent.topic, sent.key) == ("ocpi.tariffs.v1", "DE-ALL-12")
    record = serde.decode("ocpi.object.v1", sent.value)
    assert (record["id"], record["deleted"]) == ("12", False)
    assert Tariff.model_validate_json(record["ocpi_json"]) == Tariff.model_validate(tariff())


def test_invalid_field_gets_2001_naming_the_path_and_a_dead_letter(client, producer, serde):
    bad = tariff()
    bad["elements"][0]["price_components"][0]["step_size"] = "five minutes"
    raw = json.dumps(bad).encode()
    resp = client.put(TARIFF_URL, content=raw, headers=auth())
    assert resp.status_code == 400
    body = resp.json()
    assert body["status_code"] == 2001
    assert body["status_message"].startswith("elements[0].price_components[0].step_size: ")
    assert body["data"][0]["field"] == "elements[0].price_components[0].step_size"
    assert producer.on("ocpi.tariffs.v1") == []
    [dead] = dead_letters(producer, serde)
    assert dead["stage"] == "ingest_api"
    assert dead["reason"].startswith(f"PUT {TARIFF_URL}: elements[0].price_components[0].step_size: ")
    assert (dead["payload"], dead["key"]) == (raw, b"DE-ALL-12")
    assert producer.on("deadletter.v1")[0].key == "DE-ALL-12"


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/ocpi/2.2.1/tariffs/DE/ALL/13", "id"),
        ("/ocpi/2.2.1/tariffs/NL/ALL/12", "country_code"),
        ("/ocpi/2.2.1/tariffs/DE/XYZ/12", "party_id"),
    ],
)
def test_url_ids_must_match_the_body(client, producer, serde, url, field):
    resp = client.put(url, json=tariff(), headers=auth())
    assert resp.status_code == 400
    assert resp.json()["status_code"] == 2001
    assert resp.json()["status_message"].startswith(f"{field}: ")
    assert producer.on("ocpi.tariffs.v1") == []
    assert len(dead_letters(producer, serde)) == 1


def test_invalid_json_is_a_2001_on_the_body(client, producer, serde):
    resp = client.put(TARIFF_URL, content=b'{"id": "12",', headers=auth())
    assert resp.status_code == 400
    assert resp.json()["status_message"].startswith("body: invalid JSON: ")
    assert dead_letters(producer, serde)[0]["payload"] == b'{"id": "12",'


def test_the_service_keeps_serving_after_bad_input(client, producer):
    assert client.put(TARIFF_URL, content=b"nonsense", headers=auth()).status_code == 400
    assert client.put(TARIFF_URL, json=tariff(), headers=auth()).status_code == 200
    assert len(producer.on("ocpi.tariffs.v1")) == 1


def test_delete_tariff_publishes_a_deletion(client, producer, serde):
    resp = client.delete(TARIFF_URL, headers=auth())
    assert resp.status_code == 200
    assert resp.json()["data"]["deleted"] is True
    record = serde.decode("ocpi.object.v1", producer.on("ocpi.tariffs.v1")[0].value)
    assert (record["country_code"], record["party_id"], record["id"]) == ("DE", "ALL", "12")
    assert (record["deleted"], record["ocpi_json"]) == (True, "null")


def test_put_location(client, producer, serde):
    resp = client.put("/ocpi/2.2.1/locations/BE/BEC/LOC1", json=location(), headers=auth())
    assert resp.status_code == 200, resp.json()
    [sent] = producer.sent
    assert (sent.topic, sent.key) == ("ocpi.locations.v1", "BE-BEC-LOC1")
    record = serde.decode("ocpi.object.v1", sent.value)
    assert Location.model_validate_json(record["ocpi_json"]) == Location.model_validate(location())


def test_location_problem_deep_in_an_evse_is_named(client):
    bad = location()
    bad["evses"][0]["connectors"][0]["max_voltage"] = "high"
    resp = client.put("/ocpi/2.2.1/locations/BE/BEC/LOC1", json=bad, headers=auth())
    assert resp.status_code == 400
    assert resp.json()["status_message"].startswith("evses[0].connectors[0].max_voltage: ")


def test_put_token_is_keyed_by_uid_and_type_defaults_to_rfid(client, producer, serde):
    resp = client.put("/ocpi/2.2.1/tokens/NL/TNM/012345678", json=token(), headers=auth())
    assert resp.status_code == 200, resp.json()
    [sent] = producer.sent
    assert (sent.topic, sent.key) == ("ocpi.tokens.v1", "012345678")
    record = serde.decode("ocpi.object.v1", sent.value)
    assert record["id"] == "012345678"
    assert Token.model_validate_json(record["ocpi_json"]).uid == "012345678"


def test_token_type_in_the_query_must_match_the_body(client, producer):
    ok = client.put(
        "/ocpi/2.2.1/tokens/NL/TNM/APP1?type=APP_USER",
        json=token(uid="APP1", type="APP_USER"),
        headers=auth(),
    )
    assert ok.status_code == 200
    wrong = client.put("/ocpi/2.2.1/tokens/NL/TNM/012345678?type=APP_USER", json=token(), headers=auth())
    assert wrong.status_code == 400
    assert wrong.json()["status_message"] == "type: RFID in the body does not match APP_USER in the URL"
    unknown = client.put("/ocpi/2.2.1/tokens/NL/TNM/012345678?type=CARD", json=token(), headers=auth())
    assert unknown.json()["status_message"].startswith("type: CARD is not a token type")
    assert len(producer.on("ocpi.tokens.v1")) == 1


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Token wrong"}, {"Authorization": "Bearer x"}])
def test_missing_or_unknown_credentials_get_401_and_no_dead_letter(client, producer, headers):
    resp = client.put(TARIFF_URL, json=tariff(), headers=headers)
    assert resp.status_code == 401
    assert resp.json()["status_code"] == 2000
    assert resp.headers["WWW-Authenticate"] == "Token"
    assert producer.sent == []


def test_plain_and_other_configured_tokens_are_accepted(client):
    assert client.put(TARIFF_URL, json=tariff(), headers=auth(encode=False)).status_code == 200
    assert client.put(TARIFF_URL, json=tariff(), headers=auth("second-token")).status_code == 200


def test_broker_failure_is_503_with_a_server_error_code(client, producer):
    producer.failing.add("ocpi.tariffs.v1")
    resp = client.put(TARIFF_URL, json=tariff(), headers=auth())
    assert resp.status_code == 503
    assert resp.json()["status_code"] == 3000
    assert "ocpi.tariffs.v1" in resp.json()["status_message"]


def test_bad_input_is_still_answered_when_the_dead_letter_cannot_be_delivered(client, producer):
    producer.failing.add("deadletter.v1")
    resp = client.put(TARIFF_URL, content=b"{", headers=auth())
    assert resp.status_code == 400
    metrics = Scraped(client.get("/metrics").text)
    assert metrics.value("roamstream_dead_letters_lost_total", stage="ingest_api") == 1
    assert metrics.value("roamstream_dead_letters_total") == 0


def test_a_huge_bad_body_is_dead_lettered_cut_to_fit_a_kafka_record(client, producer, serde):
    raw = b"[" + b" " * 600_000
    resp = client.post("/ocpi/2.2.1/transactions/batch", content=raw, headers=auth())
    assert resp.status_code == 400
    [dead] = dead_letters(producer, serde)
    assert dead["payload"] == raw[: 512 * 1024]
    assert dead["reason"].endswith(f"(payload cut to its first {512 * 1024} of {len(raw)} bytes)")
