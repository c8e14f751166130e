"""Secure by default, as an operator meets it: ``roamstream api|ocpp|worker|up`` as child processes refuse to
start when exposed (the kafka profile, or a listener on a non-loopback address) with a default or example
secret or without OCPP authentication: exit status 2 and a message naming the setting. Every command that
connects to Kafka refuses a broker address without a profile, through the same check. (The embedded,
loopback defaults still start: tests/ingest_api/test_api_cli.py, tests/connectors/ocpp/test_ocpp_cli.py.)"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from roamstream.cli import app

#: never contacted: every run here is refused before it connects
NOWHERE = "127.0.0.1:9"


def clean_env(**env: str) -> dict[str, str]:
    """The inherited environment without roamstream settings, plus ``env``."""
    prefixes = ("ROAMSTREAM_", "KAFKA_", "API_", "OCPP_", "LAKE_", "PARTNERS_", "PIPELINE_")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(prefixes)}, **env}


def run(args: list[str], env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "roamstream", *args], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("args", "env", "named"), [
    (["api"], {"ROAMSTREAM_PROFILE": "kafka", "KAFKA_BOOTSTRAP_SERVERS": NOWHERE},
     ["ROAMSTREAM_PROFILE=kafka", "API_TOKENS[0] is 'dev-token'"]),
    (["api", "--host", "0.0.0.0"], {"ROAMSTREAM_PROFILE": "embedded", "KAFKA_BOOTSTRAP_SERVERS": NOWHERE,
                                    "API_TOKENS": '["change-me"]'},
     ["API_HOST=0.0.0.0 is not a loopback address", "API_TOKENS[0] is 'change-me'"]),
    (["ocpp"], {"ROAMSTREAM_PROFILE": "kafka", "KAFKA_BOOTSTRAP_SERVERS": NOWHERE},
     ["ROAMSTREAM_PROFILE=kafka", "OCPP_REQUIRE_AUTH is false"]),
    (["ocpp"], {"OCPP_HOST": "0.0.0.0"}, ["OCPP_HOST=0.0.0.0 is not a loopback address", "OCPP_REQUIRE_AUTH"]),
    (["worker"], {"ROAMSTREAM_PROFILE": "kafka", "KAFKA_BOOTSTRAP_SERVERS": NOWHERE,
                  "LAKE_S3_SECRET_KEY": "roamstream-secret"},
     ["ROAMSTREAM_PROFILE=kafka", "LAKE_S3_SECRET_KEY is 'roamstream-secret'"]),
    (["up"], {"API_HOST": "0.0.0.0", "API_TOKENS": '["a-token-no-one-documented"]'},
     ["API_HOST=0.0.0.0", "OCPP_REQUIRE_AUTH is false"]),
], ids=["api-kafka-default-token", "api-public-example-token", "ocpp-kafka-no-auth", "ocpp-public-no-auth",
        "worker-kafka-example-s3-secret", "up-public-no-ocpp-auth"])
def test_an_exposed_service_refuses_to_start_naming_the_setting(args, env, named, tmp_path):
    result = run(args, clean_env(**env), tmp_path)
    assert result.returncode == 2, result.stderr
    message = " ".join(result.stderr.split())
    assert message.startswith("refusing to start:"), result.stderr
    for text in named:
        assert text in message, result.stderr
    assert "roamstream secrets init" in message
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [
    ["api"], ["ocpp"], ["up"], ["worker"], ["reprice", "--session", "S1"], ["deadletter", "list"],
    ["push", "status"],
])
def test_every_kafka_command_refuses_a_broker_address_without_a_profile(args):
    env = {"ROAMSTREAM_PROFILE": None, "KAFKA_BOOTSTRAP_SERVERS": "kafka.example:9092"}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert "KAFKA_BOOTSTRAP_SERVERS is set (kafka.example:9092) but ROAMSTREAM_PROFILE is not" in message


@pytest.mark.parametrize("args", [["api"], ["reprice", "--session", "S1"], ["deadletter", "list"], ["push", "status"]])
def test_a_command_that_starts_no_broker_refuses_the_embedded_profile_without_an_address(args):
    result = CliRunner().invoke(app, args, env={"ROAMSTREAM_PROFILE": "embedded", "KAFKA_BOOTSTRAP_SERVERS": None})
    assert result.exit_code == 2, result.output
    assert f"`roamstream {args[0]}` starts no broker" in " ".join(result.output.split())


def test_a_certificate_that_is_not_there_or_without_its_key_is_named(tmp_path):
    missing = run(["ocpp"], clean_env(OCPP_TLS_CERTFILE=str(tmp_path / "cert.pem"),
                                      OCPP_TLS_KEYFILE=str(tmp_path / "key.pem")), tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr, missing.stderr
    assert "OCPP_TLS_CERTFILE: Path does not point to a file" in missing.stderr
    (tmp_path / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    alone = run(["api"], clean_env(API_TLS_CERTFILE=str(tmp_path / "cert.pem")), tmp_path)
    assert alone.returncode == 2 and "Traceback" not in alone.stderr, alone.stderr
    assert "API_TLS_CERTFILE and API_TLS_KEYFILE go together" in alone.stderr
