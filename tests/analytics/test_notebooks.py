"""Every notebook runs headless on a small lake: every cell runs and every chart has data."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from lake.records import cdr, location_object, push_result, session, statement_line
from notebook_runner import cells, chart_rows, charts, notebook_paths, run_notebook
from typer.testing import CliRunner

from roamstream.cli import app

Land = Callable[..., list[str]]


def cdr_json(cdr_id: str, location: str, tariff: str, evse: str) -> str:
    return json.dumps({
        "id": cdr_id, "cdr_token": {"uid": "TOK-1", "type": "RFID", "contract_id": "C-1"},
        "auth_method": "WHITELIST",
        "cdr_location": {"id": location, "evse_uid": evse, "connector_id": "1"},
        "charging_periods": [{"tariff_id": tariff}],
        "total_parking_cost": {"excl_vat": 0.5},
    })


@pytest.fixture
def small_lake(land: Land, lake: Path) -> str:
    land("locations", [location_object("LOC-AMS", "2026-01-01T00:00:00", "Europe/Amsterdam"),
                       location_object("LOC-NYC", "2026-01-01T00:00:00", "America/New_York")])
    start = datetime.fromisoformat("2026-03-02T06:00:00+00:00")
    records, pushes, lines = [], [], []
    for n in range(12):
        begin = start + timedelta(hours=7 * n)
        location = ("LOC-AMS", "LOC-NYC")[n % 2]
        cdr_id = f"CDR-{n}"
        partner = ("NL-EMA", "DE-EMB")[n % 2]
        records.append(cdr(cdr_id, (begin + timedelta(hours=2)).isoformat(), f"{n + 1}.5000", incl=f"{n + 1}.8150",
                           partner=partner, start_date_time=begin, total_time=Decimal("2"),
                           total_parking_time=Decimal("0.5"),
                           ocpi_json=cdr_json(cdr_id, location, ("AC-TOD", "AC-PARK")[n % 3 == 0],
                                              f"{location}-{n % 3}")))
        pushes.append(push_result(cdr_id, 1, ok=n != 5, code=None if n == 5 else 1000, latency=10.0 + n,
                                  partner=partner, at=(begin + timedelta(hours=2)).isoformat()))
        lines.append(statement_line(cdr_id, f"{n + 1}.5000", partner=partner,
                                    statement_id=f"{partner}-2026-03"))
    land("cdrs", records)
    land("push_results", pushes)
    land("partner_statements", lines)
    land("sessions", [session("S1", "2026-03-02T06:00:00")])
    return str(lake)


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_every_cell_runs_and_every_chart_has_data(path: Path, small_lake: str) -> None:
    outputs, defs = run_notebook(path, small_lake)
    assert len(outputs) == cells(path) - 1  # every cell but the one whose lake_uri is given
    found = charts(defs)
    assert found, f"{path.name} has no chart"
    for name, chart in found.items():
        assert chart_rows(chart) > 0, f"{path.name}: {name} has no data"


def test_there_are_the_three_notebooks() -> None:
    assert [p.stem for p in notebook_paths()] == ["push_health", "roaming", "settlement"]


def test_export_writes_each_notebook_as_html_with_its_charts_and_their_data(small_lake: str, tmp_path: Path) -> None:
    out = tmp_path / "html"
    result = CliRunner().invoke(app, ["notebooks", "export", "--lake", small_lake, "--out", str(out)])
    assert result.exit_code == 0, result.output
    pages = {p.stem: p.read_text(encoding="utf-8") for p in out.glob("*.html")}
    assert set(pages) == {"settlement", "roaming", "push_health"}
    assert "Revenue excl. VAT per partner and month" in pages["settlement"]
    assert "Sessions by local hour of day" in pages["roaming"]
    assert "Delivery latency percentiles per partner" in pages["push_health"]
    for page in pages.values():
        assert "vega" in page and "NL-EMA" in page  # the charts' specs carry their data


def test_export_refuses_a_lake_that_does_not_exist(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["notebooks", "export", "--lake", str(tmp_path / "nope"), "--out",
                                      str(tmp_path / "html")])
    assert result.exit_code == 2 and "nope" in result.stderr
