"""``roamstream push status|redrive|resend``: see and repair delivery to partners (read from and written to
the Kafka topics the worker uses: KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC_PREFIX, PIPELINE_APP_ID)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from roamstream.cli.report import Format
from roamstream.cli.startup import kafka_settings_or_exit
from roamstream.config import Settings
from roamstream.exceptions import RoamstreamError

app = typer.Typer(help="Delivery to partners: status, redrive of dead-lettered pushes, resend.",
                  no_args_is_help=True)

PartnerOption = Annotated[str, typer.Option("--partner", help="the partner, CC-PID (e.g. NL-EMA)")]


def _settings() -> Settings:
    return kafka_settings_or_exit(Settings(), "push")


def _fail(exc: Exception) -> None:
    Console(stderr=True).print(f"error: {exc}")
    raise typer.Exit(1)


@app.command()
def status(fmt: Annotated[Format, typer.Option("--format", help="table, json or csv")] = Format.table) -> None:
    """Per partner: pending pushes, the oldest one's age, dead-lettered ones, last success, last error."""
    from pipelines import push_operator as operator
    from roamstream.avro import serde_for

    settings = _settings()
    serde = serde_for(settings.schema_registry.url)

    async def rows_of_every_partner() -> list[dict]:
        partners = {p.key for p in settings.partners.emsps} | set(await operator.registered_partners(settings, serde))
        return [s.row() for s in await operator.status(settings, serde, sorted(partners))]

    try:
        rows = asyncio.run(rows_of_every_partner())
    except (RoamstreamError, OSError, TimeoutError) as exc:
        _fail(exc)
    if fmt is Format.json:
        print(json.dumps(rows, indent=2))
    elif fmt is Format.csv:
        import csv
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["partner"])
        writer.writeheader()
        writer.writerows(rows)
    else:
        table = Table(title="push status")
        for column in ("partner", "pending", "oldest_pending_age_s", "dead_lettered", "last_success_at",
                       "last_error_at", "last_error"):
            table.add_column(column)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row.values()))
        Console().print(table)


@app.command()
def redrive(partner: PartnerOption,
            ids: Annotated[list[str] | None, typer.Option("--ids", help="object ids (repeat); default: all")] = None
            ) -> None:
    """Send the partner's dead-lettered pushes again (after the cause is fixed)."""
    from pipelines import push_operator as operator
    from roamstream.avro import serde_for

    settings = _settings()
    try:
        items = asyncio.run(operator.redrive(settings, serde_for(settings.schema_registry.url), partner,
                                             set(ids or [])))
    except (RoamstreamError, OSError, TimeoutError) as exc:
        _fail(exc)
    for item in items:
        print(f"redrive {item.kind} {item.object_id} -> {partner}")
    print(f"{len(items)} push(es) requested again for {partner}")


@app.command()
def resend(partner: PartnerOption,
           cdr: Annotated[str | None, typer.Option("--cdr", help="a CDR id: POSTed again")] = None,
           session: Annotated[str | None, typer.Option("--session", help="a Session id: PUT again, whole")] = None,
           ) -> None:
    """Send one CDR or Session to the partner again, even if it acknowledged it."""
    from pipelines import push_operator as operator
    from roamstream.avro import serde_for

    if (cdr is None) == (session is None):
        Console(stderr=True).print("error: give exactly one of --cdr ID or --session ID")
        raise typer.Exit(2)
    settings = _settings()
    try:
        item = asyncio.run(operator.resend(settings, serde_for(settings.schema_registry.url), partner, cdr=cdr,
                                           session=session))
    except (RoamstreamError, OSError, TimeoutError) as exc:
        _fail(exc)
    print(f"resend {item.kind} {item.object_id} -> {partner}")
