"""docker-compose.yml cannot run here (no Docker engine): check its contract instead. Every roamstream service
runs a real sub-command with real options, and every environment variable it sets is a real setting."""

from __future__ import annotations

import shlex
from pathlib import Path

import typer.main
import yaml
from pydantic_settings import BaseSettings

from roamstream.cli import app
from roamstream.config import Settings

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
