"""Drive the demo's charge points through their planned sessions over the real OCPP endpoint (OCPP 1.6J, with
the ``ocpp`` package's client), every station concurrently, each with its own clock.

A session runs as the simulator's OCPP 1.6 script runs one, plus what real chargers say when the car stops
drawing power while it stays plugged in: ``StatusNotification`` ``SuspendedEV`` (the idle time that follows
is parking time in the CDR).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from ocpp.v16 import call

from connectors.ocpp.simulator import v16
from connectors.ocpp.simulator.client import Station, connect
from connectors.ocpp.simulator.plan import SessionPlan
from connectors.ocpp.simulator.result import SimulatedSession
from connectors.ocpp.timestamps import format_timestamp as ts

#: clock-aligned meter values this long after a station's last stop, so that its last session settles
TAIL_MIN = 15
#: how far in event time a station may run ahead of the slowest one
SLACK = timedelta(hours=1)


class Lockstep:
    """Keep the stations' clocks together, as real time keeps real ones together.

    The pipeline's sessions stage moves on a partition clock: the latest event time of any charge point on
    the partition. A simulated station days ahead of another on the same partition would make that one's
    open session look silent for a day (and close it as estimated). So each station waits before an event
    until every other station has got within ``SLACK`` of it; the station furthest behind never waits.
    """

    def __init__(self, first_times: dict[str, datetime]) -> None:
        self._at = dict(first_times)
        self._changed = asyncio.Condition()

    async def reach(self, station: str, moment: datetime) -> None:
        async with self._changed:
            self._at[station] = moment
            self._changed.notify_all()
            await self._changed.wait_for(lambda: min(self._at.values()) >= moment - SLACK)

    async def done(self, station: str) -> None:
        async with self._changed:
            self._at[station] = datetime.max.replace(tzinfo=UTC)
            self._changed.notify_all()


async def run_session(station: Station, s: SessionPlan, clock: Lockstep) -> SimulatedSession:
    await clock.reach(s.charge_point_id, s.started_at)
    await station.call(call.Authorize(id_tag=s.id_tag))
    started = await station.call(call.StartTransaction(s.connector_id, s.id_tag, s.meter_start_wh, ts(s.started_at)))
    tx = started.transaction_id
    await station.call(call.StatusNotification(s.connector_id, "NoError", "Charging", timestamp=ts(s.started_at)))
    suspended = False
    for reading in s.readings:
        await clock.reach(s.charge_point_id, reading.at)
        if reading.power_w == 0 and not suspended:
            suspended = True
            await station.call(
                call.StatusNotification(s.connector_id, "NoError", "SuspendedEV", timestamp=ts(reading.at))
            )
        values = [{"timestamp": ts(reading.at), "sampled_value": v16.sampled_values(reading)}]
        await station.call(call.MeterValues(s.connector_id, values, tx))
    await clock.reach(s.charge_point_id, s.stopped_at)
    await station.call(
        call.StopTransaction(
            s.meter_stop_wh, ts(s.stopped_at), tx, reason="EVDisconnected", id_tag=s.id_tag,
            transaction_data=[
                v16.register(s.started_at, s.meter_start_wh, "Transaction.Begin"),
                v16.register(s.stopped_at, s.meter_stop_wh, "Transaction.End"),
            ],
        )
    )
    await station.call(call.StatusNotification(s.connector_id, "NoError", "Available", timestamp=ts(s.stopped_at)))
    return SimulatedSession.of(s, str(tx), "1.6")


async def drive(url: str, plans: dict[str, list[SessionPlan]]) -> list[SimulatedSession]:
    """Run each charge point's plans in order, every station connected at once and kept in step with the
    others (:class:`Lockstep`); returns what each session was, by station then session."""
    busy = {cp: own for cp, own in plans.items() if own}
    clock = Lockstep({cp: own[0].started_at for cp, own in busy.items()})

    async def station(charge_point_id: str, own: list[SessionPlan]) -> list[SimulatedSession]:
        try:
            async with connect(url, charge_point_id, "1.6") as st:
                await v16.boot(st, 1, own[0].started_at)
                done = [await run_session(st, plan, clock) for plan in own]
                await v16.clock_tail(st, own[-1], TAIL_MIN)
                return done
        finally:
            await clock.done(charge_point_id)

    results = await asyncio.gather(*(station(cp, own) for cp, own in busy.items()))
    return [session for per_station in results for session in per_station]
