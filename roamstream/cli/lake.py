"""``roamstream lake tables|sql|compact``: what the lake holds, ad-hoc queries against its views, compaction."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from roamstream.cli.report import NO_LAKE, Format, FormatOption, LakeOption, emit, run_and_emit
from roamstream.config import Settings
from roamstream.exceptions import RoamstreamError

app = typer.Typer(help="Look into the Parquet lake through its DuckDB views.", no_args_is_help=True)


@app.command()
def tables(lake: LakeOption = None, output: FormatOption = Format.table) -> None:
    """Per table: files, rows as landed, rows after deduplication, first and last dt."""
    from analytics import reports

    run_and_emit("Lake tables", lake, reports.lake_tables, output)


@app.command()
def sql(
    query: Annotated[
        str, typer.Argument(help="a query against the views, e.g. 'select * from cdrs limit 5'")
    ],
    lake: LakeOption = None,
    output: FormatOption = Format.table,
) -> None:
    """Run a query against the lake's views (see analytics/README.md) and print the result."""
    from analytics import reports

    run_and_emit("Query", lake, lambda con: reports.sql(con, query), output)


@app.command()
def compact(
    lake: LakeOption = None,
    before: Annotated[
        datetime | None,
        typer.Option("--before", formats=["%Y-%m-%d"], help="compact days before this one (default: all but "
                     "each table's newest two days)"),
    ] = None,
    table: Annotated[list[str] | None, typer.Option("--table", help="only this table (repeatable)")] = None,
    output: FormatOption = Format.table,
) -> None:
    """Rewrite closed days into one deduplicated file each (atomically; no record is ever lost), so that
    reports read deduplicated data directly."""
    from analytics.exceptions import LakeNotFoundError
    from analytics.lake import check_lake
    from analytics.reports import Result
    from roamstream.lake.compact import compact_lake

    lake_uri = lake if lake is not None else Settings().lake.uri
    errors = Console(stderr=True, soft_wrap=True)
    try:
        check_lake(lake_uri)
        done = list(compact_lake(lake_uri, tables=table, before=before.date() if before else None))
    except RoamstreamError as exc:
        errors.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(NO_LAKE if isinstance(exc, LakeNotFoundError) else 1) from exc
    columns = ["table_name", "day", "files", "rows_read", "rows_kept"]
    rows = [(c.table, c.day, c.files, c.rows_read, c.rows_kept) for c in done]
    emit("Compacted days", Result(columns, rows), output)
