from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lake.records import push_result

from analytics import open_lake, push_health

Land = Callable[..., list[str]]


@pytest.fixture
def lake_uri(land: Land, lake: Path) -> str:
    b, c = {"object_time": "2026-03-01T09:00:00"}, {"object_time": "2026-03-01T09:30:00"}
    pushes = [
        push_result("A", 1, ok=True, code=1000, latency=10.0, at="2026-03-01T10:00:00"),
        push_result(
            "B", 1, ok=False, code=None, latency=None, at="2026-03-01T10:01:00", error="timeout", **b
        ),
        push_result("B", 2, ok=True, code=1000, latency=20.0, at="2026-03-01T10:02:00", **b),
        push_result(
            "C", 1, ok=False, code=2001, latency=30.0, at="2026-03-01T10:03:00", error="2001 bad CDR", **c
        ),
        push_result(
            "C", 2, ok=False, code=None, latency=40.0, at="2026-03-01T10:04:00", error="HTTP 502", **c
        ),
        push_result("D", 1, ok=True, code=1000, latency=100.0, at="2026-03-01T10:05:00"),
        push_result("S", 1, ok=True, code=1000, latency=7.0, at="2026-03-01T10:06:00", module="sessions"),
        push_result(
            "E",
            1,
            ok=False,
            code=None,
            latency=5.0,
            at="2026-03-01T11:00:00",
            partner="FR-XYZ",
            error="connect refused",
        ),
        push_result("F", 1, ok=True, code=1000, latency=1.0, at="2026-03-05T11:00:00", partner="FR-XYZ"),
    ]
    land("push_results", pushes)
    land("push_results", pushes[:4])  # landed twice
    return str(lake)


def test_attempts_success_rate_latency_percentiles_and_last_error(lake_uri: str) -> None:
    got = {(r["partner"], r["module"]): r for r in push_health(open_lake(lake_uri)).records()}
    cdrs = got[("DE-EMS", "cdrs")]
    assert (cdrs["attempts"], cdrs["succeeded"], cdrs["failed"], cdrs["objects"]) == (6, 3, 3, 4)
    assert cdrs["success_rate_pct"] == pytest.approx(50.0)
    # latencies 10, 20, 30, 40, 100 (one attempt has none): p50 = 30; p95 at rank 3.8 = 40 + 0.8 * 60 = 88
    assert (cdrs["latency_p50_ms"], cdrs["latency_p95_ms"]) == (pytest.approx(30.0), pytest.approx(88.0))
    assert cdrs["last_error"] == "HTTP 502"
    assert cdrs["last_error_at"] == datetime.fromisoformat("2026-03-01T10:04:00+00:00")
    assert cdrs["last_push_at"] == datetime.fromisoformat("2026-03-01T10:05:00+00:00")
    sessions = got[("DE-EMS", "sessions")]
    assert (sessions["attempts"], sessions["success_rate_pct"], sessions["last_error"]) == (1, 100.0, None)
    fr = got[("FR-XYZ", "cdrs")]
    assert (fr["attempts"], fr["succeeded"], fr["last_error"]) == (2, 1, "connect refused")


def test_the_range_is_on_the_push_date(lake_uri: str) -> None:
    got = push_health(open_lake(lake_uri), date_from=date(2026, 3, 2), date_to=date(2026, 3, 5)).records()
    assert [(r["partner"], r["attempts"], r["success_rate_pct"]) for r in got] == [("FR-XYZ", 1, 100.0)]
    assert isinstance(got[0]["latency_p50_ms"], float) and not isinstance(got[0]["latency_p50_ms"], Decimal)
