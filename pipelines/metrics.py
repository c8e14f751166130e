"""The worker's metrics (prometheus-client, the worker's own registry).

Counted as it happens: events folded, CDRs priced, push attempts by partner and outcome, dead letters by
stage. Computed on each scrape, on the event loop (``/metrics`` is served there: ``pipelines.ops_http``), from
what faust already holds, so nothing runs between scrapes:

- consumer lag per stage, topic and partition: the high watermark the consumer last fetched minus the
  group's committed offset (faust keeps it from the assignment on and after every commit; before a
  partition's first commit, from offset 0). The group commits one offset per partition, acknowledged by
  every stage reading it, so stages reading one topic (``lake`` and ``push`` read ``ocpi.cdrs.v1``) show the
  lag of the slowest;
- sessions open (started, not yet completed) in the session states this worker holds;
- deliveries pending per partner, and the age of the oldest (since it became pending, wall clock): the records
  of ``push_ledger`` that hold a pending state.

Table values are decoded again only when they changed since the last scrape.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import faust
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from pipelines.tables import Tables
from roamstream.metrics import ServiceMetrics
from roamstream.partners.delivery.pending import PENDING_MARK, Pending, split_entry
from roamstream.partners.exceptions import PendingStateError


class WorkerMetrics(ServiceMetrics):
    def __init__(self) -> None:
        super().__init__()
        r = self.registry
        self.events_folded = Counter("roamstream_events_folded", "OCPP events folded into session states",
                                     registry=r)
        self.cdrs_priced = Counter("roamstream_cdrs_priced", "CDRs priced and sent to ocpi.cdrs.v1 (kind: cdr, "
                                   "or credit for a correction)", ["kind"], registry=r)
        self.pushes = Counter("roamstream_pushes", "requests to partners, by outcome (delivered, transient, "
                              "not_found, already_exists, final)", ["partner", "kind", "outcome"], registry=r)

    def watch(self, app: faust.App, tables: Tables) -> None:
        """Compute the lag, open sessions and pending deliveries of ``app`` on each scrape."""
        self.registry.register(_WorkerState(app, tables))


class _Decoded:
    """A table's values decoded by ``read``, kept while the stored bytes stay the same object."""

    def __init__(self, read: Callable[[bytes], Any]) -> None:
        self._read = read
        self._known: dict[bytes, tuple[bytes, Any]] = {}

    def values(self, table: faust.Table) -> Iterator[Any]:
        known, seen = self._known, {}
        for key, raw in list(table.data.items()):
            hit = known.get(key)
            value = hit[1] if hit is not None and hit[0] is raw else self._read(raw)
            seen[key] = (raw, value)
            if value is not None:
                yield value
        self._known = seen


def _open_sessions(raw: bytes) -> int:
    return len(json.loads(raw).get("open") or ())


def _pending(raw: bytes) -> Pending | None:
    """The pending state of a ``push_ledger`` record (None: acknowledged only)."""
    if not raw.startswith(PENDING_MARK):
        return None
    try:
        return split_entry(raw)[0]
    except PendingStateError:
        return None  # logged and skipped by the push stage


class _WorkerState(Collector):
    def __init__(self, app: faust.App, tables: Tables) -> None:
        self._app = app
        self._tables = tables
        self._sessions = _Decoded(_open_sessions)
        self._pending = _Decoded(_pending)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield self._lag()
        sessions = GaugeMetricFamily("roamstream_sessions_open", "sessions started and not yet completed, in the "
                                     "session states of this worker's partitions")
        sessions.add_metric([], sum(self._sessions.values(self._tables.session_state)))
        yield sessions
        yield from self._deliveries()

    def _lag(self) -> GaugeMetricFamily:
        lag = GaugeMetricFamily("roamstream_consumer_lag", "records not yet processed (high watermark minus "
                                "committed offset)", labels=["stage", "topic", "partition"])
        stages = stages_by_topic(self._app)
        consumer = self._app._consumer  # None until the worker starts
        if consumer is None:
            return lag
        for tp in sorted(consumer.assignment()):
            if tp.topic not in stages:
                continue  # a changelog being recovered
            try:
                highwater = consumer.highwater(tp)
            except AssertionError:  # aiokafka's answer for a partition revoked meanwhile
                continue
            if highwater is None:
                continue  # nothing fetched yet
            committed = consumer._committed_offset.get(tp) or 0
            for stage in stages[tp.topic]:
                lag.add_metric([stage, tp.topic, str(tp.partition)], max(highwater - committed, 0))
        return lag

    def _deliveries(self) -> Iterator[GaugeMetricFamily]:
        count = GaugeMetricFamily("roamstream_pending_deliveries", "Sessions and CDRs waiting to reach a partner",
                                  labels=["partner"])
        oldest = GaugeMetricFamily("roamstream_pending_oldest_age_seconds",
                                   "how long the oldest pending delivery of a partner has waited", labels=["partner"])
        by_partner: dict[str, list[float]] = {}
        for item in self._pending.values(self._tables.push_ledger):
            by_partner.setdefault(item.partner, []).append(item.since)
        now = time.time()
        for partner, since in sorted(by_partner.items()):
            count.add_metric([partner], len(since))
            oldest.add_metric([partner], max(now - min(since), 0.0))
        yield count
        yield oldest


def stages_by_topic(app: faust.App) -> dict[str, list[str]]:
    """Full topic name -> the stages whose agents read it (an agent ``push-cdrs`` is of stage ``push``)."""
    stages: dict[str, list[str]] = {}
    for agent in app.agents.values():
        stage = agent.name.rsplit(".", 1)[-1].split("-", 1)[0]
        for topic in agent.channel.topics:
            found = stages.setdefault(topic, [])
            if stage not in found:
                found.append(stage)
    return stages
