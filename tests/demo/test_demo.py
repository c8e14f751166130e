"""``roamstream demo`` as a user runs it: a child process on its own embedded stack, its lake checked with DuckDB."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from analytics import open_lake, reconciliation_lines
from tests.analytics.notebook_runner import cells, chart_rows, charts, notebook_paths, run_notebook

CHARGE_POINTS, SESSIONS, DAYS, UNTIL = 3, 2, 2, "2026-11-04"
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    lake = tmp_path_factory.mktemp("demo") / "lake"
    done = subprocess.run(
        [sys.executable, "-m", "roamstream", "demo", "--lake", str(lake),
         "--charge-points", str(CHARGE_POINTS), "--sessions", str(SESSIONS), "--days", str(DAYS),
         "--until", UNTIL],
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
    assert len(cdr_ids) == sessions
    assert CHARGE_POINTS * SESSIONS <= len(cdr_ids) <= CHARGE_POINTS * SESSIONS * DAYS  # late ones left out
    assert acked == cdr_ids


def test_the_printed_settlement_equals_the_sum_of_the_cdrs_in_the_lake(demo_run):
    done, lake = demo_run
    with open_lake(str(lake)) as con:
        sums = con.execute(
            "select partner, count(*), sum(total_cost_excl_vat), sum(total_cost_incl_vat) from cdrs group by 1"
        ).fetchall()
    assert len(sums) == 3  # every demo eMSP's drivers charged
    printed = [line for line in done.stdout.splitlines() if "│" in line]
    for partner, count, excl, incl in sums:
        [row] = [line for line in printed if f" {partner} " in line]
        cells = [cell.strip() for cell in row.split("│")[1:-1]]
        assert str(count) in cells
        assert str(excl.quantize(CENT, ROUND_HALF_UP)) in cells
        assert str(incl.quantize(CENT, ROUND_HALF_UP)) in cells


def test_history_is_in_the_past_at_three_sites_in_their_local_time_with_idle_time(demo_run):
    _, lake = demo_run
    with open_lake(str(lake)) as con:
        [(first, last)] = con.execute("select min(start_date_time), max(end_date_time) from cdrs").fetchall()
        sites = con.execute(
            "select location_id, any_value(time_zone), count(distinct tariff_id), sum(total_parking_time_hours)"
            " from cdrs_local group by 1 order by 1"
        ).fetchall()
    assert first.date() >= date(2026, 11, 1) and last < datetime(2026, 11, 4, tzinfo=UTC)
    assert [(s[0], s[1], s[2]) for s in sites] == [
        ("LOC-HEL", "Europe/Helsinki", 1), ("LOC-LIS", "Europe/Lisbon", 1), ("LOC-UTR", "Europe/Amsterdam", 1)]
    assert sum(s[3] for s in sites) > 0  # cars stayed plugged in after charging


def test_reconciliation_finds_exactly_the_planted_discrepancies(demo_run):
    _, lake = demo_run
    with open_lake(str(lake)) as con:
        lines = reconciliation_lines(con).records()
    assert sorted((line["partner"], line["status"]) for line in lines) == [
        ("DE-EMB", "amount_mismatch"), ("NL-EMA", "missing_in_statement")]
    [over] = [line for line in lines if line["status"] == "amount_mismatch"]
    assert over["difference_excl_vat"] == Decimal("0.1000")


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_every_notebook_runs_on_the_demo_lake_with_data_in_every_chart(demo_run, path):
    _, lake = demo_run
    outputs, defs = run_notebook(path, str(lake))
    assert len(outputs) == cells(path) - 1
    assert charts(defs)
    for name, chart in charts(defs).items():
        assert chart_rows(chart) > 0, f"{path.name}: {name} has no data"


def test_the_emsps_are_registered_by_the_handshake_and_one_pulls_exactly_its_cdrs(demo_run):
    done, lake = demo_run
    assert "by the OCPI credentials handshake" in done.stdout
    [line] = [line for line in done.stdout.splitlines() if "pulled its" in line]
    puller = line.split()[0]
    with open_lake(str(lake)) as con:
        [(pushed,)] = con.execute("select count(*) from cdrs where partner = ?", [puller]).fetchall()
    assert f"pulled its {pushed} CDRs" in line and pushed > 0


def test_log_records_go_to_the_log_beside_the_lake_and_the_console_says_how_many(demo_run):
    done, lake = demo_run
    assert done.stderr == ""  # no library warnings between the progress bars
    log = lake.with_name(f"{lake.name}.log")
    records = [line for line in log.read_text().splitlines() if re.match(r"\d{4}-\d\d-\d\d [\d:,]+ [A-Z]+ ", line)]
    assert any(" INFO " in line for line in records)  # the log has what the console left out
    warnings = sum(" WARNING " in line for line in records)
    errors = sum(" ERROR " in line or " CRITICAL " in line for line in records)
    assert f"Log: {log} ({warnings} warning{'s' * (warnings != 1)}, {errors} error{'s' * (errors != 1)})" \
        in done.stdout.replace("\n", "")
