"""Realistic days of charging, planned up front from a seed: pure, so a demo run is reproducible.

Drivers arrive at local times people charge (morning commute, lunch, evening), with a battery partly full.
The charger delivers its power until the battery is about 80 % full (DC) or 90 % (AC), then tapers towards
full; once the driver's target is reached the car often stays plugged in, idle (no energy: parking time).
Each session is a :class:`~connectors.ocpp.simulator.plan.SessionPlan` with a meter reading every
``interval_min`` minutes, which the OCPP simulator sends as it would any other plan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from connectors.ocpp.simulator.plan import Reading, SessionPlan
from roamstream.demo.fleet import Site

#: local arrival hours drivers favour, and how often (morning, lunch, afternoon, evening, late)
ARRIVALS = ((7.5, 3), (9.0, 2), (12.5, 2), (15.0, 1), (17.5, 3), (19.5, 2), (22.0, 1))
GAP = timedelta(minutes=10)
AC_VOLTAGE, DC_VOLTAGE = Decimal("230.0"), Decimal("400.0")


@dataclass(frozen=True, slots=True)
class Day:
    plans: list[SessionPlan]
    #: the register after the day's last session (the next day continues from it)
    register_wh: int
    #: when the connector is free again
    free_at: datetime


def power_w(site: Site, soc: float) -> int:
    """What the charger delivers at this state of charge: full power, then tapering towards full."""
    knee = 80.0 if site.power_type == "DC" else 90.0
    if soc < knee:
        return site.power_w
    return max(int(site.power_w * 0.08), int(site.power_w * (100.0 - soc) / (100.0 - knee)))


def plan_day(
    charge_point_id: str,
    site: Site,
    day: date,
    sessions: int,
    id_tags: list[str],
    *,
    register_wh: int,
    free_at: datetime,
    seed: int = 0,
    interval_min: int = 5,
) -> Day:
    """``sessions`` sessions on the charge point's connector 1 on the local ``day``, none before ``free_at``."""
    rng = random.Random(f"{seed}/{charge_point_id}/{day.isoformat()}")
    zone = ZoneInfo(site.time_zone)
    hours = sorted(rng.choices([h for h, _ in ARRIVALS], weights=[w for _, w in ARRIVALS], k=sessions))
    plans: list[SessionPlan] = []
    for j, hour in enumerate(hours):
        local = datetime.combine(day, time(0), zone) + timedelta(minutes=int(hour * 60) + rng.randint(-50, 50))
        started = max(local.astimezone(free_at.tzinfo), free_at + GAP).replace(second=0, microsecond=0)
        plan = plan_session(charge_point_id, j, site, started, rng.choice(id_tags), register_wh, rng, interval_min)
        plans.append(plan)
        register_wh, free_at = plan.meter_stop_wh, plan.stopped_at
    return Day(plans, register_wh, free_at)


def plan_session(
    charge_point_id: str,
    index: int,
    site: Site,
    started: datetime,
    id_tag: str,
    register_wh: int,
    rng: random.Random,
    interval_min: int,
) -> SessionPlan:
    dc = site.power_type == "DC"
    capacity_wh = rng.randint(50, 82) * 1000
    soc = float(rng.randint(8, 55))
    target = float(rng.choice((80, 85, 90)) if dc else rng.choice((80, 90, 100, 100)))
    voltage = DC_VOLTAGE if dc else AC_VOLTAGE + Decimal(rng.randint(-40, 40)) / 10
    idle_min = 0 if rng.random() < 0.4 else rng.randint(5, 25 if dc else 150)
    delivered, readings = 0.0, []
    watts_by_minute = []
    while soc < target:  # charging: full power, then the taper
        watts = power_w(site, soc)
        watts_by_minute.append(watts)
        soc = min(100.0, soc + watts / 60.0 / capacity_wh * 100.0)
    watts_by_minute += [0] * idle_min  # plugged in, idle
    soc_now = soc - sum(watts_by_minute) / 60.0 / capacity_wh * 100.0
    for minute, watts in enumerate(watts_by_minute, start=1):
        delivered += watts / 60.0
        soc_now += watts / 60.0 / capacity_wh * 100.0
        if minute % interval_min == 0:
            current = Decimal(watts) / (voltage if dc else 3 * voltage)
            readings.append(Reading(
                at=started + timedelta(minutes=minute),
                register_wh=register_wh + int(delivered),
                power_w=watts,
                current_a=current.quantize(Decimal("0.01")),
                voltage_v=voltage,
                soc=min(100, int(soc_now)),
            ))
    minute = len(watts_by_minute)
    stopped = started + timedelta(minutes=minute)
    stop_wh = register_wh + int(delivered)
    return SessionPlan(
        charge_point_id=charge_point_id,
        index=index,
        connector_id=1,
        id_tag=id_tag,
        started_at=started,
        stopped_at=stopped,
        meter_start_wh=register_wh,
        meter_stop_wh=stop_wh,
        readings=tuple(r for r in readings if r.at < stopped),
    )
