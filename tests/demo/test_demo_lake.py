"""The demo's lake: its own directory, never a lake it did not create."""

from __future__ import annotations

from pathlib import Path

import pytest

from roamstream.demo.run import DEMO_MARKER, DemoError, prepare_lake


def test_an_absent_directory_is_created_and_marked_as_the_demos(tmp_path: Path) -> None:
    lake = tmp_path / "demo-lake"
    prepare_lake(lake, fresh=False)
    assert (lake / DEMO_MARKER).is_file()


def test_a_non_empty_lake_is_refused_without_fresh(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    prepare_lake(lake, fresh=False)
    (lake / "cdrs").mkdir()
    with pytest.raises(DemoError, match="is not empty: pass --fresh"):
        prepare_lake(lake, fresh=False)
    assert (lake / "cdrs").is_dir()


def test_fresh_clears_only_an_earlier_demos_table_folders(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    prepare_lake(lake, fresh=False)
    (lake / "cdrs" / "dt=2026-11-02").mkdir(parents=True)
    (lake / "my-notes.txt").write_text("keep me")
    prepare_lake(lake, fresh=True)
    assert not (lake / "cdrs").exists()
    assert (lake / "my-notes.txt").read_text() == "keep me"


def test_fresh_never_deletes_a_lake_the_demo_did_not_create(tmp_path: Path) -> None:
    lake = tmp_path / "production-lake"
    (lake / "partner_statements" / "dt=2026-10-31").mkdir(parents=True)
    with pytest.raises(DemoError, match="was not created by the demo"):
        prepare_lake(lake, fresh=True)
    assert (lake / "partner_statements" / "dt=2026-10-31").is_dir()
