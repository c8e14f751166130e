"""``roamstream lake tables|sql``: what the lake holds, and ad-hoc queries against its views."""

from __future__ import annotations

from typing import Annotated

import typer

from roamstream.cli.report import Format, FormatOption, LakeOption, run_and_emit

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
