"""The simulated stations' sessions, planned up front from a seed: pure, so a run is reproducible.

Each station has its own clock starting at ``start``; a session lasts as long as its energy takes at the
station's power, with a meter reading every ``meter_interval_min`` simulated minutes, and the next one
starts ``gap_min`` later. No real time passes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

PHASES = ("L1", "L2", "L3")


@dataclass(frozen=True, slots=True)
class Reading:
    at: datetime
    register_wh: int
    power_w: int
    current_a: Decimal
    voltage_v: Decimal
    soc: int


@dataclass(frozen=True, slots=True)
class SessionPlan:
    charge_point_id: str
    index: int
    connector_id: int
    id_tag: str
    started_at: datetime
    stopped_at: datetime
    meter_start_wh: int
    meter_stop_wh: int
    readings: tuple[Reading, ...]


@dataclass(frozen=True, slots=True)
class PlanOptions:
    sessions: int = 1
    id_tags: tuple[str, ...] = ("TAG-0001",)
    seed: int = 0
    #: energy of every session; None: drawn from the seed between 2 and 40 kWh
    energy_wh: int | None = None
    meter_interval_min: int = 5
    power_w: int = 11_000
    connectors: int = 1
    gap_min: int = 30
    #: the register restarts at 0 for every transaction (a fault some chargers show)
    rebase_meter: bool = False


def charge_point_ids(count: int, prefix: str = "SIM-") -> list[str]:
    return [f"{prefix}{i + 1:04d}" for i in range(count)]


def plan_station(charge_point_id: str, station_index: int, start: datetime, opts: PlanOptions) -> list[SessionPlan]:
    clock = start
    register = 0 if opts.rebase_meter else 1_000 * (station_index + 1)
    plans = []
    for j in range(opts.sessions):
        rng = random.Random(f"{opts.seed}/{charge_point_id}/{j}")
        energy = opts.energy_wh if opts.energy_wh is not None else rng.randint(2_000, 40_000)
        minutes = max(opts.meter_interval_min, math.ceil(energy * 60 / opts.power_w))
        meter_start = 0 if opts.rebase_meter else register
        stopped = clock + timedelta(minutes=minutes)
        voltage = Decimal(rng.randint(2250, 2350)) / 10
        current = (Decimal(opts.power_w) / (3 * voltage)).quantize(Decimal("0.01"))
        soc0 = rng.randint(10, 50)
        readings = []
        for k in range(1, minutes // opts.meter_interval_min + 1):
            elapsed = k * opts.meter_interval_min
            if elapsed >= minutes:
                break
            readings.append(
                Reading(
                    at=clock + timedelta(minutes=elapsed),
                    register_wh=meter_start + energy * elapsed // minutes,
                    power_w=opts.power_w,
                    current_a=current,
                    voltage_v=voltage,
                    soc=min(100, soc0 + elapsed // 2),
                )
            )
        plans.append(
            SessionPlan(
                charge_point_id=charge_point_id,
                index=j,
                connector_id=1 + j % opts.connectors,
                id_tag=opts.id_tags[(station_index * opts.sessions + j) % len(opts.id_tags)],
                started_at=clock,
                stopped_at=stopped,
                meter_start_wh=meter_start,
                meter_stop_wh=meter_start + energy,
                readings=tuple(readings),
            )
        )
        register = meter_start + energy
        clock = stopped + timedelta(minutes=opts.gap_min)
    return plans
