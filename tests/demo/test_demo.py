"""``roamstream demo`` as a user runs it: a child process on its own embedded stack, its lake checked with DuckDB."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from analytics import open_lake

CHARGE_POINTS, SESSIONS = 3, 2
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    lake = tmp_path_factory.mktemp("demo") / "lake"
    done = subprocess.run(
        [sys.executable, "-m", "roamstream", "demo", "--lake", str(lake),
         "--charge-points", str(CHARGE_POINTS), "--sessions", str(SESSIONS)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done, lake


def test_one_cdr_per_simulated_session_each_acknowledged_with_1000(demo_run):
    _, lake = demo_run
    with open_lake(str(lake)) as con:
        cdr_ids = {row[0] for row in con.execute("select cdr_id from cdrs").fetchall()}
        acked = {row[0] for row in con.execute(
            "select object_id from push_results where module = 'cdrs' and ok and ocpi_status_code = 1000"
        ).fetchall()}
        sessions = con.execute("select count(distinct session_id) from cdrs").fetchone()[0]
    assert len(cdr_ids) == CHARGE_POINTS * SESSIONS == sessions
    assert acked == cdr_ids


def test_the_printed_settlement_equals_the_sum_of_the_cdrs_in_the_lake(demo_run):
    done, lake = demo_run
    with open_lake(str(lake)) as con:
        sums = con.execute(
            "select partner, count(*), sum(total_cost_excl_vat), sum(total_cost_incl_vat) from cdrs group by 1"
        ).fetchall()
    assert len(sums) == 2  # both demo eMSPs charged
    printed = [line for line in done.stdout.splitlines() if "│" in line]
    for partner, count, excl, incl in sums:
        [row] = [line for line in printed if f" {partner} " in line]
        cells = [cell.strip() for cell in row.split("│")[1:-1]]
        assert str(count) in cells
        assert str(excl.quantize(CENT, ROUND_HALF_UP)) in cells
        assert str(incl.quantize(CENT, ROUND_HALF_UP)) in cells


def test_the_emsps_are_registered_by_the_handshake_and_one_pulls_exactly_its_cdrs(demo_run):
    done, lake = demo_run
    assert "by the OCPI credentials handshake" in done.stdout
    [line] = [line for line in done.stdout.splitlines() if "pulled its" in line]
    puller = line.split()[0]
    with open_lake(str(lake)) as con:
        [(pushed,)] = con.execute("select count(*) from cdrs where partner = ?", [puller]).fetchall()
    assert f"pulled its {pushed} CDRs" in line and pushed > 0
