"""``roamstream stations set-password CP_ID`` as an operator runs it (a child process, the secret on stdin):
the password is stored hashed in ``OCPP_PASSWORDS_FILE``, and a running ``roamstream ocpp`` service (another
child process) asks the station for it from its next connection."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
from pathlib import Path

import pytest
from ocpp.v16 import call
from websockets.exceptions import InvalidStatus
from wire import bare, exchange

from connectors.ocpp.handshake import verify_password
from connectors.ocpp.simulator.client import connect

pytestmark = pytest.mark.integration

CLI = Path(sys.executable).with_name("roamstream")
HEARTBEAT = [2, "hb", "Heartbeat", {}]


async def set_password(cp: str, secret: str, env: dict[str, str]) -> tuple[int, str]:
    """Run the command with the secret on stdin; (exit status, stderr)."""
    inherited = {k: v for k, v in os.environ.items() if k != "OCPP_PASSWORDS_FILE"}
    proc = await asyncio.create_subprocess_exec(
        str(CLI), "stations", "set-password", cp, env={**inherited, **env},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await proc.communicate(secret.encode() + b"\n")
    return proc.returncode, err.decode()


async def refused(url: str, cp: str, password: str | None) -> int:
    with pytest.raises(InvalidStatus) as caught:
        async with connect(url, cp, "1.6", password=password):
            pass
    return caught.value.response.status_code


async def heartbeat(url: str, cp: str, password: str) -> str:
    async with connect(url, cp, "1.6", password=password) as station:
        return (await station.call(call.Heartbeat())).current_time


async def test_a_password_set_by_the_operator_is_asked_by_the_running_endpoint(ocpp_settings, cli_service, tmp_path):
    stored = tmp_path / "secrets" / "ocpp-passwords.json"
    env = {
        "ROAMSTREAM_PROFILE": "kafka",
        "KAFKA_BOOTSTRAP_SERVERS": ocpp_settings.kafka.bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": ocpp_settings.kafka.topic_prefix,
        "OCPP_PASSWORDS_FILE": str(stored),
        "OCPP_REQUIRE_AUTH": "true",
    }
    pattern = r"OCPP\s+(ws://127\.0\.0\.1:\d+/ocpp)/\{charge_point_id\}"
    async with cli_service(["ocpp", "--port", "0"], env, pattern) as url:
        assert await refused(url, "CP-PW", None) == 401  # required, and none stored yet

        code, err = await set_password("CP-PW", "first-secret-0001", env)
        assert code == 0, err
        assert "CP-PW" in err and "first-secret" not in err
        [(identity, hashed)] = json.loads(stored.read_text()).items()
        assert identity == "CP-PW" and hashed.startswith("pbkdf2_sha256$")
        assert verify_password("first-secret-0001", hashed) and "first-secret" not in stored.read_text()
        assert stored.stat().st_mode & 0o777 == 0o600

        assert await heartbeat(url, "CP-PW", "first-secret-0001")
        assert await refused(url, "CP-PW", "wrong") == 401

        assert (await set_password("CP-PW", "second-secret-002", env))[0] == 0  # a new password replaces it
        assert await refused(url, "CP-PW", "first-secret-0001") == 401
        assert await heartbeat(url, "CP-PW", "second-secret-002")
        assert await refused(url, "CP-OTHER", "second-secret-002") == 401  # per station

        assert (await set_password("CP-TWO", "another-secret-03", env))[0] == 0
        assert set(json.loads(stored.read_text())) == {"CP-PW", "CP-TWO"}
        async with bare(url, "CP-TWO", additional_headers=basic_header("CP-TWO", "another-secret-03")) as ws:
            assert (await exchange(ws, HEARTBEAT))[0] == 3


def basic_header(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.mark.parametrize(
    ("cp", "secret", "env", "message"),
    [
        ("CP:1", "s3cret", {"OCPP_PASSWORDS_FILE": "{file}"}, "CP_ID: charge point identity must not contain ':'"),
        ("CP-1", "", {"OCPP_PASSWORDS_FILE": "{file}"}, "password: the password is empty"),
        ("CP-1", "x" * 41, {"OCPP_PASSWORDS_FILE": "{file}"}, "password: the password has more than 40 characters"),
        ("CP-1", "s3cret", {}, "--file: no password file: set OCPP_PASSWORDS_FILE"),
        ("CP-1", "s3cret", {"OCPP_PASSWORDS_FILE": ""}, "--file: no password file: set OCPP_PASSWORDS_FILE"),
    ],
)
async def test_set_password_refuses_what_it_cannot_store_naming_the_field(tmp_path, cp, secret, env, message):
    file = tmp_path / "passwords.json"
    env = {k: v.format(file=file) for k, v in env.items()}
    code, err = await set_password(cp, secret, env)
    assert code == 2
    assert message in " ".join(err.replace("│", " ").split())
    assert not file.exists()
