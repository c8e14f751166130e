"""Clock ticks for quiet charge points.

A stopped session completes when its charge point's own event time passes the stop by the settle time (or
the parking wait); the fold never looks at other charge points or at the worker's clock (DESIGN.md,
Determinism). A charge point that goes quiet after a stop (unplugged and idle, or offline) would keep its
last session open, so the connector, the point of ingestion, puts a ``TICK`` station event into the charge
point's own stream whenever nothing was published for it for ``OCPP_TICK_INTERVAL_S``, until
``OCPP_TICK_FOR_H`` after its last own event. The fold reads a tick's receive time as station time through
the charge point's last known clock skew (``roamstream.sessions.station``). Ticks are records like any
other: a replay reads the same ticks at the same offsets, so the outcome stays a function of the recorded
stream, never of when or where it is processed.

Kept in memory: after the OCPP endpoint restarts, a charge point gets ticks again once it sent an event.
"""

from __future__ import annotations

import asyncio
import logging
import time

from connectors.ocpp.exceptions import PublishFailed
from connectors.ocpp.model import StationEvent, StationKind
from connectors.ocpp.publisher import Publisher

log = logging.getLogger(__name__)


class Ticker:
    """Publishes the ticks of ``publisher``'s quiet charge points, looking every ``min(interval_s, 5 s)``."""

    def __init__(self, publisher: Publisher, interval_s: float, keep_s: float) -> None:
        self._publisher = publisher
        self._interval_s = interval_s
        self._keep_s = keep_s
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        if self._interval_s > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name="ocpp-ticks")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def due(self, now: float) -> list[str]:
        """The charge points to tick at ``now`` (monotonic); forgets those quiet for longer than keep_s."""
        own, last = self._publisher.last_own, self._publisher.last_event
        for cp in [cp for cp, at in own.items() if now - at >= self._keep_s]:
            del own[cp]
            last.pop(cp, None)
        return sorted(cp for cp in own if now - last.get(cp, own[cp]) >= self._interval_s)

    async def tick_once(self, now: float | None = None) -> list[str]:
        """Send the ticks due at ``now`` (monotonic); the charge points ticked."""
        ticked = []
        for cp in self.due(time.monotonic() if now is None else now):
            at = self._publisher.clock()
            try:
                await self._publisher.station(StationEvent(cp, StationKind.TICK, at, at))
            except PublishFailed as exc:
                log.warning("%s: tick not published: %s", cp, exc)
                continue
            ticked.append(cp)
        return ticked

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(min(self._interval_s, 5.0))
            await self.tick_once()
