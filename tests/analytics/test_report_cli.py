from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from lake.records import cdr, push_result, statement_line
from typer.testing import CliRunner

from roamstream.cli.lake import app as lake_app
from roamstream.cli.report import app as report_app

Land = Callable[..., list[str]]
runner = CliRunner()


@pytest.fixture
def lake_uri(land: Land, lake: Path) -> str:
    land(
        "cdrs",
        [
            cdr("A", "2026-03-01T08:00:00", "1.0050", incl="1.2161", energy="10.1234"),
            cdr("B", "2026-03-01T12:00:00", "1.0050", incl="1.2161", energy="0.0001"),
            cdr("C", "2026-03-01T23:59:59", "1.0050", incl="1.2160", energy="5.5"),
            cdr("D", "2026-04-02T10:00:00", "2.5000", incl="3.0250", energy="1"),
        ],
    )
    land(
        "partner_statements",
        [
            statement_line("A", "1.0050", energy="10.1234"),
            statement_line("B", "1.0150", energy="0.0001"),
        ],
    )
    land(
        "push_results",
        [
            push_result("A", 1, ok=True, code=1000, latency=12.5),
            push_result("B", 1, ok=False, code=None, latency=None, error="timeout"),
        ],
    )
    return str(lake)


def invoke(app, *args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_settlement_as_json_has_exact_decimal_strings(lake_uri: str) -> None:
    rows = json.loads(invoke(report_app, "settlement", "--lake", lake_uri, "--format", "json"))
    assert rows[0] == {
        "partner": "DE-EMS",
        "currency": "EUR",
        "period_start": "2026-03-01",
        "period_end": "2026-03-01",
        "sessions": 3,
        "cdrs": 3,
        "credits": 0,
        "energy_kwh": "15.6235",
        "total_excl_vat": "3.02",
        "total_incl_vat": "3.65",
        "incl_vat_missing": 0,
    }
    assert [r["period_start"] for r in rows] == ["2026-03-01", "2026-04-02"]


def test_settlement_as_csv_by_month_within_a_range(lake_uri: str) -> None:
    out = invoke(
        report_app,
        "settlement",
        "--lake",
        lake_uri,
        "--group-by",
        "month",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["period_start"], r["period_end"], r["total_excl_vat"], r["energy_kwh"]) for r in rows] == [
        ("2026-03-01", "2026-03-31", "3.02", "15.6235")
    ]


def test_settlement_reads_the_lake_from_settings_by_default(lake_uri: str, monkeypatch) -> None:
    monkeypatch.setenv("LAKE_URI", lake_uri)
    rows = json.loads(invoke(report_app, "settlement", "--format", "json"))
    assert len(rows) == 2


def test_settlement_as_a_table(lake_uri: str) -> None:
    out = invoke(report_app, "settlement", "--lake", lake_uri)
    assert "Settlement" in out and "3.02" in out and "15.6235" in out


def test_reconciliation_summary_and_lines(lake_uri: str) -> None:
    [summary] = json.loads(invoke(report_app, "reconciliation", "--lake", lake_uri, "--format", "json"))
    assert (summary["matched"], summary["amount_mismatches"], summary["missing_in_statement"]) == (1, 1, 2)
    assert (summary["not_acknowledged"], summary["difference_excl_vat"]) == (3, "-3.50")
    out = invoke(report_app, "reconciliation", "--lines", "--lake", lake_uri, "--format", "csv")
    lines = {r["cdr_id"]: r for r in csv.DictReader(io.StringIO(out))}
    assert {k: (v["status"], v["acknowledged"]) for k, v in lines.items()} == {
        "B": ("amount_mismatch", "False"),
        "C": ("missing_in_statement", "False"),
        "D": ("missing_in_statement", "False"),
    }
    assert lines["B"]["difference_excl_vat"] == "0.0100" and lines["C"]["statement_excl_vat"] == ""


def test_push_health_as_json(lake_uri: str) -> None:
    [row] = json.loads(invoke(report_app, "push-health", "--lake", lake_uri, "--format", "json"))
    assert (row["attempts"], row["succeeded"], row["success_rate_pct"]) == (2, 1, 50.0)
    assert (row["latency_p50_ms"], row["last_error"]) == (12.5, "timeout")


def test_lake_tables(lake_uri: str, land: Land) -> None:
    land("cdrs", [cdr("A", "2026-03-01T08:00:00", "1.0050", incl="1.2161", energy="10.1234")])  # a duplicate
    rows = {
        r["table_name"]: r
        for r in json.loads(invoke(lake_app, "tables", "--lake", lake_uri, "--format", "json"))
    }
    assert rows["cdrs"] == {
        "table_name": "cdrs",
        "files": 3,
        "rows": 5,
        "unique_rows": 4,
        "first_dt": "2026-03-01",
        "last_dt": "2026-04-02",
    }
    assert rows["meter_values"]["files"] == 0 and rows["meter_values"]["first_dt"] is None


def test_lake_sql_runs_against_the_views(lake_uri: str) -> None:
    out = invoke(
        lake_app,
        "sql",
        "select cdr_id, total_cost_excl_vat from cdrs order by 1 limit 2",
        "--lake",
        lake_uri,
        "--format",
        "csv",
    )
    assert out.splitlines() == ["cdr_id,total_cost_excl_vat", "A,1.0050", "B,1.0050"]


