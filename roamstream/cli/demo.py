"""``roamstream demo``."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from roamstream.config import Settings

#: the demo's own lake, apart from the ``data/lake`` that ``up`` and ``worker`` use by default
DEMO_LAKE = Path("data/demo-lake")


def demo(
    lake: Annotated[
        Path, typer.Option(help="Where the demo leaves its Parquet lake (its own; not LAKE_URI).")
    ] = DEMO_LAKE,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Replace the lake of an earlier demo run (never another lake).")
    ] = False,
    charge_points: Annotated[
        int, typer.Option(min=1, max=200, help="Simulated charge points, spread over the three sites.")
    ] = 6,
    sessions: Annotated[int, typer.Option(min=1, max=12, help="Sessions per charge point and day.")] = 3,
    days: Annotated[int, typer.Option(min=1, max=366, help="Days of history, ending yesterday.")] = 1,
    until: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="The day after the history (default: today, UTC)."),
    ] = None,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for every CDR to be landed and pushed.")
    ] = 300.0,
    log: Annotated[
        Path | None,
        typer.Option(help="The log file (replaced): every log record; errors are also printed. "
                          "Default: beside the lake, <lake>.log."),
    ] = None,
) -> None:
    """Run the main job on the embedded stack: days of simulated charging at three sites to priced, pushed,
    landed CDRs and partner statements, then print the settlement report."""
    from analytics.cli_render import render_settlement
    from roamstream.cli.logs import log_to_file
    from roamstream.demo.run import DemoError, run_demo

    log = log or lake.with_name(f"{lake.name}.log")
    tally = log_to_file(log)
    console = Console()
    try:
        result = asyncio.run(
            run_demo(
                Settings(),
                lake,
                charge_points=charge_points,
                sessions=sessions,
                days=days,
                until=until.date() if until else None,
                timeout_s=timeout,
                console=console,
                fresh=fresh,
            )
        )
    except DemoError as exc:
        console.print(f"[red]demo failed:[/] {exc}")
        console.print(f"Log: {log} ({tally.summary()})")
        raise typer.Exit(1) from exc
    console.print(
        f"{result.sessions} sessions → {result.cdrs} CDRs landed, {result.acknowledged} acknowledged"
    )
    render_settlement(str(result.lake), console=console)
    console.print(
        f"The lake is in [bold]{result.lake}[/]: open it with `roamstream lake tables --lake {result.lake}`."
    )
    console.print(f"Log: {log} ({tally.summary()})")
