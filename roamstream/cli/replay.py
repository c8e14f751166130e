"""``roamstream replay``: replay a recording of the input topics and write the CDRs it yields."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from roamstream.cli.startup import target_or_exit
from roamstream.config import Settings


def replay(
    input: Annotated[Path, typer.Option(
        "--input", "-i", exists=True, dir_okay=False,
        help="a recording of the input topics (gzip JSON Lines, made by python -m roamstream.replay.record)")],
    out: Annotated[Path | None, typer.Option(
        help="write the CDRs here: one CDR's exact OCPI JSON per line, sorted by id (default: standard output)")
    ] = None,
    lake: Annotated[Path | None, typer.Option(
        help="land the replay's topics in this Parquet lake (default: a temporary one, deleted afterwards)")
    ] = None,
    expect: Annotated[int | None, typer.Option(
        min=0, help="how many sessions to wait for (default: the number the recording's header gives)")] = None,
    timeout: Annotated[float, typer.Option(help="seconds to wait for every session's CDR")] = 300.0,
) -> None:
    """Replay a recording into fresh topics (embedded broker by default, or the Kafka of the settings), run a
    pipeline worker until every session has its CDR, and write the CDRs. The same recording always gives
    byte-identical CDRs."""
    from roamstream.profiles import connected
    from roamstream.replay import RecordingError, ReplayError, read_recording, to_jsonl
    from roamstream.replay import replay as run_replay

    logging.basicConfig(level=logging.WARNING)
    console = Console(stderr=True)
    try:
        recording = read_recording(input)
    except RecordingError as exc:
        raise typer.BadParameter(str(exc), param_hint="--input") from None

    target = target_or_exit(Settings(), "replay", starts_broker=True)

    async def main(lake_dir: Path):
        settings = target.settings
        settings = settings.model_copy(update={"lake": settings.lake.model_copy(update={"uri": str(lake_dir)})})
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            task = progress.add_task("sessions priced or dead-lettered", total=expect or recording.sessions)
            async with connected(replace(target, settings=settings)) as settings:
                return await run_replay(settings, recording, expect=expect, timeout_s=timeout, land=lake is not None,
                                        on_progress=lambda done, total: progress.update(task, completed=done))

    try:
        if lake is not None:
            lake.mkdir(parents=True, exist_ok=True)
            result = asyncio.run(main(lake))
        else:
            with tempfile.TemporaryDirectory(prefix="roamstream-replay-") as tmp:
                result = asyncio.run(main(Path(tmp)))
    except ReplayError as exc:
        console.print(f"[red]replay failed:[/] {exc}")
        raise typer.Exit(1) from exc
    text = to_jsonl(result.cdrs)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
    console.print(f"{result.records} records replayed in {result.seconds:.1f} s: {len(result.cdrs)} CDRs"
                  + (f" to {out}" if out else "") + (f", lake {lake}" if lake else ""))
    for letter in result.lost:
        console.print(f"[yellow]lost[/] ({letter.stage}): {letter.reason.splitlines()[0]}")
    if result.lost:
        raise typer.Exit(1)
