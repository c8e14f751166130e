"""``roamstream report settlement|reconciliation|push-health``: reports over the lake.

Tables for people (rich); ``--format json|csv`` for machines, with decimals as exact strings.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from roamstream.config import Settings
from roamstream.exceptions import RoamstreamError

if TYPE_CHECKING:
    import duckdb

    from analytics.reports import Result

app = typer.Typer(
    help="Reports over the lake: settlement, reconciliation, push health, partner statements.", no_args_is_help=True
)


#: exit status when the lake path does not exist or holds no lake (a typo must not read as "no revenue")
NO_LAKE = 2


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


LakeOption = Annotated[
    str | None, typer.Option("--lake", help="lake directory or s3:// URI (default: LAKE_URI)")
]
FormatOption = Annotated[Format, typer.Option("--format", help="table for people; json or csv for machines")]
FromOption = Annotated[
    datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="first day, inclusive (UTC)")
]
ToOption = Annotated[
    datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="last day, inclusive (UTC)")
]


class GroupBy(StrEnum):
    day = "day"
    month = "month"


@app.command()
def settlement(
    lake: LakeOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    group_by: Annotated[
        GroupBy, typer.Option("--group-by", help="one row per day or per month")
    ] = GroupBy.day,
    output: FormatOption = Format.table,
) -> None:
    """Per partner, currency and period: sessions (credits netted), energy, totals excl. and incl. VAT."""
    from analytics import reports

    run_and_emit(
        "Settlement",
        lake,
        lambda con: reports.settlement(
            con, date_from=_day(date_from), date_to=_day(date_to), group_by=group_by.value
        ),
        output,
        reads=("report_settlement",),
    )


@app.command()
def reconciliation(
    lake: LakeOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    lines: Annotated[bool, typer.Option("--lines", help="list the CDRs that need attention instead")] = False,
    output: FormatOption = Format.table,
) -> None:
    """Our CDRs against partners' statements (matched, missing, amount differences) and push acks."""
    from analytics import reports

    query = reports.reconciliation_lines if lines else reports.reconciliation
    title = "Reconciliation: lines needing attention" if lines else "Reconciliation"
    run_and_emit(
        title,
        lake,
        lambda con: query(con, date_from=_day(date_from), date_to=_day(date_to)),
        output,
        reads=("report_reconciliation_lines" if lines else "report_reconciliation",),
    )


@app.command("push-health")
def push_health(
    lake: LakeOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    output: FormatOption = Format.table,
) -> None:
    """Per partner and module: attempts, success rate, p50/p95 latency, last error."""
    from analytics import reports

    run_and_emit(
        "Push health",
        lake,
        lambda con: reports.push_health(con, date_from=_day(date_from), date_to=_day(date_to)),
        output,
        reads=("report_push_health",),
    )


def run_and_emit(
    title: str,
    lake: str | None,
    query: Callable[[duckdb.DuckDBPyConnection], Result],
    output: Format,
    reads: tuple[str, ...] | None = None,
) -> None:
    """Open the lake (``--lake`` or the settings' ``LAKE_URI``), run ``query``, print its result.

    ``reads``: the named queries ``query`` runs, so that only the views they read are opened.
    """
    from analytics import LakeNotFoundError, open_lake

    lake_uri = lake if lake is not None else Settings().lake.uri
    try:
        with open_lake(lake_uri, only=reads) as con:
            result = query(con)
    except LakeNotFoundError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(NO_LAKE) from exc
    except RoamstreamError as exc:
        Console(stderr=True).print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    emit(title, result, output)


def emit(title: str, result: Result, output: Format) -> None:
    from analytics.cli_render import print_table, to_csv, to_json, to_table

    if output is Format.json:
        sys.stdout.write(to_json(result) + "\n")
    elif output is Format.csv:
        sys.stdout.write(to_csv(result))
    else:
        print_table(Console(), to_table(title, result))


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment is not None else None


@app.command()
def statement(
    partner: Annotated[str, typer.Option("--partner", help="the eMSP as CC-PID, e.g. NL-EMA")],
    month: Annotated[str, typer.Option("--month", help="YYYY-MM: CDRs that ended in that month (UTC)")],
    lake: LakeOption = None,
    out: Annotated[Path, typer.Option("--out", help="folder for the CSV and HTML files")] = Path("data/statements"),
) -> None:
    """A partner's settlement statement for a month, to send them: OUT/statement-<partner>-<month>.csv (a line
    per CDR) and .html (printable), amounts rounded per line to cents, totals the sums of the lines."""
    from analytics import LakeNotFoundError, open_lake
    from analytics.statement import month_of, partner_statement, statement_csv, statement_html

    settings = Settings()
    lake_uri = lake if lake is not None else settings.lake.uri
    errors = Console(stderr=True, soft_wrap=True)
    cpo = f"{settings.pipeline.country_code}-{settings.pipeline.party_id}"
    try:
        first = month_of(month)
        with open_lake(lake_uri, only=("report_partner_statement",)) as con:
            found = partner_statement(con, cpo, partner, first)
    except LakeNotFoundError as exc:
        errors.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(NO_LAKE) from exc
    except RoamstreamError as exc:
        errors.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from exc
    if not found.lines.rows:
        errors.print(f"no CDR of {escape(partner)} ended in {first:%Y-%m} (UTC) in the lake at {escape(lake_uri)}")
        raise typer.Exit(1)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"statement-{partner}-{first:%Y-%m}"
    stem.with_suffix(".csv").write_text(statement_csv(found), encoding="utf-8")
    stem.with_suffix(".html").write_text(statement_html(found), encoding="utf-8")
    totals = found.totals()
    Console().print(
        f"{partner} {first:%Y-%m}: {totals['cdrs']} CDRs, {totals['credits']} credits, "
        f"{totals['excl_vat']} {totals['currency']} excl. VAT → {stem}.csv, {stem}.html"
    )
