"""Secure by default: what a service refuses to start with once others can reach it.

A service is *exposed* outside the embedded profile (``ROAMSTREAM_PROFILE=kafka``: a real deployment), or when
one of its listeners binds an address other than a loopback one (``API_HOST``, ``OCPP_HOST``). Exposed, it
refuses (``InsecureSettings``, every problem named by its setting):

- an ingest API token (``API_TOKENS``) that is the default or an example (``dev-token``, ``change-me``, ...) or
  shorter than ``MIN_TOKEN_LENGTH`` characters;
- the OCPP endpoint with station authentication off (``OCPP_REQUIRE_AUTH=false``: any client could connect as
  any charge point, create billable sessions and take over a live station's connection);
- an example value as any other secret the service uses (``KAFKA_SASL_PASSWORD``; the worker's
  ``LAKE_S3_SECRET_KEY`` and the ``token`` of each of ``PARTNERS_EMSPS``).

On a developer's machine (embedded profile, loopback only) the defaults still start. Pure: no I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Literal

from pydantic import SecretStr

from roamstream.config import Settings
from roamstream.exceptions import ConfigError

Service = Literal["api", "ocpp", "worker"]

#: secrets that are public: defaults, values documented as examples, and the usual placeholders
EXAMPLE_SECRETS = frozenset({
    "dev-token", "change-me", "changeme", "change-this", "changeit", "roamstream-secret", "secret", "password",
    "token", "example", "test", "minioadmin",
})
#: an API token shorter than this is refused when exposed (``roamstream secrets init`` writes 43 characters)
MIN_TOKEN_LENGTH = 16


class InsecureSettings(ConfigError):
    """An exposed service would start with a default or example secret, or without authentication."""

    def __init__(self, exposure: str, problems: list[str]) -> None:
        self.exposure = exposure
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"refusing to start: {exposure}, and\n{lines}\n"
            "Generate secrets with `roamstream secrets init` (README: Deploying securely).")


def is_loopback(host: str) -> bool:
    """``host`` is a loopback address (127.0.0.0/8, ::1, ``localhost``); a name or a wildcard is not."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure(settings: Settings, services: Iterable[Service]) -> str | None:
    """Why ``services`` are reachable by others (a sentence naming the setting), or None."""
    if settings.profile != "embedded":
        return f"ROAMSTREAM_PROFILE={settings.profile} (not the embedded profile)"
    listeners = {"api": ("API_HOST", settings.api.host), "ocpp": ("OCPP_HOST", settings.ocpp.host)}
    for service in services:
        if service in listeners:
            name, host = listeners[service]
            if not is_loopback(host):
                return f"{name}={host} is not a loopback address"
    return None


def problems(settings: Settings, services: Iterable[Service]) -> list[str]:
    """What ``services`` must not start with when exposed, each naming its setting (checked whether exposed
    or not: ``check`` decides)."""
    services = set(services)
    found: list[str] = []
    if "api" in services:
        if not settings.api.tokens:
            found.append("API_TOKENS is empty: set at least one back-office token")
        for i, token in enumerate(settings.api.tokens):
            found += _secret_problems(f"API_TOKENS[{i}]", token, min_length=MIN_TOKEN_LENGTH)
    if "ocpp" in services and not settings.ocpp.require_auth:
        found.append("OCPP_REQUIRE_AUTH is false: any client could connect as any charge point; set "
                     "OCPP_REQUIRE_AUTH=true and give each station a password (roamstream stations set-password)")
    if settings.kafka.sasl_password is not None:
        found += _secret_problems("KAFKA_SASL_PASSWORD", settings.kafka.sasl_password)
    if "worker" in services:
        if settings.lake.s3_secret_key is not None:
            found += _secret_problems("LAKE_S3_SECRET_KEY", settings.lake.s3_secret_key)
        for partner in settings.partners.emsps:
            found += _secret_problems(f"PARTNERS_EMSPS ({partner.key}) token", partner.token)
    return found


def check(settings: Settings, services: Iterable[Service]) -> None:
    """Raise ``InsecureSettings`` if ``services`` are exposed and would start with a problem."""
    services = list(services)
    reason = exposure(settings, services)
    if reason is None:
        return
    found = problems(settings, services)
    if found:
        raise InsecureSettings(reason, found)


def _secret_problems(name: str, secret: SecretStr, *, min_length: int = 1) -> list[str]:
    value = secret.get_secret_value().strip()
    if value.lower() in EXAMPLE_SECRETS:
        return [f"{name} is {value!r}, a default or example value: anyone can read it in the documentation"]
    if len(value) < min_length:
        return [f"{name} is shorter than {min_length} characters"]
    return []
