"""``roamstream demo``: the main job on the embedded stack, end to end.

Start the embedded broker, the worker, the ingest API, the OCPP endpoint and two demo eMSPs; seed a tariff,
a location and both eMSPs' tokens through the API; drive charge points through sessions with the OCPP
simulator; wait until every CDR is landed in the lake and acknowledged by its eMSP; print the settlement.
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
from roamstream.config import Partner, Settings
from roamstream.demo import seed
from roamstream.demo.emsp import EmspStore, create_emsp_app
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


def lake_progress(lake: Path) -> tuple[int, int]:
    """(CDRs landed, CDRs acknowledged with OCPI 1000) as the lake shows them."""
    con = open_lake(str(lake), must_exist=False)
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


async def run_demo(
    settings: Settings,
    lake: Path,
    *,
    charge_points: int = 4,
    sessions: int = 3,
    timeout_s: float = 120.0,
    console: Console | None = None,
    fresh: bool = False,
) -> DemoResult:
    console = console or Console()
    prepare_lake(lake, fresh=fresh)
    cps = charge_point_ids(charge_points, CP_PREFIX)
    stores = {f"{cc}-{pid}": EmspStore() for cc, pid in seed.PARTNERS}
    receivers = [ServedApp(create_emsp_app(f"token-b-{key}", stores[key])) for key in stores]
    for receiver in receivers:
        await receiver.start()
    try:
        partners = [
            Partner(
                country_code=key[:2],
                party_id=key[3:],
                token=f"token-b-{key}",
                cdrs_url=f"{r.url}/ocpi/emsp/2.2.1/cdrs",
                sessions_url=f"{r.url}/ocpi/emsp/2.2.1/sessions",
            )
            for key, r in zip(stores, receivers, strict=True)
        ]
        settings = settings.model_copy(
            update={
                "lake": settings.lake.model_copy(update={"uri": str(lake), "flush_interval_s": 0.5}),
                "partners": settings.partners.model_copy(update={"emsps": partners}),
                "api": settings.api.model_copy(update={"port": 0}),
                "ocpp": settings.ocpp.model_copy(update={"port": 0}),
            }
        )
        async with embedded_settings(settings) as settings, running_stack(settings) as stack:
            console.print(
                f"[bold]roamstream demo[/]  API {stack.api_url}  OCPP {stack.ocpp_url}  lake {lake}"
            )
            api_token = settings.api.tokens[0].get_secret_value()
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
    finally:
        for receiver in receivers:
            await receiver.stop()
    return DemoResult(lake, expected, landed, acked, stores)
