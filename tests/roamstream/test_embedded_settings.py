"""The embedded profile's client timings (tansu's deviations, DESIGN.md) and the values an operator sets."""

from __future__ import annotations

from roamstream.config import EMBEDDED_KAFKA, Settings


def test_the_embedded_profile_applies_tansus_timings():
    kafka = Settings().for_embedded("127.0.0.1:9").kafka
    assert kafka.bootstrap_servers == "127.0.0.1:9"
    assert {k: getattr(kafka, k) for k in EMBEDDED_KAFKA} == EMBEDDED_KAFKA
    assert kafka.session_timeout_s != Settings().kafka.session_timeout_s  # not Kafka's own defaults


def test_a_timing_set_in_the_environment_is_kept(monkeypatch):
    monkeypatch.setenv("KAFKA_SESSION_TIMEOUT_S", "3")
    kafka = Settings().for_embedded("127.0.0.1:9").kafka
    assert kafka.session_timeout_s == 3.0
    assert kafka.heartbeat_interval_s == EMBEDDED_KAFKA["heartbeat_interval_s"]  # the others still applied
