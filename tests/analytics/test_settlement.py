from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from lake.records import cdr

from analytics import AnalyticsError, open_lake, settlement

Land = Callable[..., list[str]]
CENT = Decimal("0.01")

# partner DE-EMS, EUR: three CDRs of 1.0050 on 1 March (summed then rounded: 3.0150 -> 3.02, where rounding
# each first would give 3.03), one CDR and two credits on 2 March (one credit priced negative, one positive:
# both count against), one CDR without VAT in April; FR-XYZ one CDR whose local end is the 2nd but UTC the
# 1st; DE-EMS also one CDR in CHF.
MARCH_1 = [
    cdr("A", "2026-03-01T08:00:00", "1.0050", incl="1.2161", energy="10.1234"),
    cdr("B", "2026-03-01T12:00:00", "1.0050", incl="1.2161", energy="0.0001"),
    cdr("C", "2026-03-01T23:59:59", "1.0050", incl="1.2160", energy="5.5"),
]
MARCH_2 = [
    cdr("D", "2026-03-02T00:00:00", "2.3333", incl="2.7773", energy="7"),
    cdr("A-CR", "2026-03-02T09:00:00", "-1.0050", incl="-1.2161", energy="-10.1234", credit=True),
    cdr("B-CR", "2026-03-02T10:00:00", "1.0050", incl="1.2161", energy="0.0001", credit=True),
]
APRIL = [cdr("G", "2026-04-10T10:00:00", "0.0049", incl=None, energy="0.5")]
OTHERS = [
    cdr("H", "2026-03-02T00:30:00+02:00", "9.9999", incl="12.0999", energy="20", partner="FR-XYZ"),
    cdr("I", "2026-03-01T10:00:00", "4.4444", incl="5.3777", energy="3", currency="CHF"),
]


def netted(records: list[dict], field: str) -> Decimal:
    return sum((-abs(r[field]) if r["credit"] else r[field] for r in records), Decimal(0))


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@pytest.fixture
def lake_uri(land: Land, lake: Path) -> str:
    land("cdrs", MARCH_1 + MARCH_2[:1])
    land("cdrs", MARCH_2[1:] + APRIL + OTHERS, partition=1)
    land("cdrs", MARCH_1[:2])  # landed twice: must not count twice
    return str(lake)


def rows(lake_uri: str, **params) -> dict[tuple[str, str, date], dict]:
    result = settlement(open_lake(lake_uri), **params)
    return {(r["partner"], r["currency"], r["period_start"]): r for r in result.records()}


def test_per_day_totals_are_sums_of_unrounded_amounts_rounded_once(lake_uri: str) -> None:
    got = rows(lake_uri)
    assert set(got) == {
        ("DE-EMS", "EUR", date(2026, 3, 1)),
        ("DE-EMS", "EUR", date(2026, 3, 2)),
        ("DE-EMS", "EUR", date(2026, 4, 10)),
        ("DE-EMS", "CHF", date(2026, 3, 1)),
        ("FR-XYZ", "EUR", date(2026, 3, 1)),
    }
    first = got[("DE-EMS", "EUR", date(2026, 3, 1))]
    assert (first["cdrs"], first["credits"], first["sessions"]) == (3, 0, 3)
    assert first["total_excl_vat"] == Decimal("3.02") == cents(netted(MARCH_1, "total_cost_excl_vat"))
    assert first["total_incl_vat"] == Decimal("3.65") == cents(netted(MARCH_1, "total_cost_incl_vat"))
    assert first["energy_kwh"] == Decimal("15.6235") == netted(MARCH_1, "total_energy")
    assert first["period_end"] == date(2026, 3, 1)

    second = got[("DE-EMS", "EUR", date(2026, 3, 2))]
    assert (second["cdrs"], second["credits"], second["sessions"]) == (1, 2, -1)
    assert second["total_excl_vat"] == Decimal("0.32") == cents(netted(MARCH_2, "total_cost_excl_vat"))
    assert second["total_incl_vat"] == Decimal("0.35") == cents(netted(MARCH_2, "total_cost_incl_vat"))
    assert second["energy_kwh"] == Decimal("-3.1235") == netted(MARCH_2, "total_energy")

    april = got[("DE-EMS", "EUR", date(2026, 4, 10))]
    assert (april["total_excl_vat"], april["total_incl_vat"], april["incl_vat_missing"]) == (
        Decimal("0.00"),
        None,
        1,
    )

    fr = got[("FR-XYZ", "EUR", date(2026, 3, 1))]  # ended 00:30 on the 2nd at +02:00, the 1st in UTC
    assert (fr["sessions"], fr["total_excl_vat"], fr["total_incl_vat"]) == (
        1,
        Decimal("10.00"),
        Decimal("12.10"),
    )
    chf = got[("DE-EMS", "CHF", date(2026, 3, 1))]
    assert (chf["sessions"], chf["total_excl_vat"]) == (1, Decimal("4.44"))


def test_per_month_rounds_the_month_total_not_the_days(lake_uri: str) -> None:
    got = rows(lake_uri, group_by="month")
    march = got[("DE-EMS", "EUR", date(2026, 3, 1))]
    assert march["period_end"] == date(2026, 3, 31)
    assert (march["cdrs"], march["credits"], march["sessions"]) == (4, 2, 2)
    assert (
        march["total_excl_vat"] == Decimal("3.34") == cents(netted(MARCH_1 + MARCH_2, "total_cost_excl_vat"))
    )
    assert (
        march["total_incl_vat"] == Decimal("3.99") == cents(netted(MARCH_1 + MARCH_2, "total_cost_incl_vat"))
    )
    assert march["energy_kwh"] == Decimal("12.5000")
    assert got[("DE-EMS", "EUR", date(2026, 4, 1))]["period_end"] == date(2026, 4, 30)


def test_the_date_range_is_inclusive_on_both_ends(lake_uri: str) -> None:
    only_first = rows(lake_uri, date_from=date(2026, 3, 1), date_to=date(2026, 3, 1))
    assert {key[2] for key in only_first} == {date(2026, 3, 1)}
    assert len(only_first) == 3
    from_second = rows(lake_uri, date_from=date(2026, 3, 2))
    assert set(from_second) == {("DE-EMS", "EUR", date(2026, 3, 2)), ("DE-EMS", "EUR", date(2026, 4, 10))}


def test_an_unknown_grouping_is_a_typed_error(lake_uri: str) -> None:
    with pytest.raises(AnalyticsError):
        settlement(open_lake(lake_uri), group_by="week")
