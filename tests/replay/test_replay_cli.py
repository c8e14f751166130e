"""``roamstream replay``: on its own embedded broker, a recording in, one CDR per session out (sorted JSON
Lines), the replay's topics landed in the lake given."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from typer.testing import CliRunner

from roamstream.cli import app
from roamstream.replay import Recording, read_recording, write_recording

RECORDING = Path(__file__).parent / "data" / "recording.jsonl.gz"
FLEET = "R201-ALL-"  # 3 stations x 8 sessions, 2.0.1 with every fault


def one_fleet(path: Path) -> int:
    """The checked-in recording cut to the reference data and one fleet's stations; its session count."""
    full = read_recording(RECORDING)
    kept = tuple(r for r in full.records if r.topic.startswith("ocpi.") or r.key.decode().startswith(FLEET))
    sessions = 3 * 8
    write_recording(path, Recording(kept, sessions, {}, full.version))  # version 1: the CLI upgrades it
    return sessions


def test_help_names_the_input_the_outputs_and_the_recorder():
    result = CliRunner().invoke(app, ["replay", "--help"])
    assert result.exit_code == 0
    for option in ("--input", "--out", "--lake", "--expect", "--timeout", "roamstream.replay.record"):
        assert option in result.output


def test_a_file_that_is_not_a_recording_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(b"not gzip")
    result = CliRunner().invoke(app, ["replay", "--input", str(bad)])
    assert result.exit_code == 2 and "cannot read recording" in result.output


@pytest.mark.integration
def test_replay_writes_one_cdr_per_session_sorted_and_lands_the_lake(tmp_path, monkeypatch):
    monkeypatch.setenv("ROAMSTREAM_PROFILE", "embedded")
    recording = tmp_path / "fleet.jsonl.gz"
    sessions = one_fleet(recording)
    out, lake = tmp_path / "cdrs.jsonl", tmp_path / "lake"
    result = CliRunner().invoke(app, ["replay", "--input", str(recording), "--out", str(out), "--lake", str(lake)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert len(ids) == sessions and ids == sorted(ids) and all(i.startswith(FLEET) for i in ids)
    landed = ds.dataset(lake / "cdrs", format="parquet", partitioning="hive").to_table(columns=["id"])
    assert sorted(set(landed.column("id").to_pylist())) == ids
