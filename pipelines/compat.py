"""Narrow fixes for the embedded tansu broker's deviations (DESIGN.md). Used only with the embedded profile.

- Fetch wait: faust hard-codes ``fetch_max_wait_ms=1500`` for its worker consumer; tansu holds every empty
  fetch that long, so each hop costs ~400 ms. We set the configured wait on the consumer before it starts.
"""

from __future__ import annotations

from faust.transport.drivers import aiokafka as faust_aiokafka

_original_create_worker_consumer = faust_aiokafka.AIOKafkaConsumerThread._create_worker_consumer
_fetch_wait_ms: int | None = None


def _create_worker_consumer(self, transport):  # noqa: ANN001 - faust's own signature
    consumer = _original_create_worker_consumer(self, transport)
    if _fetch_wait_ms is not None:
        consumer._fetch_max_wait_ms = _fetch_wait_ms  # read by aiokafka when the consumer starts its fetcher
    return consumer


def apply_embedded_fixes(fetch_wait_ms: int) -> None:
    """Install the fixes (idempotent)."""
    global _fetch_wait_ms
    _fetch_wait_ms = fetch_wait_ms
    faust_aiokafka.AIOKafkaConsumerThread._create_worker_consumer = _create_worker_consumer
