"""Which Kafka a command talks to, decided the same way by every command that connects to one.

``ROAMSTREAM_PROFILE`` and ``KAFKA_BOOTSTRAP_SERVERS`` together:

- ``kafka``: the cluster at ``KAFKA_BOOTSTRAP_SERVERS``, with the client timings of the settings;
- ``embedded`` with ``KAFKA_BOOTSTRAP_SERVERS`` set: a running embedded broker there (of ``roamstream up``, a
  test), with the embedded broker's timings and fixes;
- ``embedded`` without it: an embedded broker the command starts itself, if it is one that can (``up``,
  ``ocpp``, ``replay``); any other command refuses;
- ``KAFKA_BOOTSTRAP_SERVERS`` without an explicit ``ROAMSTREAM_PROFILE`` is refused: the default profile is
  the embedded one, whose timings and fixes a real cluster must not get.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from roamstream.config import Settings
from roamstream.exceptions import ConfigError


class ProfileError(ConfigError):
    """``ROAMSTREAM_PROFILE`` and ``KAFKA_BOOTSTRAP_SERVERS`` do not say which Kafka to use."""


@dataclass(frozen=True)
class KafkaTarget:
    #: the settings to use (with an attached embedded broker: its timings applied)
    settings: Settings
    #: the command must start an embedded broker first (``connected``)
    start_broker: bool


def kafka_target(settings: Settings, command: str, *, starts_broker: bool = False) -> KafkaTarget:
    """The Kafka ``roamstream <command>`` talks to; ``starts_broker``: the command can start an embedded one."""
    explicit_servers = "bootstrap_servers" in settings.kafka.model_fields_set
    if explicit_servers and "profile" not in settings.model_fields_set:
        raise ProfileError(
            f"KAFKA_BOOTSTRAP_SERVERS is set ({settings.kafka.bootstrap_servers}) but ROAMSTREAM_PROFILE is not: "
            "set ROAMSTREAM_PROFILE=kafka for a Kafka cluster, or ROAMSTREAM_PROFILE=embedded for a running "
            "embedded broker")
    if settings.profile == "kafka":
        return KafkaTarget(settings, start_broker=False)
    if explicit_servers:
        return KafkaTarget(settings.for_embedded(settings.kafka.bootstrap_servers), start_broker=False)
    if starts_broker:
        return KafkaTarget(settings, start_broker=True)
    raise ProfileError(
        f"ROAMSTREAM_PROFILE=embedded: `roamstream {command}` starts no broker; set KAFKA_BOOTSTRAP_SERVERS to a "
        "running embedded broker (e.g. of `roamstream up`), or set ROAMSTREAM_PROFILE=kafka")


@contextlib.asynccontextmanager
async def connected(target: KafkaTarget) -> AsyncIterator[Settings]:
    """The target's settings; when it says so, with an embedded broker started for them (stopped on exit)."""
    if not target.start_broker:
        yield target.settings
        return
    from roamstream.broker import EmbeddedBroker

    broker = EmbeddedBroker(target.settings.embedded).start()
    try:
        yield target.settings.for_embedded(broker.bootstrap_servers)
    finally:
        broker.stop()
