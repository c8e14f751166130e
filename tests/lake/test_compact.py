"""Compaction: closed days rewritten into one deduplicated file; the views read the same before and after."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from lake.records import cdr, dead_letter, push_result, session, statement_line

from analytics import open_lake
from roamstream.lake import TABLES, write_batch
from roamstream.lake.compact import compact_lake, compacted_name

COMPACTED = compacted_name(TABLES["cdrs"])

VIEWS = ("cdrs", "sessions", "push_results", "partner_statements", "deadletter")


def snapshot(lake: Path) -> dict[str, list[tuple]]:
    """Every view's rows (without the file they came from), sorted."""
    con = open_lake(str(lake))
    return {view: sorted(con.execute(f"select * exclude (source_file) from {view}").fetchall(), key=repr)
            for view in VIEWS}


def files(lake: Path, table: str, day: str) -> list[str]:
    return sorted(p.name for p in (lake / table / f"dt={day}").glob("*.parquet"))


@pytest.fixture
def landed(lake: Path) -> Path:
    first = [cdr("A", "2026-03-01T10:00:00", "1.0000"), cdr("B", "2026-03-01T11:00:00", "2.0000"),
             cdr("C", "2026-03-02T10:00:00", "3.0000"), cdr("D", "2026-03-05T10:00:00", "4.0000")]
    write_batch(str(lake), "cdrs", 0, 0, 3, first)
    # a replay cut at other offsets lands A and C again; B comes again with a later last_updated
    again = [first[0], {**first[1], "total_cost_excl_vat": first[1]["total_cost_excl_vat"] + 1,
                        "last_updated": first[1]["last_updated"].replace(hour=12)}, first[2]]
    write_batch(str(lake), "cdrs", 0, 1, 3, again)
    write_batch(str(lake), "cdrs", 1, 0, 0, [cdr("E", "2026-03-01T09:00:00", "5.0000", credit=True)])
    write_batch(str(lake), "sessions", 0, 0, 1, [session("S1", "2026-03-01T10:00:00")] * 2)
    pushes = [push_result("A", 1, ok=True, code=1000, latency=1.0)]
    write_batch(str(lake), "push_results", 0, 0, 0, pushes)
    write_batch(str(lake), "push_results", 0, 0, 1, pushes + [push_result("B", 1, ok=False, code=None,
                                                                          latency=None, error="timeout")])
    lines = [statement_line("A", "1.0000"), statement_line("B", "3.0000")]
    write_batch(str(lake), "partner_statements", 0, 0, 1, lines)
    write_batch(str(lake), "partner_statements", 0, 1, 1, lines[1:])
    dead = [dead_letter("bad", occurred_at="2026-03-01T10:00:00")]
    write_batch(str(lake), "deadletter", 0, 0, 0, dead)
    write_batch(str(lake), "deadletter", 0, 0, 1, dead * 2)
    return lake


def test_closed_days_become_one_file_and_the_views_read_exactly_the_same(landed: Path) -> None:
    before = snapshot(landed)
    done = list(compact_lake(str(landed), before=date(2026, 3, 5)))
    assert {(c.table, c.day) for c in done} == {
        ("cdrs", date(2026, 3, 1)), ("cdrs", date(2026, 3, 2)), ("sessions", date(2026, 3, 1)),
        ("push_results", date(2026, 3, 1)), ("partner_statements", date(2026, 3, 31)),
        ("deadletter", date(2026, 3, 1)),
    } - {("partner_statements", date(2026, 3, 31))}  # period_end is after --before
    [march_1] = [c for c in done if (c.table, c.day) == ("cdrs", date(2026, 3, 1))]
    assert (march_1.files, march_1.rows_read, march_1.rows_kept) == (3, 5, 3)  # A, B twice; E
    assert files(landed, "cdrs", "2026-03-01") == [COMPACTED]
    assert len(files(landed, "cdrs", "2026-03-05")) == 1 and files(landed, "cdrs", "2026-03-05") != [COMPACTED]
    assert snapshot(landed) == before
    con = open_lake(str(landed))
    assert con.execute("select total_cost_excl_vat from cdrs where cdr_id = 'B'").fetchone()[0] == 3
    assert list(compact_lake(str(landed), before=date(2026, 3, 5))) == []  # nothing left to do


def test_a_copy_landed_into_a_compacted_day_is_still_read_once_and_folded_in_next_time(landed: Path) -> None:
    list(compact_lake(str(landed), before=date(2026, 3, 5)))
    before = snapshot(landed)
    write_batch(str(landed), "cdrs", 2, 0, 1, [cdr("A", "2026-03-01T10:00:00", "1.0000"),
                                               cdr("F", "2026-03-01T13:00:00", "6.0000")])
    after = snapshot(landed)
    assert len(after["cdrs"]) == len(before["cdrs"]) + 1  # F is new, A is a copy
    [again] = list(compact_lake(str(landed), tables=["cdrs"], before=date(2026, 3, 5)))
    assert (again.files, again.rows_read, again.rows_kept) == (2, 5, 4)
    assert snapshot(landed) == after


def test_without_before_the_newest_two_days_stay_open(landed: Path) -> None:
    done = {(c.table, c.day) for c in compact_lake(str(landed), tables=["cdrs"])}
    assert done == {("cdrs", date(2026, 3, 1))}


def test_older_files_without_a_newer_column_are_compacted_with_it_null(landed: Path, lake: Path) -> None:
    [written] = write_batch(str(lake), "cdrs", 3, 0, 0, [cdr("OLD", "2026-02-27T10:00:00", "1.0000")])
    folder = Path(written).parent
    pq.write_table(pq.read_table(written).drop_columns(["credit_reference_id"]), written)
    before = snapshot(lake)
    list(compact_lake(str(lake), tables=["cdrs"], before=date(2026, 2, 28)))
    compacted = pq.read_table(folder / COMPACTED)
    assert compacted.schema.field("credit_reference_id").type == pa.string()
    assert compacted["credit_reference_id"].null_count == 1
    assert snapshot(lake) == before


def test_a_day_compacted_in_an_older_schema_still_reads_with_the_new_column_null(landed: Path, lake: Path) -> None:
    list(compact_lake(str(landed), tables=["cdrs"], before=date(2026, 3, 5)))
    folder = lake / "cdrs" / "dt=2026-03-02"
    older = pq.read_table(folder / COMPACTED).drop_columns(["tariff_id"])
    (folder / COMPACTED).unlink()
    pq.write_table(older, folder / "compacted-0123456789abcdef.parquet")
    con = open_lake(str(lake))
    assert con.execute("select cdr_id, tariff_id from cdrs where dt = '2026-03-02'").fetchall() == [("C", None)]
    assert con.execute("select count(*) from cdrs").fetchone()[0] == 5
