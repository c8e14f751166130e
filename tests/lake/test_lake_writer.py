from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from lake.records import (
    cdr,
    dead_letter,
    location_object,
    push_result,
    sample,
    session,
    statement_line,
    station_event,
    tariff_object,
    token_object,
    transaction_event,
    ts,
)

from roamstream.avro import AvroSerde
from roamstream.config import LakeSettings
from roamstream.lake import (
    TABLES,
    LakeError,
    LakeRecordError,
    UnknownTableError,
    file_name,
    lake_filesystem,
    write_batch,
)
from roamstream.topics import spec as topic_spec


def files(lake: Path) -> list[str]:
    return sorted(str(p.relative_to(lake)) for p in lake.rglob("*") if p.is_file())


def rows(path: str) -> list[dict]:
    return pq.read_table(path).to_pylist()


def test_file_names_carry_partition_and_zero_padded_offsets_so_they_sort() -> None:
    assert file_name(3, 5, 12) == "part-3-00000000000000000005-00000000000000000012.parquet"
    names = [file_name(0, first, first + 9) for first in (990, 10, 100, 0)]
    assert sorted(names) == [file_name(0, first, first + 9) for first in (0, 10, 100, 990)]


def test_writes_one_file_per_utc_event_date(lake: Path) -> None:
    records = [
        cdr("A", "2026-03-01T10:00:00", "1"),
        cdr("B", "2026-03-02T01:30:00+02:00", "2"),  # 2026-03-01T23:30Z: still the 1st in UTC
        cdr("C", "2026-03-02T00:00:00", "3"),
    ]
    written = write_batch(str(lake), "cdrs", 2, 40, 42, records)
    name = "part-2-00000000000000000040-00000000000000000042.parquet"
    assert written == [f"{lake}/cdrs/dt=2026-03-01/{name}", f"{lake}/cdrs/dt=2026-03-02/{name}"]
    assert files(lake) == [f"cdrs/dt=2026-03-01/{name}", f"cdrs/dt=2026-03-02/{name}"]
    assert [r["id"] for r in rows(written[0])] == ["A", "B"]
    assert rows(written[0])[1]["end_date_time"] == ts("2026-03-01T23:30:00")  # the same instant, in UTC
    assert [r["id"] for r in rows(written[1])] == ["C"]


def test_replaying_the_same_offsets_overwrites_and_never_duplicates(lake: Path) -> None:
    records = [cdr("A", "2026-03-01T10:00:00", "1"), cdr("B", "2026-03-05T10:00:00", "2")]
    first = write_batch(str(lake), "cdrs", 0, 0, 1, records)
    again = write_batch(str(lake), "cdrs", 0, 0, 1, records)
    assert first == again
    assert len(files(lake)) == 2  # no leftover temporary files either
    glob = f"{lake}/cdrs/*/*.parquet"
    assert duckdb.connect().execute("select count(*) from read_parquet(?)", [glob]).fetchall() == [(2,)]


def test_same_input_gives_identical_bytes(tmp_path: Path) -> None:
    records = [transaction_event("e1", "2026-03-01T10:00:00", [sample("2026-03-01T10:00:00", "1000.5")])]
    one = write_batch(str(tmp_path / "one"), "meter_values", 1, 7, 7, records)
    two = write_batch(str(tmp_path / "two"), "meter_values", 1, 7, 7, records)
    assert Path(one[0]).read_bytes() == Path(two[0]).read_bytes()


def test_decimals_land_exactly_and_are_read_back_by_duckdb_exactly(lake: Path) -> None:
    records = [
        cdr("A", "2026-03-01T10:00:00", "12345678901234.5678", incl="0.0001", energy="0.0003"),
        cdr("B", "2026-03-01T11:00:00", "0.1", incl=None, energy="99999999999999.9999"),
    ]
    [path] = write_batch(str(lake), "cdrs", 0, 0, 1, records)
    got = (
        duckdb.connect()
        .execute(
            "select total_cost_excl_vat, total_cost_incl_vat, total_energy, typeof(total_cost_excl_vat) "
            "from read_parquet(?) order by id",
            [path],
        )
        .fetchall()
    )
    assert got == [
        (Decimal("12345678901234.5678"), Decimal("0.0001"), Decimal("0.0003"), "DECIMAL(18,4)"),
        (Decimal("0.1"), None, Decimal("99999999999999.9999"), "DECIMAL(18,4)"),
    ]


