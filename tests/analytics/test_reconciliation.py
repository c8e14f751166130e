from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lake.records import cdr, push_result, statement_line

from analytics import open_lake, reconciliation, reconciliation_lines

Land = Callable[..., list[str]]
MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


@pytest.fixture
def lake_uri(land: Land, lake: Path) -> str:
    ours = [
        cdr("A", "2026-03-03T10:00:00", "1.0050"),
        cdr("B", "2026-03-04T10:00:00", "2.0000"),
        cdr("C", "2026-03-05T10:00:00", "3.0000"),
        cdr("D", "2026-03-06T10:00:00", "4.0000"),
        cdr("E", "2026-03-07T10:00:00", "6.0000"),
        cdr("F", "2026-03-08T10:00:00", "7.0000"),
        cdr("H", "2026-03-09T10:00:00", "8.0000", energy="10"),
        cdr("G", "2026-04-02T10:00:00", "9.0000"),
        cdr("K", "2026-03-03T10:00:00", "1.0000", partner="FR-XYZ"),
    ]
    theirs = [
        statement_line("A", "1.0050", statement_id="ST-3"),
        statement_line("B", "2.0040", statement_id="ST-3"),  # differs below a cent: matched
        statement_line("C", "3.0100", statement_id="ST-3"),
        statement_line("X", "5.0000", statement_id="ST-3"),
        statement_line("E", "6.0000", currency="CHF", statement_id="ST-3"),
        statement_line("F", "7.0000", statement_id="ST-3"),
        statement_line("F", "7.0000", statement_id="ST-4"),
        statement_line("H", "8.0000", energy="10.5", statement_id="ST-3"),
        statement_line("K", "1.0000", partner="FR-XYZ", statement_id="FR-1"),
    ]
    pushes = [
        push_result("A", 1, ok=False, code=None, latency=None, error="503 Service Unavailable"),
        push_result("A", 2, ok=True, code=1000, latency=5.0),
        *(push_result(i, 1, ok=True, code=1000, latency=5.0) for i in ("B", "E", "F", "H")),
        push_result("C", 1, ok=True, code=1000, latency=5.0, partner="FR-XYZ"),  # another partner's ack
        push_result("D", 1, ok=False, code=2001, latency=5.0, error="2001 invalid or missing parameters"),
        push_result("K", 1, ok=True, code=1000, latency=5.0, partner="FR-XYZ"),
    ]
    land("cdrs", ours)
    land("cdrs", ours[:3])  # duplicates from a replay
    land("partner_statements", theirs)
    land("partner_statements", theirs[:2])
    land("push_results", pushes)
    return str(lake)


def test_summary_per_partner(lake_uri: str) -> None:
    by_partner = {r["partner"]: r for r in reconciliation(open_lake(lake_uri), **MARCH).records()}
    assert by_partner["DE-EMS"] == {
        "partner": "DE-EMS",
        "our_cdrs": 7,
        "statement_cdrs": 7,
        "matched": 2,
        "amount_mismatches": 3,
        "missing_in_statement": 1,
        "missing_in_lake": 1,
        "listed_more_than_once": 1,
        "not_acknowledged": 2,
        "our_total_excl_vat": Decimal("31.01"),  # each line in cents: A 1.0050 is 1.01
        "statement_total_excl_vat": Decimal("39.02"),  # B 2.0040 is 2.00, F billed twice
        "difference_excl_vat": Decimal("8.01"),
    }
    fr = by_partner["FR-XYZ"]
    assert (fr["matched"], fr["not_acknowledged"], fr["difference_excl_vat"]) == (1, 0, Decimal("0.00"))


def test_lines_that_all_match_at_cents_leave_no_cent_of_difference_in_the_total(land: Land, lake: Path) -> None:
    # unrounded, ours total 2.0088 (2.01) and theirs 2.0000: summing first would leave a cent no line shows
    land("cdrs", [cdr("P", "2026-03-03T10:00:00", "1.0044"), cdr("Q", "2026-03-04T10:00:00", "1.0044")])
    land("partner_statements", [statement_line("P", "1.0000"), statement_line("Q", "1.0000")])
    [row] = reconciliation(open_lake(str(lake)), **MARCH).records()
    assert (row["matched"], row["our_total_excl_vat"], row["statement_total_excl_vat"]) == (
        2, Decimal("2.00"), Decimal("2.00"))
    assert row["difference_excl_vat"] == Decimal("0.00")


def test_lines_needing_attention(lake_uri: str) -> None:
    lines = {r["cdr_id"]: r for r in reconciliation_lines(open_lake(lake_uri), **MARCH).records()}
    assert {cdr_id: (r["status"], r["acknowledged"]) for cdr_id, r in lines.items()} == {
        "C": ("amount_mismatch", False),
        "D": ("missing_in_statement", False),
        "E": ("currency_mismatch", True),
        "F": ("listed_more_than_once", True),
        "H": ("amount_mismatch", True),
        "X": ("missing_in_lake", None),
    }
    assert lines["C"]["difference_excl_vat"] == Decimal("0.0100")
    assert (lines["H"]["our_energy_kwh"], lines["H"]["statement_energy_kwh"]) == (
        Decimal("10"),
        Decimal("10.5"),
    )
    assert lines["D"]["last_push_error"] == "2001 invalid or missing parameters"
    assert lines["D"]["push_attempts"] == 1 and lines["C"]["push_attempts"] == 0


def test_without_a_range_every_cdr_is_in_scope(lake_uri: str) -> None:
    lines = {r["cdr_id"]: r for r in reconciliation_lines(open_lake(lake_uri)).records()}
    assert lines["G"]["status"] == "missing_in_statement"
    april_only = reconciliation_lines(
        open_lake(lake_uri), date_from=date(2026, 4, 1), date_to=date(2026, 4, 30)
    )
    # the statements cover March only, so April holds just our CDR G
    assert [(r["cdr_id"], r["status"]) for r in april_only.records()] == [("G", "missing_in_statement")]
