"""A partner's settlement statement: a header and one line per CDR it bills (``POST /statements``).

Example::

    {"partner": "DE-ABC", "statement_id": "2026-10", "period_start": "2026-10-01", "period_end": "2026-10-31",
     "lines": [{"cdr_id": "NL-RST-CP1-42", "currency": "EUR", "total_cost_excl_vat": 12.3456,
                "total_cost_incl_vat": 14.9382, "total_energy": 25.5}]}

Totals are JSON numbers (read as exact decimals) or strings holding a decimal (``"12.3456"``), at most 4
decimals; energy in kWh. Each line becomes
one ``partner.statements.v1`` record.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from ingest_api.models.fields import Amount, NonEmpty
from roamstream.ocpi.common import CiString39, Currency

#: ``CC-PID``, the OCPI country code and party id of the eMSP
PartnerKey = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}-[A-Z0-9]{3}$")]


class StatementLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cdr_id: Annotated[CiString39, StringConstraints(min_length=1)]
    currency: Currency
    total_cost_excl_vat: Amount
    total_cost_incl_vat: Amount | None = None
    total_energy: Amount = Field(description="kWh")


class StatementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner: PartnerKey = Field(description="CC-PID of the eMSP, e.g. DE-ABC")
    statement_id: NonEmpty
    period_start: date
    period_end: date
    lines: list[StatementLine] = Field(min_length=1)

    @field_validator("period_end")
    @classmethod
    def _end_not_before_start(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("period_start")
        if start is not None and end < start:
            raise ValueError(f"{end} is before period_start {start}")
        return end

    @field_validator("lines")
    @classmethod
    def _one_line_per_cdr(cls, lines: list[StatementLine]) -> list[StatementLine]:
        repeated = [cdr for cdr, n in Counter(line.cdr_id for line in lines).items() if n > 1]
        if repeated:
            raise ValueError(f"cdr_id listed more than once: {', '.join(repeated)}")
        return lines
