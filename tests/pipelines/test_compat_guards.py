"""The guards of ``pipelines.compat``: the fixes are installed only on the faust/mode/aiokafka versions and code
they were written against, the embedded ones only on a broker that is the embedded one; ``roamstream worker``
refuses a broker address without a profile. The versions and sources are faked here by replacing what the
guard reads (the installed version, the function a fix replaces); the broker check asks the real broker."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest
from faust.tables.recovery import Recovery
from faust.transport.consumer import Consumer
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.transport.producer import ProducerBuffer

from pipelines import compat
from pipelines.app import aiokafka_auth, create_app
from roamstream.broker import free_port, identifies_as_embedded
from roamstream.config import KafkaSettings, Settings
from roamstream.kafka import consumer_config, producer_config

PATCHED = [
    (Recovery, "on_recovery_completed", compat._original_on_recovery_completed, compat._on_recovery_completed),
    (faust_aiokafka.AIOKafkaConsumerThread, "seek_to_committed", compat._original_seek_to_committed,
     compat._seek_to_committed),
    (Consumer, "wait_first", compat._original_wait_first, compat._eager_wait_first),
    (faust_aiokafka.Producer, "flush", compat._original_producer_flush, compat._flush_with_registered),
    (ProducerBuffer, "wait_until_ebb", compat._original_wait_until_ebb, compat._wait_until_ebb),
    (faust_aiokafka.AIOKafkaConsumerThread, "_highwaters", compat._original_highwaters, compat._highwaters),
    (faust_aiokafka.AIOKafkaConsumerThread, "_create_worker_consumer", compat._original_create_worker_consumer,
     compat._create_worker_consumer),
]


@pytest.fixture
def unpatched(monkeypatch):
    """faust as installed, whatever earlier tests in this process installed; restored afterwards."""
    for owner, name, original, _ in PATCHED:
        monkeypatch.setattr(owner, name, original)


def installed() -> list[str]:
    return [name for owner, name, _, fix in PATCHED if getattr(owner, name) is fix]


def test_the_installed_libraries_are_the_ones_the_fixes_were_written_for():
    assert compat.problems(compat.FIXES) == []
    assert set(compat.pinned_ranges()) == {"faust-streaming", "mode-streaming", "aiokafka"}


def test_kafka_profile_installs_only_the_broker_independent_fixes(settings: Settings, unpatched):
    kafka = settings.model_copy(update={"profile": "kafka"})
    app = create_app(kafka)
    assert installed() == ["on_recovery_completed", "seek_to_committed", "wait_first", "flush", "wait_until_ebb"]
    assert compat.verify_broker(app, kafka) is False  # even on the embedded broker (it warns)
    assert app not in compat._embedded_apps


def test_embedded_profile_on_the_embedded_broker_installs_every_fix(settings: Settings, unpatched):
    assert identifies_as_embedded(settings)  # the real broker says it is tansu
    app = create_app(settings)
    assert installed() == ["on_recovery_completed", "seek_to_committed", "wait_first", "flush", "wait_until_ebb",
                           "_highwaters", "_create_worker_consumer"]
    assert app not in compat._embedded_apps  # not before the broker is checked
    assert compat.verify_broker(app, settings) is True
    assert compat._embedded_apps[app] == settings.kafka.fetch_max_wait_ms


def test_embedded_profile_on_another_broker_refuses(settings: Settings, unpatched):
    app = create_app(settings)
    with pytest.raises(compat.CompatError, match="ROAMSTREAM_PROFILE=embedded.*KAFKA_BOOTSTRAP_SERVERS="):
        compat.verify_broker(app, settings, identify_broker=lambda _: False)
    assert app not in compat._embedded_apps


def test_an_embedded_worker_at_an_address_where_no_broker_answers_exits_with_the_reason(tmp_path):
    env = {**os.environ, "ROAMSTREAM_PROFILE": "embedded", "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}"}
    run = subprocess.run([sys.executable, "-m", "roamstream", "worker"], env=env, capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert "no broker answered at KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:" in run.stderr


def test_another_faust_version_fails_at_start_up_with_the_reason(settings: Settings, unpatched, monkeypatch):
    real = compat.installed_version
    monkeypatch.setattr(compat, "installed_version", lambda d: "0.16.0" if d == "faust-streaming" else real(d))
    with pytest.raises(compat.CompatError) as raised:
        create_app(settings.model_copy(update={"profile": "kafka"}))
    message = str(raised.value)
    assert "faust-streaming 0.16.0 is installed" in message
    assert "<0.16,>=0.15.3" in message and "pyproject.toml" in message
    assert installed() == []  # nothing replaced


def test_a_changed_function_fails_at_start_up_naming_it(settings: Settings, unpatched, monkeypatch):
    async def on_recovery_completed(self, generation_id: int = 0, extra: bool = False) -> None:  # a "new faust"
        pass

    fixes = tuple(
        dataclasses.replace(fix, guards=(dataclasses.replace(fix.guards[0], original=on_recovery_completed),))
        if fix.name == "recovery-flow" else fix
        for fix in compat.FIXES
    )
    monkeypatch.setattr(compat, "FIXES", fixes)
    with pytest.raises(compat.CompatError, match="fix 'recovery-flow'.*Recovery.on_recovery_completed.*extra"):
        create_app(settings.model_copy(update={"profile": "kafka"}))
    assert installed() == []


def test_a_worker_with_a_broker_address_and_no_profile_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROAMSTREAM_")}
    env["KAFKA_BOOTSTRAP_SERVERS"] = "kafka.example:9092"
    run = subprocess.run([sys.executable, "-m", "roamstream", "worker"], env=env, capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert "KAFKA_BOOTSTRAP_SERVERS" in run.stderr and "ROAMSTREAM_PROFILE" in run.stderr


def test_the_sasl_settings_reach_faust_confluent_kafka_and_the_compat_consumers(monkeypatch):
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "roamstream")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "s3cret")
    settings = Settings()
    auth = aiokafka_auth(settings)
    assert (auth["security_protocol"], auth["sasl_mechanism"]) == ("SASL_PLAINTEXT", "SCRAM-SHA-512")
    assert (auth["sasl_plain_username"], auth["sasl_plain_password"]) == ("roamstream", "s3cret")
    for config in (producer_config(settings), consumer_config(settings, **{"group.id": "g"})):
        assert config["security.protocol"] == "SASL_PLAINTEXT" and config["sasl.mechanism"] == "SCRAM-SHA-512"
        assert (config["sasl.username"], config["sasl.password"]) == ("roamstream", "s3cret")


def test_sasl_without_credentials_is_refused_naming_the_settings(monkeypatch):
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    with pytest.raises(ValueError, match="KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"):
        KafkaSettings()


async def test_true_end_offsets_connects_with_the_given_auth(settings: Settings):
    """The consumer ``true_end_offsets`` opens takes the security arguments: SASL against the plaintext
    embedded broker cannot connect (without them it would, and answer)."""
    from aiokafka.errors import KafkaConnectionError
    from faust.types import TP

    auth = {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "PLAIN", "sasl_plain_username": "u",
            "sasl_plain_password": "p"}
    with pytest.raises(KafkaConnectionError):
        await compat.true_end_offsets(settings.kafka.bootstrap_servers, {TP("t", 0): 1}, auth=auth)


async def test_faust_flushing_its_producer_awaits_the_flushes_registered_for_its_app(settings: Settings):
    """Before every offset commit faust flushes its app's producer (``Consumer._commit_offsets``, guarded): the
    push stage's own changelog producer is flushed with it, for its app only."""
    app, other = create_app(settings), create_app(settings)
    flushed: list[str] = []

    async def ours() -> None:
        flushed.append("ours")

    compat.flush_with_producer(app, ours)
    await other.producer.flush()
    assert flushed == []
    await app.producer.flush()
    assert flushed == ["ours"]


async def test_a_registered_flush_that_fails_fails_faust_s_flush(settings: Settings):
    app = create_app(settings)

    async def broken() -> None:
        raise RuntimeError("broker gone")

    compat.flush_with_producer(app, broken)
    with pytest.raises(RuntimeError, match="broker gone"):
        await app.producer.flush()
