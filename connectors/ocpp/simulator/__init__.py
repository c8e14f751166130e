"""A deterministic fleet of simulated charge points driving an OCPP endpoint with the ``ocpp`` client.

``simulate(url, charge_points=N, sessions=M, ...)`` runs M sessions on each of N stations, concurrently,
and returns what each session was. Station clocks start at ``start`` and advance in simulated minutes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from connectors.ocpp.simulator import v16, v201
from connectors.ocpp.simulator.client import connect
from connectors.ocpp.simulator.faults import Faults
from connectors.ocpp.simulator.plan import PlanOptions, charge_point_ids, plan_station
from connectors.ocpp.simulator.result import SimulatedSession

DEFAULT_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
SCRIPTS = {"1.6": v16, "2.0.1": v201}

__all__ = ["DEFAULT_START", "Faults", "SimulatedSession", "simulate"]


async def simulate(
    url: str,
    *,
    charge_points: int = 1,
    sessions: int = 1,
    version: str = "1.6",
    id_tags: Sequence[str] = ("TAG-0001",),
    start: datetime = DEFAULT_START,
    seed: int = 0,
    energy_wh: int | None = None,
    meter_interval_min: int = 5,
    power_w: int = 11_000,
    connectors: int = 1,
    faults: Faults | None = None,
    prefix: str = "SIM-",
    passwords: dict[str, str] | None = None,
    validate: bool = True,
    concurrency: int | None = None,
    clock_tail_min: int | None = None,
) -> list[SimulatedSession]:
    """Run ``sessions`` sessions on each of ``charge_points`` stations; results ordered by station, session.

    ``url`` is the endpoint base (``ws://host:port/ocpp``); ``/<station id>`` is appended.
    ``clock_tail_min``: end each station with clock-aligned meter values that many minutes after its
    last stop, so that the pipeline's event time passes the last session's settle window.
    """
    if version not in SCRIPTS:
        raise ValueError(f"version must be one of {sorted(SCRIPTS)}, got {version!r}")
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    faults = faults or Faults()
    opts = PlanOptions(
        sessions=sessions,
        id_tags=tuple(id_tags),
        seed=seed,
        energy_wh=energy_wh,
        meter_interval_min=meter_interval_min,
        power_w=power_w,
        connectors=connectors,
        rebase_meter=faults.rebase_meter,
    )
    gate = asyncio.Semaphore(concurrency or charge_points)

    async def station(index: int, cp_id: str) -> list[SimulatedSession]:
        plans = plan_station(cp_id, index, start, opts)
        script = SCRIPTS[version]
        async with gate:
            password = (passwords or {}).get(cp_id)
            async with connect(url, cp_id, version, password=password, validate=validate) as st:
                await script.boot(st, connectors, start)
                done = [await script.run_session(st, p, faults) for p in plans]
                if clock_tail_min is not None and plans and hasattr(script, "clock_tail"):
                    await script.clock_tail(st, plans[-1], clock_tail_min)
                return done

    ids = charge_point_ids(charge_points, prefix)
    results = await asyncio.gather(*(station(i, cp) for i, cp in enumerate(ids)))
    return [s for per_station in results for s in per_station]
