"""Consumed records for the sessions stage: several charge points of one partition, interleaved in time."""

from __future__ import annotations

from typing import Any

from pipelines.session_batches import Item
from tests.sessions.fixtures import sample, status, tx_event


def charge_point_events(cp: str, offset: float, sessions: int = 2, every: float = 5) -> list[dict[str, Any]]:
    """``sessions`` 1.6 sessions of ``cp`` (35 minutes each, meter values every ``every`` minutes, a status
    Available after each stop) starting at minute ``offset``; one event per record."""
    events: list[dict[str, Any]] = []
    for n in range(sessions):
        start = offset + n * 60
        tx = f"{n + 1}"
        events.append(tx_event("STARTED", start, tx=tx, cp=cp, meter=str(10_000 * n), id_tag="TAG1"))
        m = start + every
        while m < start + 35:
            value = 10_000 * n + int((m - start) * 150)
            events.append(tx_event("UPDATED", m, tx=tx, cp=cp, samples=[sample(m, str(value))]))
            m += every
        events.append(tx_event("ENDED", start + 35, tx=tx, cp=cp, meter=str(10_000 * n + 35 * 150),
                               stop_reason="Local"))
        events.append(status(start + 35.5, "Available", cp=cp))
    return events


def interleaved(cps: dict[str, float], sessions: int = 2) -> list[dict[str, Any]]:
    """The events of several charge points ordered by station time (stable), as one partition has them."""
    events = [e for cp, offset in cps.items() for e in charge_point_events(cp, offset, sessions)]
    return sorted(events, key=lambda e: e["timestamp"])


def items(events: list[dict[str, Any]], partition: int = 0) -> list[Item]:
    return [Item(e["charge_point_id"].encode(), partition, e) for e in events]
