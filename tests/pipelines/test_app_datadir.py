"""The worker's faust data directory is ``PIPELINE_DATADIR/<app id>``, never a ``<app id>-data`` beside the
user's working directory (faust's default, which every test run used to leave in the repository)."""

from __future__ import annotations

from pathlib import Path

from pipelines.app import create_app
from roamstream.config import Settings


def test_the_faust_data_directory_is_under_the_datadir_setting(tmp_path: Path, monkeypatch) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    settings = Settings()
    settings = settings.model_copy(update={"pipeline": settings.pipeline.model_copy(
        update={"app_id": "t{0}.roamstream", "datadir": tmp_path / "faust"})})
    app = create_app(settings)
    assert app.conf.datadir == tmp_path / "faust" / "t{0}.roamstream"  # braces kept, not formatted by faust
    assert app.conf.tabledir.is_relative_to(tmp_path / "faust" / "t{0}.roamstream")
    assert list(cwd.iterdir()) == []


def test_the_default_datadir_is_the_ignored_data_folder() -> None:
    app = create_app(Settings())
    assert app.conf.datadir == Path("data/faust/roamstream")
