"""Cross-cutting behaviour: OCPI headers, errors as envelopes, health, metrics, OpenAPI."""

import uuid

from api_payloads import auth, tariff
from scraped import Scraped


def test_request_and_correlation_ids_are_echoed(client):
    headers = {**auth(), "X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"}
    resp = client.put("/ocpi/2.2.1/tariffs/DE/ALL/12", json=tariff(), headers=headers)
    assert (resp.headers["X-Request-ID"], resp.headers["X-Correlation-ID"]) == ("req-1", "corr-1")


def test_ids_are_generated_when_absent_even_on_errors(client):
    resp = client.put("/ocpi/2.2.1/tariffs/DE/ALL/12", json=tariff())
    assert resp.status_code == 401
    uuid.UUID(resp.headers["X-Request-ID"])
    uuid.UUID(resp.headers["X-Correlation-ID"])
    assert resp.headers["X-Request-ID"] != resp.headers["X-Correlation-ID"]


def test_unknown_paths_and_methods_get_envelopes(client):
    missing = client.get("/ocpi/2.2.1/nothing", headers=auth())
    assert (missing.status_code, missing.json()["status_code"]) == (404, 2000)
    wrong_method = client.post("/ocpi/2.2.1/tariffs/DE/ALL/12", headers=auth())
    assert (wrong_method.status_code, wrong_method.json()["status_code"]) == (405, 2000)


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_metrics_count_requests_publications_and_rejections(client):
    client.put("/ocpi/2.2.1/tariffs/DE/ALL/12", json=tariff(), headers=auth())
    client.put("/ocpi/2.2.1/tariffs/DE/ALL/12", content=b"[", headers=auth())
    client.put("/ocpi/2.2.1/tariffs/DE/ALL/12", json=tariff())
    resp = client.get("/metrics")
    assert resp.headers["content-type"].startswith("text/plain; version=")
    m = Scraped(resp.text)
    assert m.value("roamstream_api_requests_total", method="PUT", endpoint="put_tariff", status="200") == 1
    assert m.value("roamstream_api_requests_total", method="PUT", endpoint="put_tariff", status="400") == 1
    assert m.value("roamstream_api_requests_total", method="PUT", endpoint="put_tariff", status="401") == 1
    assert m.value("roamstream_api_published_total", topic="ocpi.tariffs.v1") == 1
    assert m.value("roamstream_api_published_total") == 1
    assert m.value("roamstream_api_rejected_total", endpoint="put_tariff", ocpi_status="2001") == 1
    assert m.value("roamstream_api_rejected_total", endpoint="put_tariff", ocpi_status="2000") == 1
    assert m.value("roamstream_dead_letters_total", stage="ingest_api") == 1
    assert m.value("roamstream_ready") == 1


def test_each_app_counts_on_its_own(unit_settings, producer, serde):
    from fastapi.testclient import TestClient

    from ingest_api.app import create_app

    with TestClient(create_app(unit_settings, producer, serde)) as one, \
            TestClient(create_app(unit_settings, producer, serde)) as other:
        one.put("/ocpi/2.2.1/tariffs/DE/ALL/12", json=tariff(), headers=auth())
        assert Scraped(one.get("/metrics").text).value("roamstream_api_published_total") == 1
        assert Scraped(other.get("/metrics").text).value("roamstream_api_published_total") == 0


def test_ready_while_the_broker_answers_the_producer(client, producer):
    assert (client.get("/ready").status_code, client.get("/ready").json()["status"]) == (200, "ready")
    producer.broker_answers = False
    resp = client.get("/ready")
    assert (resp.status_code, resp.json()["status"]) == (503, "not ready")
    assert Scraped(client.get("/metrics").text).value("roamstream_ready") == 0


def _refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def test_openapi_documents_every_body_and_every_reference_resolves(client):
    assert client.get("/docs").status_code == 200
    doc = client.get("/openapi.json").json()
    put_tariff = doc["paths"]["/ocpi/2.2.1/tariffs/{country_code}/{party_id}/{tariff_id}"]["put"]
    schema = put_tariff["requestBody"]["content"]["application/json"]["schema"]
    assert "elements" in schema["properties"]
    assert "x-roamstream-defs" not in put_tariff
    for ref in _refs(doc):
        assert ref.removeprefix("#/components/schemas/") in doc["components"]["schemas"], ref
    assert (
        doc["paths"]["/ocpi/2.2.1/transactions/batch"]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ]["type"]
        == "array"
    )


def test_a_body_over_the_limit_is_refused_before_it_is_read(unit_settings, producer, serde):
    from fastapi.testclient import TestClient

    from ingest_api.app import create_app

    api = unit_settings.api.model_copy(update={"max_body_bytes": 1000})
    app = create_app(unit_settings.model_copy(update={"api": api}), producer, serde)
    with TestClient(app) as small:
        resp = small.put("/ocpi/2.2.1/tariffs/DE/ALL/12", content=b"x" * 1001, headers=auth())
        chunked = small.put("/ocpi/2.2.1/tariffs/DE/ALL/12", content=iter([b"x" * 600] * 2), headers=auth())
        fits = small.put("/ocpi/2.2.1/tariffs/DE/ALL/12", content=b"x" * 1000, headers=auth())
    assert "content-length" not in chunked.request.headers
    assert (chunked.status_code, chunked.json()["status_code"]) == (413, 2000)
    assert fits.status_code == 400
    assert resp.status_code == 413
    assert resp.json()["status_code"] == 2000
    assert "X-Request-ID" in resp.headers
    assert [s.topic for s in producer.sent] == ["deadletter.v1"]  # only the one that fit


def test_an_unexpected_error_is_a_500_envelope_with_the_ocpi_headers(client, producer):
    producer.bug = RuntimeError("boom")
    resp = client.put(
        "/ocpi/2.2.1/tariffs/DE/ALL/12", json=tariff(), headers={**auth(), "X-Request-ID": "r-9"}
    )
    assert resp.status_code == 500
    assert resp.json()["status_code"] == 3000
    assert "boom" not in resp.text
    assert resp.headers["X-Request-ID"] == "r-9"
    assert client.get("/healthz").status_code == 200
