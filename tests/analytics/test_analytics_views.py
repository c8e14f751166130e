from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from lake.records import (
    cdr,
    dead_letter,
    push_result,
    sample,
    session,
    statement_line,
    station_event,
    transaction_event,
)

from analytics import VIEWS, LakeNotFoundError, UnknownQueryError, load, open_lake
from roamstream.lake import TABLES

Land = Callable[..., list[str]]


def count(con: duckdb.DuckDBPyConnection, view: str) -> int:
    return con.execute(f"select count(*) from {view}").fetchall()[0][0]


def column_types(con: duckdb.DuckDBPyConnection, view: str) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in con.execute(f"describe {view}").fetchall()]


ONE_OF_EACH = {
    "meter_values": [transaction_event("e1", "2026-03-01T10:00:00", [sample("2026-03-01T10:00:00", "7.25")])],
    "sessions": [session("S1", "2026-03-01T10:00:00")],
    "cdrs": [cdr("A", "2026-03-01T10:00:00", "1.2345", incl="1.4938")],
    "push_results": [push_result("A", 1, ok=True, code=1000, latency=4.0)],
    "partner_statements": [statement_line("A", "1.2345")],
    "deadletter": [dead_letter("bad", occurred_at="2026-03-01T10:00:00")],
    "station_events": [station_event("CP-1", "2026-03-01T10:00:00")],
}


def test_a_path_that_does_not_exist_or_holds_no_lake_is_refused_naming_it(tmp_path: Path, land: Land,
                                                                        lake: Path) -> None:
    with pytest.raises(LakeNotFoundError, match="nothing-here: the path does not exist"):
        open_lake(str(tmp_path / "nothing-here"))
    (tmp_path / "not-a-lake").mkdir()
    (tmp_path / "not-a-lake" / "notes.txt").write_text("hello")
    with pytest.raises(LakeNotFoundError, match="not-a-lake: none of the lake's tables"):
        open_lake(str(tmp_path / "not-a-lake"))
    land("cdrs", ONE_OF_EACH["cdrs"])
    assert count(open_lake(str(lake)), "cdrs") == 1


def test_an_empty_lake_has_every_view_empty_and_typed_like_a_full_one(
    tmp_path: Path, land: Land, lake: Path
) -> None:
    empty = open_lake(str(tmp_path / "nothing-here"), must_exist=False)
    assert all(count(empty, view) == 0 for view in VIEWS)
    for table, records in ONE_OF_EACH.items():
        land(table, records)
    full = open_lake(str(lake))
    for view in VIEWS:
        assert column_types(empty, view) == column_types(full, view), view
    assert ("total_cost_excl_vat", "DECIMAL(18,4)") in column_types(empty, "cdrs")
    assert ("value", "DECIMAL(38,9)") in column_types(empty, "meter_values")
    assert ("dt", "DATE") in column_types(empty, "push_results")
    assert ("end_date_time", "TIMESTAMP WITH TIME ZONE") in column_types(empty, "cdrs")


def test_a_lake_with_some_tables_empty_opens(land: Land, lake: Path) -> None:
    land("cdrs", ONE_OF_EACH["cdrs"])
    con = open_lake(str(lake))
    assert count(con, "cdrs") == 1 and count(con, "push_results") == 0


def test_values_read_back_exactly(land: Land, lake: Path) -> None:
    for table, records in ONE_OF_EACH.items():
        land(table, records)
    con = open_lake(str(lake))
    assert con.execute(
        "select cdr_id, total_cost_excl_vat, total_cost_incl_vat, dt::varchar from cdrs"
    ).fetchall() == [("A", Decimal("1.2345"), Decimal("1.4938"), "2026-03-01")]
    assert con.execute("select value, measurand from meter_values").fetchall() == [
        (Decimal("7.25"), "Energy.Active.Import.Register")
    ]


def test_records_landed_twice_in_different_files_are_counted_once(land: Land, lake: Path) -> None:
    twice = {
        "meter_values": [
            transaction_event(
                "e1",
                "2026-03-01T10:00:00",
                [sample("2026-03-01T10:00:00", "1"), sample("2026-03-01T10:01:00", "2")],
            )
        ],
        "sessions": [session("S1", "2026-03-01T10:00:00"), session("S1", "2026-03-01T10:05:00", kwh="2")],
        "cdrs": [cdr("A", "2026-03-01T10:00:00", "1"), cdr("B", "2026-03-01T11:00:00", "2")],
        "push_results": [
            push_result("A", 1, ok=False, code=None, latency=None),
            push_result("A", 2, ok=True, code=1000, latency=3.0),
        ],
        "partner_statements": [statement_line("A", "1"), statement_line("A", "1", statement_id="ST-2")],
        "deadletter": [
            dead_letter("bad", occurred_at="2026-03-01T10:00:00", offset=1),
            dead_letter("bad", occurred_at="2026-03-01T10:00:00", offset=2),
        ],
        "station_events": [
            station_event("CP-1", "2026-03-01T10:00:00"),
            station_event("CP-2", "2026-03-01T10:00:00"),
        ],
    }
    for table, records in twice.items():
        land(table, records)
        land(table, records[:1])  # a replay cut at other offsets: the first record in a second file
    con = open_lake(str(lake))
    for table, records in twice.items():
        assert count(con, f"stg_{table}") == len(TABLES[table].rows(records[0])) + sum(
            len(TABLES[table].rows(r)) for r in records
        ), table
        expected = sum(len(TABLES[table].rows(r)) for r in records)
        assert count(con, table) == expected, table


