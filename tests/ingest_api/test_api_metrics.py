from ingest_api.metrics import Metrics


def test_counters_render_in_prometheus_text_format():
    m = Metrics()
    m.inc("published", "ocpi.tariffs.v1", by=2)
    m.inc("requests", "PUT", "put_tariff", 200)
    m.inc("rejected", 'we"ird\\', 2001)
    text = m.render()
    assert "# TYPE roamstream_api_published_total counter" in text.splitlines()
    assert 'roamstream_api_published_total{topic="ocpi.tariffs.v1"} 2' in text.splitlines()
    assert (
        'roamstream_api_requests_total{method="PUT",endpoint="put_tariff",status="200"} 1'
        in text.splitlines()
    )
    assert 'roamstream_api_rejected_total{endpoint="we\\"ird\\\\",ocpi_status="2001"} 1' in text.splitlines()
    assert text.endswith("\n")
