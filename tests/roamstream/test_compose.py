"""docker-compose.yml cannot run here (no Docker engine): check its contract instead. Every roamstream service
runs a real sub-command with real options, every environment variable it sets is a real setting, and every
secret comes from the env file ``roamstream secrets init`` writes, never inline."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import typer.main
import yaml
from dotenv import dotenv_values
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from roamstream.cli import app
from roamstream.config import Settings
from roamstream.security import EXAMPLE_SECRETS, check

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def setting_names() -> set[str]:
    """Every environment variable the settings read: each concern's prefix + its field names."""
    names = {f"{Settings.model_config['env_prefix']}{f}".upper() for f in Settings.model_fields}
    for field in Settings.model_fields.values():
        concern = field.annotation
        if isinstance(concern, type) and issubclass(concern, BaseSettings):
            prefix = concern.model_config.get("env_prefix", "")
            names |= {f"{prefix}{f}".upper() for f in concern.model_fields}
    return names


def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_the_settings_know_the_well_known_names():
    assert {"KAFKA_BOOTSTRAP_SERVERS", "SCHEMA_REGISTRY_URL", "LAKE_URI", "TANSU_BIN"} <= setting_names()


def test_every_roamstream_service_runs_a_real_sub_command_with_real_options():
    root = typer.main.get_command(app)
    checked = 0
    for name, service in services().items():
        command = service.get("command")
        if not command or not command.startswith("roamstream"):
            continue
        words = shlex.split(command)[1:]
        sub = root.commands.get(words[0])
        assert sub is not None, f"{name}: no sub-command {words[0]!r}"
        known = {opt for param in sub.params if param.param_type_name == "option" for opt in param.opts}
        for word in words[1:]:
            if word.startswith("--"):
                assert word.split("=")[0] in known, f"{name}: {words[0]} has no option {word}"
        checked += 1
    assert checked == 3  # api, ocpp, worker


def test_every_environment_variable_is_a_real_setting():
    names = setting_names()
    for name, service in services().items():
        for variable in service.get("environment") or {}:
            if name in {"kafka", "schema-registry", "minio"}:
                continue  # third-party images
            assert variable in names, f"{name}: {variable} is not a roamstream setting"


# -- secrets: none inline; every one from the env file `roamstream secrets init` (make secrets) writes --

#: a variable whose value is a secret (or half of a credential pair); ``..._FILE``/``..._KEYFILE`` name a path
SECRET_LOOKING = re.compile(r"^(?!.*FILE$).*(SECRET|PASSWORD|TOKEN|_KEY$|ROOT_USER|CREDENTIAL)")
#: ``${VAR:?message}``: compose refuses to start while VAR is not in .env
REQUIRED_REFERENCE = re.compile(r"^\$\{([A-Z_][A-Z0-9_]*):\?[^}]+\}$")


def environments() -> dict[str, dict[str, str]]:
    return {name: {k: str(v) for k, v in (service.get("environment") or {}).items()}
            for name, service in services().items()}


def referenced_secrets() -> set[str]:
    names = set()
    for service, environment in environments().items():
        for variable, value in environment.items():
            if SECRET_LOOKING.search(variable):
                match = REQUIRED_REFERENCE.match(value)
                assert match, f"{service}: {variable} is inline ({value!r}); take it from .env as ${{VAR:?...}}"
                names.add(match.group(1))
    return names


def test_no_secret_is_inline_in_compose():
    assert referenced_secrets() == {"API_TOKENS", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"}
    text = COMPOSE.read_text().lower()
    for example in EXAMPLE_SECRETS - {"secret", "password", "token", "test"}:  # those four are words in comments
        assert example not in text, f"the example secret {example!r} is in docker-compose.yml"


def test_secrets_init_writes_every_secret_compose_reads_and_the_deployment_passes_the_checks(tmp_path, monkeypatch):
    env_file = tmp_path / "deploy" / ".env"
    command = [sys.executable, "-m", "roamstream", "secrets", "init", "--env-file", str(env_file)]
    first = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert env_file.stat().st_mode & 0o777 == 0o600
    values = dotenv_values(env_file)
    assert set(values) == referenced_secrets()
    [token] = json.loads(values["API_TOKENS"])
    assert len(token) >= 40 and len(values["MINIO_ROOT_PASSWORD"]) >= 32

    kept = env_file.read_text()
    again = CliRunner().invoke(app, command[3:])  # in this process: the child process above was the real run
    assert again.exit_code == 1 and "--force" in again.output and env_file.read_text() == kept
    rotated = CliRunner().invoke(app, [*command[3:], "--force"])
    assert rotated.exit_code == 0, rotated.output
    assert all(dotenv_values(env_file)[name] != value for name, value in values.items())

    # each roamstream service as compose starts it, its references filled from the generated file
    for name, services_run in {"api": ["api"], "ocpp": ["ocpp"], "worker": ["worker"]}.items():
        environment = {k: REQUIRED_REFERENCE.sub(lambda m: values[m.group(1)], v)
                       for k, v in environments()[name].items()}
        host = {"api": {"API_HOST": "0.0.0.0"}}.get(name, {})  # the api's command line: --host 0.0.0.0
        with monkeypatch.context() as patched:
            for variable, value in {**environment, **host}.items():
                patched.setenv(variable, value)
            check(Settings(), services_run)  # raises InsecureSettings if compose would be refused


def test_the_env_file_is_never_committed():
    assert ".env" in (COMPOSE.parent / ".gitignore").read_text().splitlines()