def test_sessions_current_is_the_latest_snapshot(land: Land, lake: Path) -> None:
    land(
        "sessions",
        [
            session("S1", "2026-03-01T10:00:00", kwh="1"),
            session("S1", "2026-03-01T10:05:00", kwh="2", status="COMPLETED"),
            session("S2", "2026-03-01T09:00:00", kwh="5"),
        ],
    )
    con = open_lake(str(lake))
    assert count(con, "sessions") == 3
    assert con.execute(
        "select session_id, status, energy_kwh from sessions_current order by 1"
    ).fetchall() == [("S1", "COMPLETED", Decimal("2")), ("S2", "ACTIVE", Decimal("5"))]


def test_files_landed_after_opening_are_seen(land: Land, lake: Path) -> None:
    land("cdrs", [cdr("A", "2026-03-01T10:00:00", "1")])
    con = open_lake(str(lake))
    land("cdrs", [cdr("B", "2026-03-09T10:00:00", "1")])
    assert count(con, "cdrs") == 2


def test_reopening_on_the_same_connection_refreshes_tables_that_were_empty(land: Land, lake: Path) -> None:
    con = open_lake(str(lake), must_exist=False)
    land("push_results", [push_result("A", 1, ok=True, code=1000, latency=1.0)])
    assert count(con, "push_results") == 0
    assert open_lake(str(lake), connection=con) is con
    assert count(con, "push_results") == 1


def test_a_lake_path_with_quotes_needs_no_escaping(tmp_path: Path) -> None:
    from roamstream.lake import write_batch

    odd = tmp_path / 'it\'s a "lake"'
    write_batch(str(odd), "cdrs", 0, 0, 0, [cdr("A", "2026-03-01T10:00:00", "1")])
    assert count(open_lake(str(odd)), "cdrs") == 1


def test_queries_are_loaded_by_name_only() -> None:
    assert load("report_settlement").rstrip().endswith("order by partner, currency, period_start")
    with pytest.raises(UnknownQueryError):
        load("../lake/tables")
    with pytest.raises(UnknownQueryError):
        load("no_such_query")


def test_a_file_that_is_not_parquet_is_a_typed_error_naming_it(lake: Path) -> None:
    from analytics import LakeOpenError

    broken = lake / "cdrs" / "dt=2026-03-01" / "part-0-1-1.parquet"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"not parquet")
    with pytest.raises(LakeOpenError, match="part-0-1-1.parquet"):
        open_lake(str(lake))


def test_a_report_can_open_only_the_views_it_reads(land: Land, lake: Path) -> None:
    land("cdrs", ONE_OF_EACH["cdrs"])
    land("push_results", ONE_OF_EACH["push_results"])
    con = open_lake(str(lake), only=("report_settlement",))
    views = {row[0] for row in con.execute("select view_name from duckdb_views() where not internal").fetchall()}
    assert {"cdrs", "stg_cdrs", "raw_cdrs", "stg_cdrs_compacted"} <= views
    assert "push_results" not in views and "sessions" not in views
    assert count(con, "cdrs") == 1
def test_files_landed_before_a_column_was_added_still_read(lake: Path) -> None:
    """Dead letters landed before ``letter_id`` existed (schema history) read with it null, deduplicated as
    they were then."""
    import pyarrow.parquet as pq

    from roamstream.lake import write_batch

    [path] = write_batch(str(lake), "deadletter", 0, 1, 2, [dead_letter("bad", occurred_at="2026-03-01T10:00:00")] * 2)
    old = pq.read_table(path).drop_columns(["letter_id"])
    pq.write_table(old, path)
    assert "letter_id" not in pq.read_schema(path).names
    con = open_lake(str(lake))
    assert con.execute("select count(*), count(letter_id) from stg_deadletter").fetchall() == [(2, 0)]
    assert count(con, "deadletter") == 1
