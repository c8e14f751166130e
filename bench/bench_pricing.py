"""Throughput of the tariff engine: typical CDRs priced per second on one core.

Typical CDR: 5 charging periods (3 charging at varying current, 2 parking) priced with the complex
tariff of the OCPI 2.2.1 spec (mod_tariffs "Complex Tariff example": FLAT, TIME by current and weekday,
PARKING_TIME by time of day and weekday), local time Europe/Amsterdam. The input is the CDR as JSON data
(numbers already Decimal), the output the six OCPI cost totals, rounded: what the pricing stage does.

Printed beside two baselines measured in the same run on the same CDRs:
- "floor": a plain-Python loop summing volume x a fixed price in Decimal over the same periods and
  dimensions, no tariff logic at all; the engine cannot be faster than this.
- "naive": the same engine, but validating the tariff with the pydantic model and compiling it again for
  every CDR (no compile-once cache), as a straightforward implementation would.

Run: .venv/bin/python bench/bench_pricing.py [number_of_cdrs]
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from roamstream.ocpi.tariff import Tariff
from roamstream.tariffs import compile_tariff, price_cdr

TARGET = 20_000
TZ = ZoneInfo("Europe/Amsterdam")


def _pc(kind: str, price: str, vat: str, step: int) -> dict:
    return {"type": kind, "price": Decimal(price), "vat": Decimal(vat), "step_size": step}


WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]
COMPLEX_TARIFF = {
    "country_code": "DE",
    "party_id": "ALL",
    "id": "14",
    "currency": "EUR",
    "type": "REGULAR",
    "elements": [
        {"price_components": [_pc("FLAT", "2.50", "15.0", 1)]},
        {
            "price_components": [_pc("TIME", "1.00", "20.0", 900)],
            "restrictions": {"max_current": Decimal("32.00")},
        },
        {
            "price_components": [_pc("TIME", "2.00", "20.0", 600)],
            "restrictions": {"min_current": Decimal("32.00"), "day_of_week": WEEKDAYS},
        },
        {
            "price_components": [_pc("TIME", "1.25", "20.0", 600)],
            "restrictions": {"min_current": Decimal("32.00"), "day_of_week": ["SATURDAY", "SUNDAY"]},
        },
        {
            "price_components": [_pc("PARKING_TIME", "5.00", "10.0", 300)],
            "restrictions": {"start_time": "09:00", "end_time": "18:00", "day_of_week": WEEKDAYS},
        },
        {
            "price_components": [_pc("PARKING_TIME", "6.00", "10.0", 300)],
            "restrictions": {"start_time": "10:00", "end_time": "17:00", "day_of_week": ["SATURDAY"]},
        },
    ],
    "last_updated": "2015-06-29T20:39:09Z",
}


def typical_cdrs(n: int) -> list[dict]:
    """``n`` different CDRs of 5 periods: 3 charging (16 A, 40 A, 20 A), 2 parking."""
    cdrs = []
    base = datetime(2024, 1, 1, 6, 0, tzinfo=UTC)
    for i in range(n):
        start = base + timedelta(minutes=37 * i)
        lengths = [timedelta(minutes=20 + i % 30), timedelta(minutes=45), timedelta(minutes=15 + i % 7),
                   timedelta(minutes=12), timedelta(minutes=5 + i % 50)]  # fmt: skip
        dims = [
            [("ENERGY", "3.6512"), ("TIME", None), ("MAX_CURRENT", "16")],
            [("ENERGY", "19.2114"), ("TIME", None), ("MIN_CURRENT", "40"), ("MAX_CURRENT", "40")],
            [("ENERGY", "2.1001"), ("TIME", None), ("MIN_CURRENT", "20"), ("MAX_CURRENT", "20")],
            [("PARKING_TIME", None)],
            [("PARKING_TIME", None)],
        ]
        periods, at = [], start
        for length, period_dims in zip(lengths, dims, strict=True):
            hours = (Decimal(length.seconds) / 3600).quantize(Decimal("0.0001"))
            periods.append(
                {
                    "start_date_time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "dimensions": [{"type": t, "volume": Decimal(v) if v else hours} for t, v in period_dims],
                }
            )
            at += length
        cdrs.append(
            {
                "id": f"CDR{i}",
                "start_date_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end_date_time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "currency": "EUR",
                "charging_periods": periods,
            }
        )
    return cdrs


def engine(cdrs: list[dict]) -> list:
    tariff = compile_tariff(COMPLEX_TARIFF)  # once, as the pipeline's TariffCache does
    return [price_cdr(tariff, cdr, tz=TZ).totals_to_ocpi() for cdr in cdrs]


def naive(cdrs: list[dict]) -> list:
    return [price_cdr(Tariff.model_validate(COMPLEX_TARIFF), cdr, tz=TZ).totals_to_ocpi() for cdr in cdrs]


def floor(cdrs: list[dict]) -> list:
    price = Decimal("1.25")
    out = []
    for cdr in cdrs:
        total = Decimal(0)
        for period in cdr["charging_periods"]:
            for dim in period["dimensions"]:
                if dim["type"] in ("ENERGY", "TIME", "PARKING_TIME"):
                    total += dim["volume"] * price
        out.append(total)
    return out


def rate(fn, cdrs: list[dict], repeat: int = 5) -> float:
    """CDRs per second of this process's CPU time (one core), best of ``repeat``: other processes on a
    shared machine slow the wall clock, not the CPU time the pricing takes."""
    best = float("inf")
    for _ in range(repeat):
        began = time.process_time()
        fn(cdrs)
        best = min(best, time.process_time() - began)
    return len(cdrs) / best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    cdrs = typical_cdrs(n)
    ours = rate(engine, cdrs)
    naive_rate = rate(naive, cdrs[: max(1, n // 10)])
    floor_rate = rate(floor, cdrs)
    print(f"typical CDRs (5 periods, spec complex tariff), {n} CDRs, best of 5, CPU time of one core")
    print(f"  engine (compiled once)        : {ours:12,.0f} CDRs/s   target {TARGET:,}: "
          f"{'met' if ours >= TARGET else 'NOT met'}")  # fmt: skip
    print(f"  baseline naive (pydantic+compile per CDR): {naive_rate:12,.0f} CDRs/s   engine/naive = "
          f"{ours / naive_rate:.1f}x")  # fmt: skip
    print(f"  baseline floor (Decimal sum loop, no rules): {floor_rate:12,.0f} CDRs/s   engine/floor = "
          f"{ours / floor_rate:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
