"""The recording file and the golden-file helpers (pure), and what the checked-in recording holds."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from roamstream.avro import AvroSerde
from roamstream.replay import (
    LEGACY_INPUT_TOPICS,
    Record,
    Recording,
    RecordingError,
    diff,
    from_jsonl,
    read_recording,
    to_jsonl,
    write_recording,
)
from roamstream.replay.fixture import FAULTS_16, FAULTS_201, fleets
from roamstream.topics import spec

RECORDING = Path(__file__).parent / "data" / "recording.jsonl.gz"


def test_a_recording_reads_back_as_written_grouped_by_topic_and_partition_in_offset_order(tmp_path):
    records = (
        Record("ocpp.events.v1", 2, 7, b"CP-1", b"\x02s"),
        Record("ocpp.events.v1", 1, 5, b"CP-2", b"\x00\x01late"),
        Record("ocpp.events.v1", 1, 3, b"\xff\xfe", None),
        Record("ocpi.tariffs.v1", 0, 0, b"NL-RST-T1", b"\x00t"),
    )
    path = tmp_path / "r.jsonl.gz"
    write_recording(path, Recording(records, 2, {"note": "x"}))
    back = read_recording(path)
    assert back.sessions == 2 and back.meta == {"note": "x"} and back.version == 2
    assert [(r.topic, r.partition, r.offset) for r in back.records] == [
        ("ocpi.tariffs.v1", 0, 0), ("ocpp.events.v1", 1, 3), ("ocpp.events.v1", 1, 5),
        ("ocpp.events.v1", 2, 7)]
    assert set(back.records) == set(records)  # keys that are not UTF-8 and empty values survive
    first_bytes = path.read_bytes()
    write_recording(path, back)
    assert path.read_bytes() == first_bytes  # same records, same file


@pytest.mark.parametrize("line, message", [
    ({"topic": "ocpi.cdrs.v1", "partition": 0, "key": None, "value": None}, "not an input topic"),
    ({"topic": "ocpi.tariffs.v1", "partition": 1, "key": None, "value": None}, "out of range"),
])
@pytest.mark.parametrize("version", [1, 2])
def test_a_record_outside_the_input_topics_is_refused(tmp_path, line, message, version):
    path = tmp_path / "bad.jsonl.gz"
    with gzip.open(path, "wt") as out:
        out.write(json.dumps({"format": "roamstream.recording", "version": version, "sessions": 0}) + "\n")
        out.write(json.dumps(line) + "\n")
    with pytest.raises(RecordingError, match=message):
        read_recording(path)


def test_a_file_that_is_not_a_recording_is_refused(tmp_path):
    path = tmp_path / "cdrs.jsonl.gz"
    with gzip.open(path, "wt") as out:
        out.write('{"id": "X"}\n')
    with pytest.raises(RecordingError, match="not a roamstream.recording"):
        read_recording(path)
    (tmp_path / "plain.txt").write_text("hello")
    with pytest.raises(RecordingError, match="cannot read"):
        read_recording(tmp_path / "plain.txt")


def test_golden_lines_are_the_exact_texts_sorted_by_id_and_a_diff_names_what_changed():
    cdrs = {"B": '{"id": "B", "total_cost": {"excl_vat": 1.5}}', "A": '{"id": "A"}'}
    text = to_jsonl(cdrs)
    assert text == '{"id": "A"}\n{"id": "B", "total_cost": {"excl_vat": 1.5}}\n'
    assert from_jsonl(text) == cdrs and diff(cdrs, from_jsonl(text)) == ""
    changed = {"B": '{"id": "B", "total_cost": {"excl_vat": 1.6}}', "C": '{"id": "C"}'}
    report = diff(cdrs, changed)
    assert "1 missing, 1 extra, 1 changed" in report and "missing: A" in report and "extra: C" in report
    assert '-  "excl_vat": 1.5' in report and '+  "excl_vat": 1.6' in report  # the changed field, pretty
    notation = diff(cdrs, {**cdrs, "B": '{"id": "B", "total_cost": {"excl_vat": 1.50}}'})
    assert '+{"id": "B", "total_cost": {"excl_vat": 1.50}}' in notation  # same value, other bytes: the texts


def test_a_recording_of_the_older_topics_reads_as_version_1_and_the_newer_topic_is_refused_in_it(tmp_path):
    path = tmp_path / "v1.jsonl.gz"
    write_recording(path, Recording((Record("ocpp.station.v1", 0, 0, b"CP-1", b"\x00s"),), 0, {}, 1))
    assert read_recording(path).version == 1 and read_recording(path).input_topics == LEGACY_INPUT_TOPICS
    with gzip.open(path, "wt") as out:
        out.write(json.dumps({"format": "roamstream.recording", "version": 1, "sessions": 0}) + "\n")
        out.write(json.dumps({"topic": "ocpp.events.v1", "partition": 0, "key": None, "value": None}) + "\n")
    with pytest.raises(RecordingError, match="not an input topic"):
        read_recording(path)


def test_the_checked_in_recording_holds_both_ocpp_versions_every_fault_and_a_few_hundred_sessions():
    """The checked-in recording was made before ``ocpp.events.v1`` (version 1); ``test_legacy`` upgrades it."""
    recording = read_recording(RECORDING)
    assert recording.version == 1
    assert 200 <= recording.sessions <= 1000
    assert RECORDING.stat().st_size < 3_000_000
    counts = recording.by_topic()
    assert set(counts) == set(LEGACY_INPUT_TOPICS) and all(counts.values())
    serde = AvroSerde()
    versions: Counter[str] = Counter()
    stations = set()
    for record in recording.records:
        if record.topic == "ocpp.transaction.v1":
            event = serde.decode(spec(record.topic).schema, record.value)
            versions[event["ocpp_version"]] += 1
            stations.add(event["charge_point_id"])
            assert record.key.decode() == event["charge_point_id"]  # keyed by charge point
    assert set(versions) == {"1.6", "2.0.1"}
    recorded = fleets()
    assert {f.prefix for f in recorded} == {cp[: -len("0001")] for cp in stations}
    assert sum(f.stations * f.sessions for f in recorded) == recording.sessions
    faults = {fault for f in recorded for fault in f.faults}
    assert faults == set(FAULTS_16) | set(FAULTS_201)