def test_meter_values_are_one_row_per_sample_partitioned_by_sample_time(lake: Path) -> None:
    event = transaction_event(
        "e1",
        "2026-03-02T00:00:05",
        [
            sample("2026-03-01T23:59:59", "123456.123456789"),
            sample("2026-03-02T00:00:01", "-3.5", measurand="Current.Import", unit="A", phase="L1"),
        ],
        flags=["unit-missing"],
    )
    no_samples = transaction_event("e2", "2026-03-02T00:00:06", [])
    written = write_batch(str(lake), "meter_values", 0, 10, 11, [event, no_samples])
    assert [Path(p).parent.name for p in written] == ["dt=2026-03-01", "dt=2026-03-02"]
    [late], [early] = rows(written[0]), rows(written[1])
    assert (late["event_id"], late["sample_index"], late["value"]) == ("e1", 0, Decimal("123456.123456789"))
    assert (early["sample_index"], early["value"], early["unit"], early["phase"]) == (
        1,
        Decimal("-3.5"),
        "A",
        "L1",
    )
    assert (
        early["flags"] == ["unit-missing"] and early["transaction_id"] == "42" and early["kind"] == "UPDATED"
    )


@pytest.mark.parametrize("value", ["0.0000000001", "NaN", "12 kWh", "1" * 30])
def test_a_meter_value_that_cannot_land_exactly_refuses_the_batch(lake: Path, value: str) -> None:
    good = transaction_event("e0", "2026-03-01T10:00:00", [sample("2026-03-01T10:00:00", "1")])
    bad = transaction_event("e1", "2026-03-01T10:00:00", [sample("2026-03-01T10:00:00", value)])
    with pytest.raises(LakeRecordError) as raised:
        write_batch(str(lake), "meter_values", 0, 0, 1, [good, bad])
    assert raised.value.index == 1
    assert not lake.exists()


def test_a_money_value_with_more_than_four_decimals_is_refused_not_rounded(lake: Path) -> None:
    with pytest.raises(LakeRecordError, match="record 1"):
        write_batch(
            str(lake),
            "cdrs",
            0,
            0,
            1,
            [cdr("A", "2026-03-01T10:00:00", "1"), cdr("B", "2026-03-01T10:00:00", "1.00001")],
        )
    assert not lake.exists()


def test_a_missing_required_field_is_refused(lake: Path) -> None:
    record = cdr("A", "2026-03-01T10:00:00", "1", partner=None)
    with pytest.raises(LakeRecordError, match="partner"):
        write_batch(str(lake), "cdrs", 0, 0, 0, [record])


def test_each_table_partitions_by_its_own_event_time(lake: Path) -> None:
    cases = {
        "sessions": session("S1", "2026-04-01T08:00:00"),
        "push_results": push_result("A", 1, ok=True, code=1000, latency=12.5, at="2026-04-02T08:00:00"),
        "partner_statements": statement_line("A", "1", period=("2026-03-01", "2026-04-03")),
        "deadletter": dead_letter("bad", occurred_at="2026-09-09T00:00:00", event_time="2026-04-04T08:00:00"),
        "station_events": station_event("CP-1", "2026-04-05T08:00:00"),
    }
    for index, (table, record) in enumerate(cases.items()):
        [path] = write_batch(str(lake), table, 0, index, index, [record])
        assert Path(path).parent.name == f"dt=2026-04-0{index + 1}", table
    [fallback] = write_batch(
        str(lake), "deadletter", 0, 9, 9, [dead_letter("x", occurred_at="2026-05-05T01:00:00")]
    )
    assert Path(fallback).parent.name == "dt=2026-05-05"


