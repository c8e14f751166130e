"""Report results for people (rich tables) and machines (JSON, CSV with exact decimal strings)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from analytics.lake import open_lake
from analytics.reports import Result, settlement


def to_table(title: str, result: Result) -> Table:
    """A rich table; numbers right-aligned."""
    table = Table(title=title)
    for index, column in enumerate(result.columns):
        numeric = any(
            isinstance(row[index], int | float | Decimal) and not isinstance(row[index], bool)
            for row in result.rows
        )
        table.add_column(column, justify="right" if numeric else "left")
    for row in result.rows:
        table.add_row(*("" if value is None else text(value) for value in row))
    return table


def print_table(console: Console, table: Table) -> None:
    """Print at the table's natural width even on a narrower console: wrapped lines lose nothing, while a
    squeezed table would cut values short."""
    natural = Measurement.get(console, console.options.update_width(10_000), table).maximum
    narrower = console.width
    console.width = max(narrower, natural)
    try:
        console.print(table, crop=False)
    finally:
        console.width = narrower


def to_json(result: Result) -> str:
    """A JSON list of objects: decimals as exact strings, ISO dates and times, numbers and booleans as is."""
    return json.dumps(
        [{c: _json_value(v) for c, v in record.items()} for record in result.records()], indent=2
    )


def to_csv(result: Result) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([["" if value is None else text(value) for value in row] for row in result.rows])
    return out.getvalue()


def render_settlement(lake_uri: str, *, console: Console) -> None:
    """The settlement report of the whole lake, per month, as a table on ``console``."""
    with open_lake(lake_uri, only=("report_settlement",)) as con:
        result = settlement(con, group_by="month")
    print_table(console, to_table("Settlement", result))


def text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple | dict):
        return json.dumps(_json_value(value))
    return str(value)


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return text(value)
