"""``roamstream demo``: the main job on the embedded stack, end to end, with something to find in the lake.

Start the embedded broker, the worker, the ingest API, the OCPP endpoint and three demo eMSPs (one flaky);
seed the fleet (three sites in three time zones, three tariffs, the eMSPs' tokens) through the API; register at the
eMSPs by the OCPI credentials handshake (the delivery lanes take them from the partner registry); drive the
charge points through days of planned sessions (arrivals at local rush hours, tapering charge, idle while
plugged in) over OCPP; wait until every CDR is landed and acknowledged and every eMSP holds every Tariff and
Location with each EVSE's last status (PUT and PATCHed to them); send each eMSP's settlement statement
(with two planted discrepancies) through the API; let one eMSP pull its CDRs by GET with pagination and check
that they are exactly the ones pushed to it; print the settlement.

The data part (``fleet``, ``curves``, ``drive``, ``statements``) is apart from the partner set-up
(``partners``). ``seed_reference`` seeds the single-site reference data the end-to-end tests use.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from analytics import open_lake
from connectors.ocpp.simulator.plan import SessionPlan, charge_point_ids
from roamstream.config import Settings
from roamstream.demo import curves, fleet, reference, seed
from roamstream.demo.drive import TAIL_MIN, drive
from roamstream.demo.emsp import EmspStore, pull_all
from roamstream.demo.partners import demo_partners
from roamstream.demo.statements import statements as partner_statements
from roamstream.exceptions import RoamstreamError
from roamstream.lake import TABLES
from roamstream.stack import embedded_settings, running_stack

CP_PREFIX = "DEMO-CP-"
#: minutes between two meter readings of a simulated session
INTERVAL_MIN = 10


class DemoError(RoamstreamError):
    pass


@dataclass
class DemoResult:
    lake: Path
    sessions: int
    cdrs: int
    acknowledged: int
    emsps: dict[str, EmspStore]
    #: the eMSP that pulled its CDRs, and the CDR ids it pulled
    puller: str = ""
    pulled: tuple[str, ...] = ()


#: the file the demo leaves in a lake it created: only such a lake may be cleared by ``--fresh``
DEMO_MARKER = ".roamstream-demo"


def prepare_lake(lake: Path, *, fresh: bool) -> None:
    """Make ``lake`` ready for a demo run without ever deleting what the demo did not create.

    An absent or empty directory is taken (and marked as the demo's). A non-empty one is refused, unless
    ``fresh`` and it carries the demo's marker: then the table folders of the demo's earlier run are removed.
    """
    if lake.exists() and not lake.is_dir():
        raise DemoError(f"{lake} is not a directory")
    if lake.is_dir() and any(lake.iterdir()):
        if not fresh:
            raise DemoError(f"{lake} is not empty: pass --fresh to replace an earlier demo's lake, "
                            "or choose another --lake")
        if not (lake / DEMO_MARKER).is_file():
            raise DemoError(f"{lake} was not created by the demo (no {DEMO_MARKER} in it): "
                            "the demo does not delete it; choose another --lake")
        for name in TABLES:
            shutil.rmtree(lake / name, ignore_errors=True)
    lake.mkdir(parents=True, exist_ok=True)
    (lake / DEMO_MARKER).write_text("created by roamstream demo; `roamstream demo --fresh` may replace it\n")


async def seed_reference(api_url: str, token: str, charge_points: list[str], tokens_per_partner: int) -> None:
    cc, pid = seed.CPO
    headers = {"Authorization": f"Token {token}"}
    async with httpx.AsyncClient(base_url=f"{api_url}/ocpi/2.2.1", headers=headers, timeout=10) as client:
        puts = [
            (f"/tariffs/{cc}/{pid}/{seed.TARIFF_ID}", seed.tariff()),
            (f"/locations/{cc}/{pid}/{seed.LOCATION_ID}", seed.location(charge_points)),
        ]
        puts += [
            (f"/tokens/{t['country_code']}/{t['party_id']}/{t['uid']}?type=RFID", t)
            for t in seed.tokens(tokens_per_partner)
        ]
        for path, body in puts:
            response = await client.put(path, json=body)
            if response.status_code != 200 or response.json().get("status_code") != 1000:
                raise DemoError(f"seeding {path} failed: {response.status_code} {response.text}")


def plan_fleet(
    charge_points: list[str], first_day: date, days: int, sessions: int, id_tags: list[str], seed: int = 0
) -> dict[str, list[SessionPlan]]:
    """Every charge point's sessions over ``days`` local days from ``first_day``, one after another; a session
    that would end after the last day (UTC) is left out, so every event time is in the past."""
    end = datetime.combine(first_day + timedelta(days=days), datetime.min.time(), UTC)
    plans: dict[str, list[SessionPlan]] = {}
    for index, cp in enumerate(charge_points):
        site = fleet.site_of(index)
        register, free_at = 1_000 * (index + 1), datetime.combine(first_day, datetime.min.time(), UTC)
        own: list[SessionPlan] = []
        for offset in range(days):
            day = curves.plan_day(cp, site, first_day + timedelta(days=offset), sessions, id_tags,
                                  register_wh=register, free_at=free_at, seed=seed, interval_min=INTERVAL_MIN)
            kept = [plan for plan in day.plans if plan.stopped_at + timedelta(minutes=TAIL_MIN) < end]
            own += [replace(plan, index=len(own) + n) for n, plan in enumerate(kept)]
            register, free_at = day.register_wh, day.free_at
        plans[cp] = own
    return plans


async def seed_fleet(api_url: str, token: str, charge_points: list[str], updated: str) -> None:
    """PUT the fleet's tariffs, locations and the partners' tokens through the ingest API."""
    cc, pid = fleet.CPO
    puts = [(f"/tariffs/{cc}/{pid}/{t['id']}", t) for t in fleet.tariffs(updated)]
    puts += [(f"/locations/{cc}/{pid}/{loc['id']}", loc) for loc in fleet.locations(charge_points, updated)]
    puts += [
        (f"/tokens/{t['country_code']}/{t['party_id']}/{t['uid']}?type={t['type']}", t) for t in fleet.tokens(updated)
    ]
    await _send(api_url, token, [("PUT", path, body) for path, body in puts])


async def _send(api_url: str, token: str, requests: list[tuple[str, str, dict]]) -> None:
    headers = {"Authorization": f"Token {token}"}
    async with httpx.AsyncClient(base_url=f"{api_url}/ocpi/2.2.1", headers=headers, timeout=10) as client:
        for method, path, body in requests:
            response = await client.request(method, path, json=body)
            if response.status_code != 200 or response.json().get("status_code") != 1000:
                raise DemoError(f"{method} {path} failed: {response.status_code} {response.text}")


def lake_count(lake: Path, query: str) -> int:
    con = open_lake(str(lake), must_exist=False)
    try:
        return con.execute(query).fetchone()[0]
    finally:
        con.close()


async def wait_for(progress: Progress, lake: Path, tasks: list[tuple[str, str, int]], deadline: float) -> list[int]:
    """Poll the lake until each ``(description, count query, expected)`` is reached, or the deadline."""
    ids = [progress.add_task(description, total=expected) for description, _, expected in tasks]
    counts = [0] * len(tasks)
    while any(c < e for c, (_, _, e) in zip(counts, tasks, strict=True)) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        counts = [await asyncio.to_thread(lake_count, lake, query) for _, query, _ in tasks]
        for task, count in zip(ids, counts, strict=True):
            progress.update(task, completed=count)
    return counts


async def run_demo(
    settings: Settings,
    lake: Path,
    *,
    charge_points: int = 6,
    sessions: int = 3,
    days: int = 1,
    until: date | None = None,
    timeout_s: float = 180.0,
    console: Console | None = None,
    fresh: bool = False,
) -> DemoResult:
    """``days`` days of history before ``until`` (default: today, UTC) through the real pipeline: event times
    in the past, as recorded traffic replayed."""
    console = console or Console()
    prepare_lake(lake, fresh=fresh)
    until = until or datetime.now(UTC).date()
    first_day = until - timedelta(days=days)
    updated = f"{first_day - timedelta(days=1)}T00:00:00Z"
    cps = charge_point_ids(charge_points, CP_PREFIX)
    id_tags = [t["uid"] for t in fleet.tokens(updated)]
    plans = plan_fleet(cps, first_day, days, sessions, id_tags)
    settings = settings.model_copy(
        update={
            "lake": settings.lake.model_copy(update={"uri": str(lake), "flush_interval_s": 0.5}),
            "api": settings.api.model_copy(update={"port": 0}),
            "ocpp": settings.ocpp.model_copy(update={"port": 0}),
        }
    )
    async with demo_partners(settings, fleet.PARTNERS, fleet.FLAKY_PARTNER) as (settings, partners):
        stores = partners.stores
        async with embedded_settings(settings) as settings, running_stack(settings) as stack:
            console.print(
                f"[bold]roamstream demo[/]  API {stack.api_url}  OCPP {stack.ocpp_url}  lake {lake}"
            )
            api_token = settings.api.tokens[0].get_secret_value()
            await partners.register(stack.api_url, api_token)
            console.print(f"registered at {', '.join(stores)} by the OCPI credentials handshake")
            await seed_fleet(stack.api_url, api_token, cps, updated)
            total = sum(len(own) for own in plans.values())
            console.print(f"{len(cps)} charge points at {min(len(cps), len(fleet.SITES))} sites, {total} sessions "
                          f"from {first_day} to {until - timedelta(days=1)} (local days)")
            simulated = await drive(stack.ocpp_url, plans)
            expected = len(simulated)
            deadline = time.monotonic() + timeout_s
            with _progress(console) as progress:
                landed, acked = await wait_for(progress, lake, [
                    ("CDRs landed in the lake", "select count(*) from cdrs", expected),
                    ("CDRs acknowledged (OCPI 1000)",
                     "select count(distinct object_id) from push_results where module = 'cdrs' and ok", expected),
                ], deadline)
                if landed < expected or acked < expected:
                    raise DemoError(
                        f"timed out: {landed}/{expected} CDRs landed, {acked}/{expected} acknowledged"
                    )
                await wait_for_reference(stores, len(fleet.tariffs(updated)), len(fleet.locations(cps, updated)),
                                         reference.expected_statuses(plans), deadline)
                bodies = partner_statements(stores, (first_day, until - timedelta(days=1)))
                await _send(stack.api_url, api_token, [("POST", "/statements", body) for body in bodies])
                lines = sum(len(body["lines"]) for body in bodies)
                [landed_lines] = await wait_for(progress, lake, [
                    ("Partner statement lines landed", "select count(*) from partner_statements", lines),
                ], deadline)
                if landed_lines < lines:
                    raise DemoError(f"timed out: {landed_lines}/{lines} statement lines landed")
            console.print(f"Tariffs, Locations and EVSE status delivered: {reference.summary(stores)}")
            puller = next(iter(stores))
            pulled = await check_pull(stores[puller], puller)
            console.print(f"{puller} pulled its {len(pulled)} CDRs by GET with pagination: exactly the ones pushed")
    return DemoResult(lake, expected, landed, acked, stores, puller, pulled)


async def wait_for_reference(stores: dict[str, EmspStore], tariffs: int, locations: int,
                             statuses: dict[str, tuple[str, str]], deadline: float) -> None:
    """Every eMSP holds every Tariff and Location, each EVSE with its charge point's last status."""
    while not all(reference.holds_all(s, tariffs, locations, statuses) for s in stores.values()):
        if time.monotonic() > deadline:
            raise DemoError(f"timed out waiting for Tariffs, Locations and EVSE status: {reference.summary(stores)}")
        await asyncio.sleep(0.2)


async def check_pull(store: EmspStore, key: str) -> tuple[str, ...]:
    """The eMSP pulls its CDRs by GET with pagination; they must be exactly the ones pushed to it."""
    pulled = tuple(cdr["id"] for cdr in await pull_all(store, "cdrs"))
    if sorted(pulled) != sorted(store.cdrs) or len(set(pulled)) != len(pulled):
        raise DemoError(f"{key} pulled {sorted(pulled)} but was pushed {sorted(store.cdrs)}")
    return pulled


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
