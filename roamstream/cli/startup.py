"""The checks every command that connects to Kafka or serves others runs first: which Kafka
(``roamstream.profiles``) and whether it may start with these secrets (``roamstream.security``). A refusal
prints its reason, naming the settings, and exits with status 2."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from roamstream import config
from roamstream.config import Settings
from roamstream.profiles import KafkaTarget, ProfileError, kafka_target
from roamstream.security import InsecureSettings, Service, check

CONFIG_ERROR = 2


def target_or_exit(settings: Settings, command: str, *, starts_broker: bool = False) -> KafkaTarget:
    try:
        return kafka_target(settings, command, starts_broker=starts_broker)
    except ProfileError as exc:
        _refuse(exc)


def kafka_settings_or_exit(settings: Settings, command: str) -> Settings:
    """The settings for a command that starts no broker (``worker``, ``reprice``, ``deadletter``, ...)."""
    return target_or_exit(settings, command).settings


def secure_or_exit(settings: Settings, services: Iterable[Service]) -> None:
    try:
        check(settings, services)
    except InsecureSettings as exc:
        _refuse(exc)


def invalid_settings(exc: ValidationError) -> str:
    """``exc`` of a settings concern as its environment variables: ``OCPP_TLS_CERTFILE: Path does not ...``."""
    concern = getattr(config, exc.title, None)
    prefix = concern.model_config.get("env_prefix", "") if isinstance(concern, type) else ""
    lines = [f"invalid settings ({exc.title}):"]
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        if error["loc"]:
            lines.append(f"  {(prefix + str(error['loc'][0])).upper()}: {message}")
        else:  # a rule across fields: its message names them
            lines.append(f"  {message}")
    return "\n".join(lines)


def _refuse(exc: Exception) -> NoReturn:
    Console(stderr=True).print(str(exc), soft_wrap=True, markup=False, highlight=False)
    raise typer.Exit(CONFIG_ERROR)
