"""``roamstream statements load FILE``: partners' settlement statements from a CSV or JSON file.

Validated by the ingest API's models (the same problems, named by row and field), then published to
``partner.statements.v1`` exactly as ``POST /statements`` publishes them (one record per line, keyed by
partner). A refused file is recorded in ``deadletter.v1`` and nothing of it is published.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from roamstream.cli.startup import kafka_settings_or_exit
from roamstream.config import Settings

INVALID = 1
FAILED = 2
STAGE = "statements_load"

app = typer.Typer(help="Partners' settlement statements: load them from files.", no_args_is_help=True)


@app.command()
def load(
    file: Annotated[Path, typer.Argument(help="a .csv or .json statement file (format: README)")],
    check: Annotated[bool, typer.Option("--check", help="validate only; publish nothing")] = False,
) -> None:
    """Validate a statement file and publish its lines to partner.statements.v1 (as POST /statements does).

    Uses the Kafka of KAFKA_BOOTSTRAP_SERVERS (with the embedded profile: a running embedded broker). Exit
    status 1 when the file is invalid (every problem printed, the file dead-lettered), 2 when Kafka cannot
    be written or the file cannot be read.
    """
    from ingest_api.exceptions import InvalidRequest
    from ingest_api.statement_files import read_statements

    errors = Console(stderr=True, soft_wrap=True)
    try:
        statements = read_statements(file)
        problems = None
    except OSError as exc:
        errors.print(f"cannot read {escape(str(file))}: {escape(str(exc))}")
        raise typer.Exit(FAILED) from None
    except InvalidRequest as exc:
        statements, problems = [], exc.problems
    if problems:
        for problem in problems:
            errors.print(f"{escape(str(file))}: {escape(str(problem))}")
    if check:
        if problems:
            raise typer.Exit(INVALID)
        Console().print(f"{file}: {len(statements)} statement(s), {sum(len(s.lines) for s in statements)} lines")
        return
    settings = kafka_settings_or_exit(Settings(), "statements load")
    try:
        published = asyncio.run(_publish(settings, file, statements, problems))
    except Exception as exc:  # noqa: BLE001 - any broker failure: say so, exit 2
        errors.print(f"error: {escape(str(exc))}")
        raise typer.Exit(FAILED) from None
    if problems:
        raise typer.Exit(INVALID)
    for statement, records in published:
        Console().print(
            f"published {records} line(s) of statement {statement.statement_id} ({statement.partner}) "
            "to partner.statements.v1"
        )


async def _publish(settings: Settings, file: Path, statements: list, problems: list | None) -> list:
    from ingest_api.metrics import Metrics
    from ingest_api.publisher import Publisher
    from ingest_api.records import statement_records
    from ingest_api.routes.statements import TOPIC
    from roamstream.avro import serde_for
    from roamstream.kafka import AsyncProducer

    producer = AsyncProducer(settings)
    try:
        publisher = Publisher(producer, serde_for(settings.schema_registry.url), Metrics())
        if problems:
            reason = f"{file.name}: " + "; ".join(str(p) for p in problems)
            if not await publisher.dead_letter(reason, file.read_bytes(), None, stage=STAGE):
                raise RuntimeError("the dead-letter topic did not take the refused file")
            return []
        published = []
        for statement in statements:
            records = statement_records(statement)
            await publisher.publish_all(TOPIC, [(statement.partner, record) for record in records])
            published.append((statement, len(records)))
        return published
    finally:
        await asyncio.to_thread(producer.close)
