"""Run a marimo notebook of analytics/notebooks headless, as a script, and find its charts."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

NOTEBOOKS = Path(__file__).resolve().parents[2] / "analytics" / "notebooks"


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.py"))


def run_notebook(path: Path, lake: str) -> tuple[list[Any], dict[str, Any]]:
    """Every cell run (a failing cell raises), the lake given in place of the ``lake_uri`` cell."""
    spec = importlib.util.spec_from_file_location(f"notebook_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    outputs, defs = module.app.run(defs={"lake_uri": lake})
    return list(outputs), dict(defs)


def cells(path: Path) -> int:
    return path.read_text().count("@app.cell")


def charts(defs: dict[str, Any]) -> dict[str, alt.TopLevelMixin]:
    return {name: value for name, value in defs.items() if isinstance(value, alt.TopLevelMixin)}


def chart_rows(chart: alt.TopLevelMixin) -> int:
    """Rows of the chart's data (a layered or concatenated chart: of each part, the least)."""
    parts = [getattr(chart, attr) for attr in ("layer", "hconcat", "vconcat", "concat")
             if getattr(chart, attr, alt.Undefined) is not alt.Undefined]
    if parts:
        return min(chart_rows(p) for group in parts for p in group)
    assert isinstance(chart.data, pd.DataFrame), type(chart.data)
    return len(chart.data)