def test_records_decoded_from_avro_land_in_every_table(lake: Path) -> None:
    serde = AvroSerde()
    samples = {
        "meter_values": transaction_event("e1", "2026-03-01T10:00:00", [sample("2026-03-01T10:00:00", "5")]),
        "sessions": session("S1", "2026-03-01T10:00:00"),
        "cdrs": cdr("A", "2026-03-01T10:00:00", "1.2345", incl="1.4938"),
        "push_results": push_result("A", 1, ok=True, code=1000, latency=3.0),
        "partner_statements": statement_line("A", "1.2345"),
        "deadletter": dead_letter("bad", occurred_at="2026-03-01T10:00:00"),
        "locations": location_object("LOC-1", "2026-03-01T10:00:00"),
        "tariffs": tariff_object("T-1", "2026-03-01T10:00:00"),
        "tokens": token_object("TOK-1", "2026-03-01T10:00:00"),
        "station_events": station_event("CP-1", "2026-03-01T10:00:00"),
    }
    assert set(samples) == set(TABLES)
    for table, record in samples.items():
        topic = TABLES[table].topic
        schema = topic_spec(topic).schema
        decoded = serde.decode(schema, serde.encode(schema, record))
        [path] = write_batch(str(lake), table, 0, 0, 0, [decoded])
        landed = pq.read_table(path)
        assert landed.schema.equals(TABLES[table].schema), table
        assert landed.num_rows == 1


def test_empty_batch_writes_nothing(lake: Path) -> None:
    assert write_batch(str(lake), "cdrs", 0, 0, 3, []) == []
    assert not lake.exists()


def test_unknown_table_and_bad_offsets_are_typed_errors(lake: Path) -> None:
    with pytest.raises(UnknownTableError):
        write_batch(str(lake), "invoices", 0, 0, 0, [])
    with pytest.raises(LakeError, match="offsets"):
        write_batch(str(lake), "cdrs", 0, 5, 4, [cdr("A", "2026-03-01T10:00:00", "1")])


def test_s3_lakes_get_an_s3_filesystem_from_settings_and_local_lakes_none() -> None:
    assert lake_filesystem(LakeSettings(uri="data/lake")) is None
    s3 = lake_filesystem(
        LakeSettings(
            uri="s3://lake/prefix",
            s3_endpoint="http://127.0.0.1:9000",
            s3_access_key="minio",
            s3_secret_key="minio123",
        )
    )
    assert s3 is not None and s3.type_name == "s3"


def test_a_given_filesystem_gets_the_uri_without_its_scheme(tmp_path: Path) -> None:
    from pyarrow import fs as pafs

    bucket = pafs.SubTreeFileSystem(str(tmp_path), pafs.LocalFileSystem())
    [written] = write_batch(
        "s3://bucket/lake", "cdrs", 1, 0, 0, [cdr("A", "2026-03-01T10:00:00", "1")], filesystem=bucket
    )
    name = "cdrs/dt=2026-03-01/part-1-00000000000000000000-00000000000000000000.parquet"
    assert written == f"s3://bucket/lake/{name}"
    assert files(tmp_path) == [f"bucket/lake/{name}"]


def test_a_failed_write_leaves_no_temporary_file_behind(lake: Path) -> None:
    blocked = lake / "cdrs" / "dt=2026-03-01" / file_name(0, 0, 0)
    (blocked / "in-the-way").mkdir(parents=True)  # a directory where the file must go: the rename fails
    with pytest.raises(OSError):
        write_batch(str(lake), "cdrs", 0, 0, 0, [cdr("A", "2026-03-01T10:00:00", "1")])
    assert files(lake) == []


def test_a_cdr_whose_document_is_not_json_is_refused_for_the_dead_letter_topic(lake: Path) -> None:
    records = [cdr("A", "2026-03-01T10:00:00", "1"), cdr("B", "2026-03-01T10:00:00", "1", ocpi_json="{not json")]
    with pytest.raises(LakeRecordError) as caught:
        write_batch(str(lake), "cdrs", 0, 0, 1, records)
    assert caught.value.index == 1 and "ocpi_json is not JSON" in caught.value.reason
    assert not lake.exists()
