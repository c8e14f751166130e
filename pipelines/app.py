"""The faust app, configured from settings before anything is declared on it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import faust
from aiokafka.helpers import create_ssl_context
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from pipelines import compat
from roamstream.config import Settings


def broker_credentials(settings: Settings) -> faust.types.auth.CredentialsT | None:
    """faust's broker credentials from the ``KAFKA_SECURITY_PROTOCOL``/``KAFKA_SASL_*``/``KAFKA_SSL_CAFILE``
    settings (confluent-kafka clients take the same ones: ``roamstream.kafka.security_config``)."""
    kafka = settings.kafka
    context = create_ssl_context(cafile=str(kafka.ssl_cafile) if kafka.ssl_cafile else None) if kafka.uses_ssl \
        else None
    if kafka.uses_sasl:
        password = kafka.sasl_password.get_secret_value() if kafka.sasl_password else None
        return faust.SASLCredentials(username=kafka.sasl_username, password=password, ssl_context=context,
                                     mechanism=kafka.sasl_mechanism)
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def aiokafka_auth(settings: Settings) -> Mapping[str, Any]:
    """aiokafka's security arguments for ``settings`` (for consumers opened beside faust's, e.g.
    ``compat.true_end_offsets``)."""
    return credentials_to_aiokafka_auth(broker_credentials(settings))


def create_app(settings: Settings, *, web: bool = False) -> faust.App:
    """The app; first the faust fixes for the profile are checked and installed (``pipelines.compat``:
    ``CompatError`` if the installed faust/mode/aiokafka are not what they were written for). The embedded
    broker's fixes act for it once ``compat.verify_broker`` has found the broker to be the embedded one."""
    compat.install(settings)
    settings.pipeline.datadir.mkdir(parents=True, exist_ok=True)  # faust makes only its own directory in it
    brokers = ";".join(f"kafka://{s.strip()}" for s in settings.kafka.bootstrap_servers.split(","))
    app = faust.App(
        settings.pipeline.app_id,
        broker=brokers,
        store=settings.pipeline.store,
        # faust formats the path with its settings ("{conf.id}"); braces in ours are literal
        datadir=str(settings.pipeline.datadir / settings.pipeline.app_id).replace("{", "{{").replace("}", "}}"),
        autodiscover=False,
        web_enabled=web,
        web_port=settings.pipeline.web_port,
        broker_session_timeout=settings.kafka.session_timeout_s,
        broker_heartbeat_interval=settings.kafka.heartbeat_interval_s,
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        producer_linger_ms=max(settings.kafka.linger_ms, 1),
        producer_acks=-1,
        producer_max_batch_size=settings.kafka.producer_batch_bytes,
        topic_allow_declare=False,  # every topic comes from the catalog, created at start-up
        topic_disable_leader=True,
        topic_partitions=4,
        table_standby_replicas=0,
        stream_buffer_maxsize=settings.pipeline.stream_buffer_maxsize,
        # on stop, do not wait for buffered events: unprocessed ones are not committed and come again
        stream_wait_empty=False,
        broker_credentials=broker_credentials(settings),
    )
    return app