def test_lake_sql_reports_a_bad_query_and_fails(lake_uri: str) -> None:
    result = runner.invoke(lake_app, ["sql", "select * from no_such_view", "--lake", lake_uri])
    assert result.exit_code == 1
    assert "no_such_view" in result.stderr


def test_a_bad_date_is_a_usage_error(lake_uri: str) -> None:
    result = runner.invoke(report_app, ["settlement", "--lake", lake_uri, "--from", "01/03/2026"])
    assert result.exit_code == 2


def test_report_and_lake_are_registered_on_roamstream() -> None:
    from roamstream.cli import app

    assert "settlement" in runner.invoke(app, ["report", "--help"]).stdout
    assert "tables" in runner.invoke(app, ["lake", "--help"]).stdout


def test_a_wide_table_is_printed_whole_not_cut_short(lake_uri: str) -> None:
    out = invoke(report_app, "reconciliation", "--lines", "--lake", lake_uri)
    assert "missing_in_statement" in out and "last_push_error" in out and "0.0100" in out
    assert "…" not in out


@pytest.mark.parametrize(
    "command", [["settlement"], ["reconciliation"], ["reconciliation", "--lines"], ["push-health"]]
)
def test_every_report_refuses_a_lake_that_does_not_exist_with_exit_2_naming_it(
    tmp_path: Path, command: list[str]
) -> None:
    missing = str(tmp_path / "typo-lake")
    result = runner.invoke(report_app, [*command, "--lake", missing])
    assert result.exit_code == 2
    assert "typo-lake" in result.stderr and "does not exist" in result.stderr
    assert result.stdout == ""


def test_lake_sql_refuses_a_directory_holding_no_lake(tmp_path: Path) -> None:
    result = runner.invoke(lake_app, ["sql", "select 1", "--lake", str(tmp_path)])
    assert result.exit_code == 2
    assert str(tmp_path) in result.stderr and "none of the lake's tables" in result.stderr


def test_lake_compact_rewrites_closed_days_and_settlement_reads_the_same(lake_uri: str) -> None:
    before = invoke(report_app, "settlement", "--lake", lake_uri, "--format", "csv")
    out = json.loads(invoke(lake_app, "compact", "--lake", lake_uri, "--before", "2026-04-01", "--format", "json"))
    assert {(row["table_name"], row["day"]) for row in out} >= {("cdrs", "2026-03-01")}
    [compacted] = (Path(lake_uri) / "cdrs" / "dt=2026-03-01").iterdir()
    assert compacted.name.startswith("compacted-")
    assert invoke(report_app, "settlement", "--lake", lake_uri, "--format", "csv") == before


def test_lake_compact_refuses_a_lake_that_does_not_exist(tmp_path: Path) -> None:
    result = runner.invoke(lake_app, ["compact", "--lake", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "nope" in result.stderr


def test_partner_statement_for_a_month_as_csv_and_printable_html(lake_uri: str, tmp_path: Path) -> None:
    out = tmp_path / "statements"
    printed = invoke(report_app, "statement", "--partner", "DE-EMS", "--month", "2026-03", "--lake", lake_uri,
                     "--out", str(out))
    assert "3 CDRs, 0 credits, 3.03 EUR" in printed
    rows = list(csv.DictReader(io.StringIO((out / "statement-DE-EMS-2026-03.csv").read_text())))
    assert [(r["cdr_id"], r["excl_vat"], r["incl_vat"]) for r in rows] == [
        ("A", "1.01", "1.22"), ("B", "1.01", "1.22"), ("C", "1.01", "1.22")]  # each line rounded half away
    page = (out / "statement-DE-EMS-2026-03.html").read_text()
    assert "Settlement statement DE-EMS, March 2026" in page
    assert "3.03" in page and "3.66" in page  # the totals are the sums of the lines' cents
    assert "half away from zero" in page


def test_partner_statement_nets_credits_as_negative_lines(land, lake: Path, tmp_path: Path) -> None:
    land("cdrs", [cdr("A", "2026-05-02T08:00:00", "10.0000", incl="12.1000"),
                  cdr("A-CREDIT", "2026-05-03T08:00:00", "10.0000", incl="12.1000", credit=True,
                      credit_reference_id="A"),
                  cdr("A2", "2026-05-03T08:00:00", "8.0000", incl="9.6800")])
    out = tmp_path / "statements"
    printed = invoke(report_app, "statement", "--partner", "DE-EMS", "--month", "2026-05", "--lake", str(lake),
                     "--out", str(out))
    assert "2 CDRs, 1 credits, 8.00 EUR" in printed
    rows = list(csv.DictReader(io.StringIO((out / "statement-DE-EMS-2026-05.csv").read_text())))
    assert [(r["cdr_id"], r["kind"], r["excl_vat"]) for r in rows] == [
        ("A", "charge", "10.00"), ("A-CREDIT", "credit", "-10.00"), ("A2", "charge", "8.00")]


def test_partner_statement_of_a_month_without_cdrs_says_so(lake_uri: str, tmp_path: Path) -> None:
    result = runner.invoke(report_app, ["statement", "--partner", "DE-EMS", "--month", "2025-01", "--lake", lake_uri,
                                        "--out", str(tmp_path)])
    assert result.exit_code == 1 and "no CDR of DE-EMS ended in 2025-01" in result.stderr
