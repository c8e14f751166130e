"""Statement files (CSV, JSON) validated by the API's models: the same problems, named by row and field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from api_payloads import statement_json

from ingest_api.exceptions import InvalidRequest
from ingest_api.statement_files import HEADER, statements_from_csv, statements_from_json

CSV_HEADER = ",".join(HEADER)


def csv_text(*rows: str) -> bytes:
    return "\n".join([CSV_HEADER, *rows]).encode()


def test_csv_rows_of_one_statement_become_one_statement_with_exact_amounts() -> None:
    [statement, other] = statements_from_csv(csv_text(
        "DE-ABC,2026-10,2026-10-01,2026-10-31,CDR-1,EUR,12.3456,14.9382,25.5",
        "DE-ABC,2026-10,2026-10-01,2026-10-31,CDR-2,EUR,0.1,,1",
        "NL-EMA,10,2026-10-01,2026-10-31,CDR-3,EUR,1,1.21,2",
    ))
    assert (statement.partner, statement.statement_id, len(statement.lines)) == ("DE-ABC", "2026-10", 2)
    assert statement.lines[0].total_cost_excl_vat == Decimal("12.3456")
    assert statement.lines[1].total_cost_incl_vat is None
    assert other.partner == "NL-EMA"


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        (["DE-ABC,S,2026-10-01,2026-10-31,CDR-1,EUR,1.23456,,1"], "row 2.total_cost_excl_vat: at most 4 decimals"),
        (["DE-ABC,S,2026-10-01,2026-10-31,CDR-1,EUR,1,,1", "DE-ABC,S,2026-10-01,2026-10-31,CDR-2,eur,1,,1"],
         "row 3.currency: "),
        (["DE-ABC,S,2026-10-01,2026-10-31,CDR-1,EUR,12;30,,1"], "row 2.total_cost_excl_vat: '12;30' is not a decimal"),
        (["DEABC,S,2026-10-01,2026-10-31,CDR-1,EUR,1,,1"], "row 2.partner: "),
        (["DE-ABC,S,2026-10-01,2026-09-30,CDR-1,EUR,1,,1"], "row 2.period_end: 2026-09-30 is before period_start"),
        (["DE-ABC,S,2026-10-01,2026-10-31,CDR-1,EUR,1,,1", "DE-ABC,S,2026-10-02,2026-10-31,CDR-2,EUR,1,,1"],
         "row 3.period_start: '2026-10-02' differs from row 2's '2026-10-01'"),
        (["DE-ABC,S,2026-10-01,2026-10-31,CDR-1,EUR,1,,1", "DE-ABC,S,2026-10-01,2026-10-31,CDR-1,EUR,1,,1"],
         "row 2.lines: cdr_id listed more than once: CDR-1"),
        (["DE-ABC,S,2026-10-01,2026-10-31,CDR-1,EUR,1,,1,extra"], "row 2: more cells than the header"),
    ],
)
def test_csv_problems_name_the_row_and_the_field(rows: list[str], problem: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        statements_from_csv(csv_text(*rows))
    assert any(str(p).startswith(problem) for p in caught.value.problems), caught.value.problems


def test_csv_header_must_have_every_column() -> None:
    with pytest.raises(InvalidRequest, match="header: missing column total_energy"):
        statements_from_csv(CSV_HEADER.replace(",total_energy", "").encode() + b"\n")


def test_json_file_is_the_api_body_or_a_list_of_them_with_the_apis_problems() -> None:
    [one] = statements_from_json(statement_json().encode())
    assert one.lines[0].total_cost_excl_vat == Decimal("12.3456")
    two = statements_from_json(f"[{statement_json()}, {statement_json()}]".encode())
    assert len(two) == 2
    with pytest.raises(InvalidRequest, match=r"lines\[0\].total_cost_excl_vat: at most 4 decimals"):
        statements_from_json(statement_json(total_excl="1.23456").encode())
