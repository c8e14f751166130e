"""A per-partner, per-month settlement statement that finance can send: CSV for machines, a printable HTML page
(great-tables) for people. Lines from ``analytics/sql/report_partner_statement.sql``; totals are sums of the
lines' cent amounts, so the page adds up."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb

from analytics.cli_render import to_csv
from analytics.exceptions import AnalyticsError
from analytics.reports import Result, run

LINE_COLUMNS = ("cdr_id", "kind", "local_start", "location_id", "evse_uid", "contract_id", "tariff_id",
                "energy_kwh", "parking_hours", "excl_vat", "incl_vat")


@dataclass(frozen=True, slots=True)
class Statement:
    cpo: str
    partner: str
    month: date
    lines: Result

    @property
    def period(self) -> tuple[date, date]:
        return self.month, self.month.replace(day=calendar.monthrange(self.month.year, self.month.month)[1])

    def totals(self) -> dict[str, Any]:
        records = self.lines.records()
        incl = [r["incl_vat"] for r in records]
        return {
            "cdrs": sum(1 for r in records if r["kind"] == "charge"),
            "credits": sum(1 for r in records if r["kind"] == "credit"),
            "currency": ", ".join(sorted({r["currency"] for r in records})) or "",
            "energy_kwh": sum((r["energy_kwh"] for r in records), Decimal(0)),
            "excl_vat": sum((r["excl_vat"] for r in records), Decimal(0)),
            "incl_vat": None if any(v is None for v in incl) else sum(incl, Decimal(0)),
        }


def month_of(text: str) -> date:
    """``YYYY-MM`` as the month's first day."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise AnalyticsError(f"not a month (YYYY-MM): {text!r}") from None


def partner_statement(con: duckdb.DuckDBPyConnection, cpo: str, partner: str, month: date) -> Statement:
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    lines = run(con, "report_partner_statement", {"partner": partner, "month_start": first, "month_end": last})
    return Statement(cpo, partner, first, lines)


def statement_csv(statement: Statement) -> str:
    return to_csv(statement.lines)


def statement_html(statement: Statement) -> str:
    """A printable page: header, one row per CDR, the totals, how amounts are rounded."""
    import pandas as pd
    from great_tables import GT, loc, style

    start, end = statement.period
    totals = statement.totals()
    frame = pd.DataFrame.from_records(
        [{c: r[c] for c in LINE_COLUMNS} for r in statement.lines.records()], columns=list(LINE_COLUMNS)
    )
    frame["local_start"] = frame["local_start"].map(lambda v: v.strftime("%Y-%m-%d %H:%M") if v is not None else "")
    for column in ("energy_kwh", "parking_hours", "excl_vat", "incl_vat"):
        frame[column] = frame[column].map(lambda v: "" if v is None else format(v, "f"))
    total_row = {c: "" for c in LINE_COLUMNS}
    total_row.update({
        "cdr_id": "Total",
        "kind": f"{totals['cdrs']} CDRs, {totals['credits']} credits",
        "energy_kwh": format(totals["energy_kwh"], "f"),
        "excl_vat": format(totals["excl_vat"], "f"),
        "incl_vat": "" if totals["incl_vat"] is None else format(totals["incl_vat"], "f"),
    })
    frame = pd.concat([frame, pd.DataFrame([total_row])], ignore_index=True)
    table = (
        GT(frame)
        .tab_header(
            title=f"Settlement statement {statement.partner}, {start:%B %Y}",
            subtitle=f"From {statement.cpo} (CPO) to {statement.partner} (eMSP), CDRs that ended {start} to {end} "
                     f"(UTC), amounts in {totals['currency'] or 'EUR'}",
        )
        .cols_label(
            cdr_id="CDR", kind="", local_start="start (local)", location_id="location", evse_uid="EVSE",
            contract_id="contract", tariff_id="tariff", energy_kwh="kWh", parking_hours="parking h",
            excl_vat="excl. VAT", incl_vat="incl. VAT",
        )
        .cols_align(align="right", columns=["energy_kwh", "parking_hours", "excl_vat", "incl_vat"])
        .tab_style(style=style.text(weight="bold"), locations=loc.body(rows=[len(frame) - 1]))
        .tab_source_note(
            "Each CDR's amounts are rounded to cents, half away from zero; the totals are sums of those cents. "
            "Credit CDRs are negative lines."
        )
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>Settlement statement {statement.partner} {start:%Y-%m}</title>"
        "<style>@media print { body { margin: 0 } } body { font-family: sans-serif; margin: 2em }</style>"
        f"</head><body>{table.as_raw_html()}</body></html>"
    )
