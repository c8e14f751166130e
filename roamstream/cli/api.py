"""``roamstream api``: the ingest API alone, against the Kafka at ``KAFKA_BOOTSTRAP_SERVERS``."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer
from rich.console import Console

from roamstream.cli.startup import kafka_settings_or_exit, secure_or_exit
from roamstream.config import Settings


def api(
    host: Annotated[str | None, typer.Option(help="bind address (default: API_HOST, 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port, 0 for a free one (default: API_PORT, 8080)")] = None,
    create_topics: Annotated[
        bool, typer.Option("--create-topics/--no-create-topics", help="create missing catalog topics first")
    ] = True,
) -> None:
    """Serve the ingest API (OCPI 2.2.1 style, /docs for OpenAPI) until interrupted."""
    logging.basicConfig(level=logging.INFO)
    settings = Settings()
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = settings.model_copy(update={"api": settings.api.model_copy(update=overrides)})
    secure_or_exit(settings, ["api"])
    settings = kafka_settings_or_exit(settings, "api")

    from ingest_api.app import serve
    from roamstream import kafka
    from roamstream.avro import serde_for
    console = Console()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if create_topics:
            kafka.create_topics(settings)
        producer = kafka.AsyncProducer(settings)
        try:
            handle = await serve(settings, producer, serde_for(settings.schema_registry.url))
            console.print(f"Ingest API {handle.url}/ocpi/2.2.1  (docs {handle.url}/docs)")
            console.print(f"OCPI       {handle.url}/ocpi/versions  (partners: roamstream partners invite|register)")
            console.print(f"Metrics    {handle.url}/metrics  (ready: {handle.url}/ready)")
            console.print(f"Kafka      {settings.kafka.bootstrap_servers}")
            console.print("Ctrl-C to stop.")
            await stop.wait()
            await handle.stop()
        finally:
            producer.close()

    asyncio.run(main())
