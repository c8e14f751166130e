"""``meter_values`` from both shapes of ``ocpp.events.v1``'s transaction events: the ``TransactionEvent`` of
older data and the ``TransactionEventV2`` producers write (samples in columns) land as the same rows, read
back by DuckDB; columns that do not line up are refused for the dead-letter topic, not landed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from lake.records import sample, transaction_event

from roamstream import event_samples, events
from roamstream.avro import AvroSerde
from roamstream.lake import LakeRecordError, write_batch

SERDE = AvroSerde()
SCHEMA = "ocpp.events.v1"  # what the lake stage decodes with: serde.decode(<the topic's schema>, value)


def batch() -> list[dict]:
    """Meter values of 1.6 and 2.0.1 shape: several station times in one event, phases, nulls, other
    locations, a raw unit and value unlike the normalised ones."""
    return [
        transaction_event("e1", "2026-03-01T10:00:05", [
            sample("2026-03-01T10:00:00", "1000.5"),
            sample("2026-03-01T10:00:00", "11000", "Power.Active.Import", "W", raw_value="11", raw_unit="kW"),
            sample("2026-03-01T10:00:00", "16.2", "Current.Import", "A", phase="L1"),
            sample("2026-03-01T10:00:00", "230.1", "Voltage", "V", phase="L1-N", context=None),
            sample("2026-03-01T10:00:00", "81", "SoC", "%", location="EV", raw_unit="Percent"),
            sample("2026-03-01T23:59:59", "1200", location=None),
        ], flags=["unit-missing"]),
        transaction_event("e2", "2026-03-02T00:00:06", []),
        transaction_event("e3", "2026-03-02T00:00:07", [sample("2026-03-02T00:00:07", "1300", context="Sample.Clock")],
                          kind="ENDED", ocpp_version="2.0.1", evse_id=1, seq_no=4),
    ]


def old_value(record: dict) -> bytes:
    return SERDE.encode(events.TOPIC, (events.TRANSACTION, record))


def test_both_encodings_land_as_the_same_rows_and_the_same_bytes(tmp_path: Path) -> None:
    records = batch()
    new_values = [events.encode(SERDE, r) for r in records]
    assert [v[5] for v in new_values] == [4, 4, 4]  # TransactionEventV2
    old = [SERDE.decode(SCHEMA, old_value(r)) for r in records]
    new = [SERDE.decode(SCHEMA, v) for v in new_values]
    assert "meter_values" in new[0] and "samples" in old[0]
    written_old = write_batch(str(tmp_path / "old"), "meter_values", 0, 0, 2, old)
    written_new = write_batch(str(tmp_path / "new"), "meter_values", 0, 0, 2, new)
    assert [Path(p).read_bytes() for p in written_new] == [Path(p).read_bytes() for p in written_old]

    def landed(lake: str) -> list[tuple]:
        return duckdb.connect().execute(
            "select * from read_parquet(?, hive_partitioning = true) "
            "order by event_id, sample_index", [f"{lake}/meter_values/*/*.parquet"]).fetchall()

    rows = landed(str(tmp_path / "new"))
    assert rows == landed(str(tmp_path / "old"))
    assert len(rows) == 7
    expected = [(s["measurand"], s["unit"], s["raw_value"], s["raw_unit"], s["phase"], s["location"], s["context"])
                for r in records for s in r["samples"]]
    got = duckdb.connect().execute(
        "select measurand, unit, raw_value, raw_unit, phase, location, context "
        "from read_parquet(?) order by event_id, sample_index", [f"{tmp_path}/new/meter_values/*/*.parquet"]
    ).fetchall()
    assert got == expected


def test_a_batch_of_both_encodings_lands_as_one(tmp_path: Path) -> None:
    records = batch()
    mixed = [SERDE.decode(SCHEMA, old_value(records[0])), *(SERDE.decode(SCHEMA, events.encode(SERDE, r))
                                                           for r in records[1:])]
    plain = [SERDE.decode(SCHEMA, old_value(r)) for r in records]
    one = write_batch(str(tmp_path / "mixed"), "meter_values", 0, 0, 2, mixed)
    two = write_batch(str(tmp_path / "plain"), "meter_values", 0, 0, 2, plain)
    assert [Path(p).read_bytes() for p in one] == [Path(p).read_bytes() for p in two]


def test_columns_that_do_not_line_up_are_refused_not_landed(tmp_path: Path) -> None:
    good, bad = batch()[0], batch()[2]
    columns = event_samples.with_columns(bad)
    columns["meter_values"][0]["contexts"] += event_samples.SEP  # two contexts for one sample
    decoded = [SERDE.decode(SCHEMA, events.encode(SERDE, good)),
               SERDE.decode(SCHEMA, SERDE.encode(events.TOPIC, (events.TRANSACTION_V2, columns)))]
    with pytest.raises(LakeRecordError, match="contexts holds 2 samples") as raised:
        write_batch(str(tmp_path / "lake"), "meter_values", 0, 0, 1, decoded)
    assert raised.value.index == 1
