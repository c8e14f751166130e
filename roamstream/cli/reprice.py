"""``roamstream reprice --session ID``: price completed sessions again (after a correction, e.g. of a tariff).

The sessions' completed records are read from ``sessions.completed.v1`` and sent to it again; the pricing
stage then sends nothing if the CDR comes out the same, else a Credit CDR and a new CDR (pipelines/reprice.py).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from roamstream.cli.startup import kafka_settings_or_exit
from roamstream.config import Settings

NOT_FOUND = 1
FAILED = 2


def reprice(
    session: Annotated[list[str], typer.Option("--session", help="a session id to price again (repeatable)")],
) -> None:
    """Send the completed records of the sessions to pricing again; a changed CDR is credited and re-issued.

    Correct the reference data first (e.g. PUT the tariff with a newer last_updated). Uses the Kafka of
    KAFKA_BOOTSTRAP_SERVERS (with the embedded profile: a running embedded broker). Exit status 1 when a
    session is not on the topic (any more), 2 when Kafka cannot be read or written.
    """
    from pipelines.reprice import RepriceError
    from pipelines.reprice import reprice as send
    from roamstream.avro import serde_for

    settings = kafka_settings_or_exit(Settings(), "reprice")
    errors = Console(stderr=True)
    console = Console()
    try:
        sent, missing = send(settings, serde_for(settings.schema_registry.url), session)
    except RepriceError as exc:
        errors.print(f"error: {exc}")
        raise typer.Exit(FAILED) from None
    for found in sent:
        console.print(f"sent again: {found.session_id} (charge point {found.charge_point_id})")
    for session_id in missing:
        errors.print(f"not found on sessions.completed.v1: {session_id}")
    if missing:
        raise typer.Exit(NOT_FOUND)
