"""Secure by default, as pure rules: when a service counts as exposed, and what it then refuses. The same
rules as CLI runs: tests/roamstream/test_secure_cli.py."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from roamstream.config import OcppSettings, Settings
from roamstream.profiles import ProfileError, kafka_target
from roamstream.security import InsecureSettings, check, exposure, is_loopback, problems

STRONG = "q3VfX0b1lB2yq8mJ3r9sKcWnT5eZpA"  # 30 characters, no example


def settings(**concerns) -> Settings:
    base = Settings()
    update = {}
    for name, fields in concerns.items():
        if name == "profile":
            update["profile"] = fields
        else:
            update[name] = getattr(base, name).model_copy(update=fields)
    return base.model_copy(update=update)


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("10.0.0.5", False), ("api.example.com", False), ("", False),
])
def test_only_loopback_addresses_count_as_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_the_defaults_are_not_exposed_and_start():
    assert exposure(Settings(), ["api", "ocpp", "worker"]) is None
    check(Settings(), ["api", "ocpp", "worker"])  # dev-token, no OCPP auth: fine on a developer's machine


def test_the_kafka_profile_or_a_public_listener_exposes_a_service():
    assert exposure(settings(profile="kafka"), ["worker"]) == "ROAMSTREAM_PROFILE=kafka (not the embedded profile)"
    assert exposure(settings(api={"host": "0.0.0.0"}), ["api"]) == "API_HOST=0.0.0.0 is not a loopback address"
    assert exposure(settings(ocpp={"host": "10.0.0.5"}), ["ocpp"]) == "OCPP_HOST=10.0.0.5 is not a loopback address"
    assert exposure(settings(api={"host": "0.0.0.0"}), ["ocpp"]) is None  # another service's listener


def test_an_exposed_api_refuses_the_default_an_example_and_a_short_token():
    exposed = {"profile": "kafka"}
    with pytest.raises(InsecureSettings) as refused:
        check(settings(**exposed), ["api"])
    assert refused.value.problems == [
        "API_TOKENS[0] is 'dev-token', a default or example value: anyone can read it in the documentation"]
    tokens = [SecretStr(STRONG), SecretStr(" Change-Me "), SecretStr("short-random")]
    assert problems(settings(api={"tokens": tokens}), ["api"]) == [
        "API_TOKENS[1] is 'Change-Me', a default or example value: anyone can read it in the documentation",
        "API_TOKENS[2] is shorter than 16 characters",
    ]
    assert problems(settings(api={"tokens": []}), ["api"]) == [
        "API_TOKENS is empty: set at least one back-office token"]
    check(settings(api={"tokens": [SecretStr(STRONG)], "host": "0.0.0.0"}, **exposed), ["api"])


def test_an_exposed_ocpp_endpoint_refuses_to_run_without_station_authentication():
    with pytest.raises(InsecureSettings, match="OCPP_HOST=0.0.0.0 is not a loopback address") as refused:
        check(settings(ocpp={"host": "0.0.0.0"}), ["ocpp"])
    [problem] = refused.value.problems
    assert problem.startswith("OCPP_REQUIRE_AUTH is false")
    check(settings(ocpp={"host": "0.0.0.0", "require_auth": True}), ["ocpp"])


def test_an_exposed_worker_refuses_example_secrets_of_what_it_uses():
    from roamstream.config import Partner

    partner = Partner(country_code="NL", party_id="EMA", cdrs_url="https://emsp.example/cdrs",
                      token=SecretStr("change-me"))
    worker = settings(profile="kafka", lake={"s3_secret_key": SecretStr("roamstream-secret")},
                      partners={"emsps": [partner]},
                      kafka={"security_protocol": "SASL_SSL", "sasl_username": "rs",
                             "sasl_password": SecretStr("password")})
    with pytest.raises(InsecureSettings) as refused:
        check(worker, ["worker"])
    assert [p.split(" is ")[0] for p in refused.value.problems] == [
        "KAFKA_SASL_PASSWORD", "LAKE_S3_SECRET_KEY", "PARTNERS_EMSPS (NL-EMA) token"]
    assert all("default or example" in p for p in refused.value.problems)
    assert "dev-token" not in str(refused.value)  # the API's token is not the worker's business


def test_the_message_names_every_problem_and_how_to_fix_it():
    with pytest.raises(InsecureSettings) as refused:
        check(settings(profile="kafka"), ["api", "ocpp"])
    text = str(refused.value)
    assert text.startswith("refusing to start: ROAMSTREAM_PROFILE=kafka")
    assert "API_TOKENS[0]" in text and "OCPP_REQUIRE_AUTH" in text and "roamstream secrets init" in text


def test_a_certificate_without_its_key_is_refused_naming_both(monkeypatch, tmp_path):
    cert = tmp_path / "cert.pem"
    cert.write_text("not checked here")
    monkeypatch.setenv("OCPP_TLS_CERTFILE", str(cert))
    with pytest.raises(ValidationError, match="OCPP_TLS_CERTFILE and OCPP_TLS_KEYFILE go together"):
        OcppSettings()
    monkeypatch.setenv("OCPP_TLS_KEYFILE", str(tmp_path / "missing.pem"))
    with pytest.raises(ValidationError, match="tls_keyfile"):
        OcppSettings()
    monkeypatch.setenv("OCPP_TLS_KEYFILE", str(cert))
    assert OcppSettings().uses_tls


# -- which Kafka (roamstream.profiles): one rule for every command --


def test_a_broker_address_without_a_profile_is_refused(monkeypatch):
    monkeypatch.delenv("ROAMSTREAM_PROFILE", raising=False)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka.example:9092")
    with pytest.raises(ProfileError, match="KAFKA_BOOTSTRAP_SERVERS is set .*ROAMSTREAM_PROFILE is not"):
        kafka_target(Settings(), "up", starts_broker=True)


def test_the_embedded_profile_starts_attaches_or_refuses(monkeypatch):
    monkeypatch.setenv("ROAMSTREAM_PROFILE", "embedded")
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    assert kafka_target(Settings(), "ocpp", starts_broker=True).start_broker
    with pytest.raises(ProfileError, match="`roamstream reprice` starts no broker"):
        kafka_target(Settings(), "reprice")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:40001")
    attached = kafka_target(Settings(), "ocpp", starts_broker=True)
    assert not attached.start_broker
    assert attached.settings == Settings().for_embedded("127.0.0.1:40001")


def test_the_kafka_profile_takes_the_settings_as_they_are(monkeypatch):
    monkeypatch.setenv("ROAMSTREAM_PROFILE", "kafka")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka.example:9092")
    target = kafka_target(Settings(), "deadletter")
    assert (target.start_broker, target.settings) == (False, Settings())
