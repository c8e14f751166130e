"""The demo partners' settlement statements: what each eMSP received, as it would bill it back, with two
planted discrepancies for reconciliation to find (one line's amount 0.10 too high, one CDR left out). Pure."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from roamstream.demo.emsp import EmspStore

#: the partner whose statement bills one CDR 0.10 more than we priced it
OVERBILLING = "DE-EMB"
#: the partner whose statement leaves one CDR out
FORGETFUL = "NL-EMA"


def statements(stores: dict[str, EmspStore], period: tuple[date, date]) -> list[dict]:
    """One statement per partner that received CDRs (the ``POST /statements`` body), amounts as strings."""
    found = []
    for partner, store in sorted(stores.items()):
        cdrs = [json.loads(body, parse_float=Decimal) for _, body in sorted(store.cdrs.items())]
        if not cdrs:
            continue
        lines = [
            {
                "cdr_id": cdr["id"],
                "currency": cdr["currency"],
                "total_cost_excl_vat": str(cdr["total_cost"]["excl_vat"]),
                "total_cost_incl_vat": (
                    str(cdr["total_cost"]["incl_vat"]) if cdr["total_cost"].get("incl_vat") is not None else None
                ),
                "total_energy": str(cdr["total_energy"]),
            }
            for cdr in cdrs
        ]
        if partner == OVERBILLING:
            lines[0]["total_cost_excl_vat"] = str(Decimal(lines[0]["total_cost_excl_vat"]) + Decimal("0.10"))
        if partner == FORGETFUL and len(lines) > 1:
            lines = lines[1:]
        found.append({
            "partner": partner,
            "statement_id": f"{partner}-{period[0]:%Y%m%d}-{period[1]:%Y%m%d}",
            "period_start": period[0].isoformat(),
            "period_end": period[1].isoformat(),
            "lines": lines,
        })
    return found
