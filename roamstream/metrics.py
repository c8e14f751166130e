"""Prometheus metrics (prometheus-client): one registry per service (ingest API, OCPP endpoint, worker), served
on that service's ``/metrics``; no process-wide registry, so that services sharing a process (``up``, the
demo, tests) keep their own counts.

Every service exports its readiness (``roamstream_ready``, the answer ``/ready`` gives) and the dead letters
it wrote, by stage; the service modules add their own families (``ingest_api.metrics``,
``connectors.ocpp.metrics``, ``pipelines.metrics``). README, "Operating it", lists them all.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest

CONTENT_TYPE = CONTENT_TYPE_LATEST


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.ready = Gauge("roamstream_ready", "1 when the service is ready (as its /ready answers), else 0",
                           registry=r)
        self.dead_letters = Counter("roamstream_dead_letters", "records this service wrote to deadletter.v1",
                                    ["stage"], registry=r)
        self.dead_letters_lost = Counter(
            "roamstream_dead_letters_lost", "dead letters the broker did not take (logged instead)", ["stage"],
            registry=r)

    def render(self) -> bytes:
        """The registry in the Prometheus text format (collectors computed on scrape run here, in the caller's
        thread: call it on the event loop that owns the state they read)."""
        return generate_latest(self.registry)
