"""``PIPELINE_STAGES``: a ``core`` worker (every stage but the lake) and a ``lake`` worker (the lake landing only, in
its own consumer group) together deliver and land what one ``all`` worker does, each record landed once."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
from objects import PARTNER_A, life
from test_crash import worker_env
from test_delivery import delivered, publish, until

from roamstream.config import Settings

REPO = Path(__file__).resolve().parents[2]


def start(settings: Settings, stages: str, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "roamstream", "worker"], cwd=REPO,
                                env={**worker_env(settings), "PIPELINE_STAGES": stages},
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out)


def landed_cdr_ids(settings: Settings) -> list[str]:
    """Every CDR row in the lake's Parquet files (not a deduplicating view: a record landed twice counts twice)."""
    files = Path(settings.lake.uri) / "cdrs"
    if not any(files.rglob("*.parquet")):
        return []
    glob = str(files / "**" / "*.parquet")
    return [row[0] for row in duckdb.sql(f"select id from read_parquet('{glob}')").fetchall()]


async def test_a_core_and_a_lake_worker_deliver_and_land_everything_once(with_partners, topics, receivers,
                                                                         tmp_path):
    ids = {f"S-{n}" for n in range(6)}
    records = [r for n in range(6) for r in life(f"S-{n}", PARTNER_A, f"CP-{n % 3}")]
    async with receivers("tok-a") as a:
        settings = with_partners([a.partner(PARTNER_A)])
        core = start(settings, "core", tmp_path / "core.log")
        try:
            await publish(settings, records)
            await until(delivered(a, ids), "every session COMPLETED and every CDR at the partner (core worker)")
            assert landed_cdr_ids(settings) == [], "a core worker lands nothing"
            lake = start(settings, "lake", tmp_path / "lake.log")
            try:
                async def all_landed() -> bool:
                    assert lake.poll() is None, (tmp_path / "lake.log").read_text()[-3000:]
                    return ids <= set(landed_cdr_ids(settings))
                await until(all_landed, "every CDR in the lake (lake worker)")
            finally:
                lake.send_signal(signal.SIGTERM)
                await asyncio.to_thread(lake.wait, 30)
        finally:
            core.send_signal(signal.SIGTERM)
            await asyncio.to_thread(core.wait, 30)
    assert sorted(landed_cdr_ids(settings)) == sorted(ids), "each CDR landed exactly once"
    assert "-lake" in (tmp_path / "lake.log").read_text()  # its own consumer group: <app id>-lake
