"""``roamstream demo``: the main job on the embedded stack, end to end.

Start the embedded broker, the worker, the ingest API, the OCPP endpoint and two demo eMSPs; register at both
eMSPs by the OCPI credentials handshake; seed a tariff, a location and both eMSPs' tokens through the API;
drive charge points through sessions with the OCPP simulator; wait until every CDR is landed in the lake and
acknowledged by its eMSP; let one eMSP pull its CDRs by GET with pagination and check that they are exactly
the ones pushed to it; print the settlement.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from analytics import open_lake
from connectors.ocpp.simulator import simulate
from connectors.ocpp.simulator.plan import charge_point_ids
from roamstream.asgi import ServedApp
from roamstream.config import Settings
from roamstream.demo import seed
from roamstream.demo.emsp import EmspStore, create_emsp_app, pull_all
from roamstream.exceptions import RoamstreamError
from roamstream.lake import TABLES
from roamstream.stack import embedded_settings, running_stack

CP_PREFIX = "DEMO-CP-"


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


def clear_lake(lake: Path) -> None:
    """Remove the demo's earlier output (only the lake's own table folders)."""
    for name in TABLES:
        shutil.rmtree(lake / name, ignore_errors=True)


def lake_progress(lake: Path) -> tuple[int, int]:
    """(CDRs landed, CDRs acknowledged with OCPI 1000) as the lake shows them."""
    con = open_lake(str(lake))
    try:
        landed = con.execute("select count(*) from cdrs").fetchone()[0]
        acked = con.execute(
            "select count(distinct object_id) from push_results where module = 'cdrs' and ok"
        ).fetchone()[0]
        return landed, acked
    finally:
        con.close()


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


async def register_partners(api_url: str, token: str, partners: dict[str, tuple[str, str]]) -> None:
    """Register at each eMSP (``key -> (versions URL, its token A)``) by the credentials handshake, as
    ``roamstream partners register`` does."""
    async with httpx.AsyncClient(timeout=30, headers={"Authorization": f"Token {token}"}) as client:
        for key, (versions_url, token_a) in partners.items():
            response = await client.post(f"{api_url}/admin/partners/registrations",
                                         json={"versions_url": versions_url, "token": token_a})
            if response.status_code != 200 or response.json().get("status_code") != 1000:
                raise DemoError(f"registering at {key} failed: {response.status_code} {response.text}")


async def check_pull(store: EmspStore, key: str) -> tuple[str, ...]:
    """The eMSP pulls its CDRs by GET with pagination; they must be exactly the ones pushed to it."""
    pulled = tuple(cdr["id"] for cdr in await pull_all(store, "cdrs"))
    if sorted(pulled) != sorted(store.cdrs) or len(set(pulled)) != len(pulled):
        raise DemoError(f"{key} pulled {sorted(pulled)} but was pushed {sorted(store.cdrs)}")
    return pulled


async def run_demo(
    settings: Settings,
    lake: Path,
    *,
    charge_points: int = 4,
    sessions: int = 3,
    timeout_s: float = 120.0,
    console: Console | None = None,
) -> DemoResult:
    console = console or Console()
    lake.mkdir(parents=True, exist_ok=True)
    clear_lake(lake)
    cps = charge_point_ids(charge_points, CP_PREFIX)
    stores = {f"{cc}-{pid}": EmspStore() for cc, pid in seed.PARTNERS}
    receivers = [
        ServedApp(create_emsp_app(f"token-c-{key}", stores[key], token_a=f"token-a-{key}",
                                  country_code=key[:2], party_id=key[3:]))
        for key in stores
    ]
    for receiver in receivers:
        await receiver.start()
    try:
        invitations = {key: (f"{r.url}/ocpi/emsp/versions", f"token-a-{key}")
                       for key, r in zip(stores, receivers, strict=True)}
        settings = settings.model_copy(
            update={
                "lake": settings.lake.model_copy(update={"uri": str(lake), "flush_interval_s": 0.5}),
                "partners": settings.partners.model_copy(update={"emsps": []}),
                "api": settings.api.model_copy(update={"port": 0}),
                "ocpp": settings.ocpp.model_copy(update={"port": 0}),
            }
        )
        async with embedded_settings(settings) as settings, running_stack(settings) as stack:
            console.print(
                f"[bold]roamstream demo[/]  API {stack.api_url}  OCPP {stack.ocpp_url}  lake {lake}"
            )
            api_token = settings.api.tokens[0].get_secret_value()
            await register_partners(stack.api_url, api_token, invitations)
            console.print(f"registered at {', '.join(invitations)} by the OCPI credentials handshake")
            tokens_per_partner = max(1, charge_points)
            await seed_reference(stack.api_url, api_token, cps, tokens_per_partner)
            id_tags = [t["uid"] for t in seed.tokens(tokens_per_partner)]
            simulated = await simulate(
                stack.ocpp_url,
                charge_points=charge_points,
                sessions=sessions,
                id_tags=id_tags,
                start=seed.START,
                prefix=CP_PREFIX,
                clock_tail_min=15,
            )
            expected = len(simulated)
            landed = acked = 0
            deadline = time.monotonic() + timeout_s
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            ) as progress:
                t_land = progress.add_task("CDRs landed in the lake", total=expected)
                t_ack = progress.add_task("CDRs acknowledged (OCPI 1000)", total=expected)
                while (landed < expected or acked < expected) and time.monotonic() < deadline:
                    await asyncio.sleep(0.5)
                    landed, acked = await asyncio.to_thread(lake_progress, lake)
                    progress.update(t_land, completed=landed)
                    progress.update(t_ack, completed=acked)
            if landed < expected or acked < expected:
                raise DemoError(
                    f"timed out: {landed}/{expected} CDRs landed, {acked}/{expected} acknowledged"
                )
            puller = next(iter(stores))
            pulled = await check_pull(stores[puller], puller)
            console.print(f"{puller} pulled its {len(pulled)} CDRs by GET with pagination: exactly the ones pushed")
    finally:
        for receiver in receivers:
            await receiver.stop()
    return DemoResult(lake, expected, landed, acked, stores, puller, pulled)
