"""``roamstream simulate``: a deterministic fleet of OCPP charge points against an endpoint."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from websockets.exceptions import InvalidHandshake

FAULTS = "duplicate-stop, duplicate-ended, end-meter-values-after-stop, rebase-meter, offline-queue"


def simulate(
    url: Annotated[str, typer.Option(help="endpoint base, e.g. ws://127.0.0.1:9000/ocpp")] = "ws://127.0.0.1:9000/ocpp",
    charge_points: Annotated[int, typer.Option(min=1, help="number of stations")] = 1,
    sessions: Annotated[int, typer.Option(min=0, help="sessions per station")] = 1,
    version: Annotated[str, typer.Option(help="1.6 or 2.0.1")] = "1.6",
    id_tag: Annotated[list[str] | None, typer.Option(help="driver tokens, used in turn (repeatable)")] = None,
    start: Annotated[str, typer.Option(help="station clock start, ISO 8601 with offset")] = "2026-01-05T08:00:00Z",
    seed: Annotated[int, typer.Option(help="seed of the per-session energy and readings")] = 0,
    energy_wh: Annotated[int | None, typer.Option(help="energy of every session (else drawn from the seed)")] = None,
    interval_min: Annotated[int, typer.Option(min=1, help="simulated minutes between MeterValues")] = 5,
    fault: Annotated[
        list[str] | None,
        typer.Option(help=f"a charger fault to show (repeatable): {FAULTS}"),
    ] = None,
    prefix: Annotated[str, typer.Option(help="station id prefix")] = "SIM-",
    password: Annotated[str | None, typer.Option(help="HTTP Basic password of every station")] = None,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Drive OCPP sessions through an endpoint with the ``ocpp`` client; print what each session was."""
    from connectors.ocpp.exceptions import BadTimestamp
    from connectors.ocpp.simulator import Faults
    from connectors.ocpp.simulator import simulate as run
    from connectors.ocpp.simulator.plan import charge_point_ids
    from connectors.ocpp.timestamps import parse_timestamp

    if version not in ("1.6", "2.0.1"):
        raise typer.BadParameter(f"--version must be 1.6 or 2.0.1, got {version!r}")
    if output not in ("table", "json"):
        raise typer.BadParameter(f"--format must be table or json, got {output!r}")
    try:
        faults = Faults.parse(fault or [])
        started = parse_timestamp(start).value
    except (ValueError, BadTimestamp) as exc:
        raise typer.BadParameter(str(exc)) from None
    try:
        results = asyncio.run(
            run(
                url,
                charge_points=charge_points,
                sessions=sessions,
                version=version,
                id_tags=id_tag or ["TAG-0001"],
                start=started,
                seed=seed,
                energy_wh=energy_wh,
                meter_interval_min=interval_min,
                faults=faults,
                prefix=prefix,
                passwords=None
                if password is None
                else dict.fromkeys(charge_point_ids(charge_points, prefix), password),
            )
        )
    except (OSError, InvalidHandshake) as exc:
        Console(stderr=True).print(f"[red]cannot simulate against {url}:[/] {exc}")
        raise typer.Exit(1) from exc
    if output == "json":
        typer.echo(json.dumps([_row(s) for s in results], indent=2))
        return
    table = Table(title=f"{len(results)} simulated sessions ({version})")
    for column in ("charge point", "connector", "id tag", "transaction", "start", "stop", "energy Wh"):
        table.add_column(column)
    for s in results:
        table.add_row(
            s.charge_point_id,
            str(s.connector_id),
            s.id_tag,
            s.transaction_id,
            _iso(s.started_at),
            _iso(s.stopped_at),
            str(s.energy_wh),
        )
    Console().print(table)


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _row(s) -> dict:
    row = asdict(s)
    row.update(started_at=_iso(s.started_at), stopped_at=_iso(s.stopped_at), energy_wh=s.energy_wh)
    return row
