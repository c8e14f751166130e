"""``roamstream worker`` and ``roamstream up``."""

from __future__ import annotations

import asyncio
import logging
import signal

import typer
from rich.console import Console

from roamstream.config import Settings


def worker() -> None:
    """Run a pipeline worker (sessions, pricing, push, lake) against the configured Kafka until interrupted.

    With ROAMSTREAM_PROFILE=kafka it joins the cluster at KAFKA_BOOTSTRAP_SERVERS. With the embedded profile
    it attaches to an embedded broker that is already running (``roamstream up``, a test) at an explicitly
    set KAFKA_BOOTSTRAP_SERVERS, with the embedded broker's client timings and fixes (DESIGN.md).
    """
    from pipelines.worker import run_until_signalled

    logging.basicConfig(level=logging.INFO)
    settings = Settings()
    if settings.profile == "embedded":
        if "bootstrap_servers" not in settings.kafka.model_fields_set:
            Console(stderr=True).print(
                "ROAMSTREAM_PROFILE=embedded: a worker alone starts no broker; use `roamstream up`, set "
                "KAFKA_BOOTSTRAP_SERVERS to a running embedded broker, or set ROAMSTREAM_PROFILE=kafka"
            )
            raise typer.Exit(2)
        settings = settings.for_embedded(settings.kafka.bootstrap_servers)
    asyncio.run(run_until_signalled(settings))


def up() -> None:
    """Run the whole stack (embedded broker with the default profile, worker, ingest API, OCPP endpoint),
    print the URLs it serves, and run until interrupted."""
    from roamstream.stack import embedded_settings, running_stack

    logging.basicConfig(level=logging.WARNING)
    console = Console()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with embedded_settings(Settings()) as settings, running_stack(settings) as stack:
            console.print(f"Kafka      {settings.kafka.bootstrap_servers} ({settings.profile})")
            console.print(f"Ingest API {stack.api_url}/ocpi/2.2.1  (docs {stack.api_url}/docs)")
            console.print(f"OCPI       {stack.api_url}/ocpi/versions  (partners: roamstream partners invite|register)")
            console.print(f"OCPP       {stack.ocpp_url}/{{charge_point_id}}")
            console.print(f"Lake       {settings.lake.uri}")
            console.print("Ctrl-C to stop.")
            await stop.wait()

    asyncio.run(main())
