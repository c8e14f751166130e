"""The faust app, configured from settings before anything is declared on it."""

from __future__ import annotations

import faust

from pipelines import compat
from roamstream.config import Settings


def create_app(settings: Settings, *, web: bool = False) -> faust.App:
    if settings.profile == "embedded":
        compat.apply_embedded_fixes(settings.kafka.fetch_max_wait_ms)
    else:  # faust's own recovery/seek race is not the broker's: tested on the embedded broker only
        compat.apply_faust_fixes()
    brokers = ";".join(f"kafka://{s.strip()}" for s in settings.kafka.bootstrap_servers.split(","))
    return faust.App(
        settings.pipeline.app_id,
        broker=brokers,
        store=settings.pipeline.store,
        autodiscover=False,
        web_enabled=web,
        web_port=settings.pipeline.web_port,
        broker_session_timeout=settings.kafka.session_timeout_s,
        broker_heartbeat_interval=settings.kafka.heartbeat_interval_s,
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        producer_linger_ms=max(settings.kafka.linger_ms, 1),
        producer_acks=-1,
        topic_allow_declare=False,  # every topic comes from the catalog, created at start-up
        topic_disable_leader=True,
        topic_partitions=4,
        table_standby_replicas=0,
        stream_buffer_maxsize=settings.pipeline.stream_buffer_maxsize,
        # on stop, do not wait for buffered events: unprocessed ones are not committed and come again
        stream_wait_empty=False,
    )
