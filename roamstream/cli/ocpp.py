"""``roamstream ocpp``: the OCPP-J endpoint alone, until interrupted."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer
from rich.console import Console

from roamstream.config import Settings


def ocpp(
    host: Annotated[str | None, typer.Option(help="bind address (default: settings, OCPP_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port; 0 = a free one (default: settings, OCPP_PORT)")] = None,
) -> None:
    """Run the OCPP 1.6J/2.0.1 endpoint (and an embedded broker, embedded profile); print its URL."""
    from connectors.ocpp.loop_producer import LoopProducer
    from connectors.ocpp.server import OcppServer
    from roamstream.avro import serde_for
    from roamstream.broker import EmbeddedBroker
    from roamstream.kafka import create_topics

    logging.basicConfig(level=logging.WARNING)
    console = Console()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        settings = Settings()
        overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
        settings = settings.model_copy(update={"ocpp": settings.ocpp.model_copy(update=overrides)})
        broker = EmbeddedBroker(settings.embedded).start() if settings.profile == "embedded" else None
        if broker is not None:
            settings = settings.for_embedded(broker.bootstrap_servers)
        try:
            create_topics(settings)
            producer = LoopProducer(settings)
            try:
                async with OcppServer(settings, producer, serde_for(settings.schema_registry.url)) as server:
                    console.print(f"OCPP  {server.url}/{{charge_point_id}}  (ocpp2.0.1, ocpp1.6)")
                    console.print(f"Metrics {server.http_url}/metrics  (ready: {server.http_url}/ready)")
                    console.print(f"Kafka {settings.kafka.bootstrap_servers} ({settings.profile})")
                    console.print("Ctrl-C to stop.")
                    await stop.wait()
            finally:
                producer.close()
        finally:
            if broker is not None:
                broker.stop()

    asyncio.run(main())
