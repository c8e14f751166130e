"""``roamstream deadletter list|show|redrive``: the dead letters on Kafka, and sending their records through their
stage again after a fix (roamstream/redrive.py).

Uses the Kafka of KAFKA_BOOTSTRAP_SERVERS (with the embedded profile: a running embedded broker, set explicitly).
Exit status 1: ``show`` found no such letter, ``redrive`` had a letter it could not redrive or matched none;
2: bad arguments or settings, or Kafka could not be read or written.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from roamstream.cli.startup import kafka_settings_or_exit
from roamstream.config import Settings

app = typer.Typer(help="Dead letters: list them, show one, send their records through their stage again.",
                  no_args_is_help=True)

NOT_DONE = 1
FAILED = 2

StageOpt = Annotated[str | None, typer.Option("--stage", help="only letters of this stage (e.g. pricing)")]
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="only letters whose reason contains this text")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="only letters written at or after this ISO time")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="only letters written before this ISO time")]


def _settings() -> Settings:
    return kafka_settings_or_exit(Settings(), "deadletter")


def _moment(option: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        Console(stderr=True).print(f"{option}: not an ISO 8601 time: {value!r}", markup=False)
        raise typer.Exit(FAILED) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _selection(stage: str | None, reason: str | None, since: str | None, until: str | None,
               letter_ids: list[str] | None = None):
    from roamstream.redrive import Selection

    return Selection(stage, reason, _moment("--since", since), _moment("--until", until),
                     frozenset(letter_ids or ()))


def _read(settings: Settings):
    from roamstream.avro import serde_for
    from roamstream.redrive import RedriveError, letters

    serde = serde_for(settings.schema_registry.url)
    try:
        return serde, letters(settings, serde)
    except RedriveError as exc:
        Console(stderr=True).print(f"error: {exc}", markup=False)
        raise typer.Exit(FAILED) from None


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    raise TypeError(type(value).__name__)


@app.command("list")
def list_letters(stage: StageOpt = None, reason: ReasonOpt = None, since: SinceOpt = None, until: UntilOpt = None,
                 as_json: Annotated[bool, typer.Option("--json", help="one JSON object a line")] = False) -> None:
    """List the dead letters (oldest first): id, when, stage, reason, source record."""
    selection = _selection(stage, reason, since, until)
    settings = _settings()
    serde, found = _read(settings)
    chosen = [letter for letter in found if selection(letter)]
    console = Console()
    if as_json:
        from roamstream.redrive import describe

        for letter in chosen:
            print(json.dumps(describe(letter, serde, settings), default=_json_default))
        return
    table = Table("letter id", "occurred at", "stage", "reason", "source record")
    for letter in chosen:
        table.add_row(letter.letter_id, letter.occurred_at.isoformat(timespec="seconds"), letter.stage,
                      letter.reason, letter.source)
    console.print(table)
    console.print(f"{len(chosen)} of {len(found)} letters")


@app.command("show")
def show(letter_id: Annotated[str, typer.Argument(help="the letter id (from `deadletter list`)")]) -> None:
    """Show one letter as JSON, its record decoded with its source topic's schema."""
    from roamstream.redrive import describe

    settings = _settings()
    serde, found = _read(settings)
    for letter in found:
        if letter.letter_id == letter_id:
            print(json.dumps(describe(letter, serde, settings), indent=2, default=_json_default))
            return
    Console(stderr=True).print(f"no dead letter {letter_id}", markup=False)
    raise typer.Exit(NOT_DONE)


@app.command("redrive")
def redrive(
    stage: StageOpt = None, reason: ReasonOpt = None, since: SinceOpt = None, until: UntilOpt = None,
    letter: Annotated[list[str] | None, typer.Option("--letter", help="a letter id (repeatable)")] = None,
    every: Annotated[bool, typer.Option("--all", help="every letter (no other criterion needed)")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="say what would be sent, send nothing")] = False,
) -> None:
    """Send the record of each chosen letter to its source topic again (through its stage), once: a letter
    redriven before is not sent again. Correct what the reason names first (e.g. PUT the missing token)."""
    from roamstream.redrive import RedriveError
    from roamstream.redrive import redrive as send

    selection = _selection(stage, reason, since, until, letter)
    if selection.everything and not every:
        Console(stderr=True).print("choose letters (--stage, --reason, --since, --until, --letter) or --all")
        raise typer.Exit(FAILED)
    settings = _settings()
    serde, found = _read(settings)
    chosen = [item for item in found if selection(item)]
    try:
        outcomes = send(settings, serde, chosen, dry_run=dry_run)
    except RedriveError as exc:
        Console(stderr=True).print(f"error: {exc}", markup=False)
        raise typer.Exit(FAILED) from None
    console = Console(soft_wrap=True)
    for outcome in outcomes:
        console.print(f"{outcome.action}: {outcome.letter.letter_id} ({outcome.letter.stage}) {outcome.detail}",
                      markup=False)
    console.print(f"{len(outcomes)} letters: " + ", ".join(
        f"{sum(o.action == action for o in outcomes)} {action}"
        for action in dict.fromkeys(o.action for o in outcomes)) if outcomes else "no letter matched",
        markup=False)
    if not outcomes or any(o.action == "not redrivable" for o in outcomes):
        raise typer.Exit(NOT_DONE)
