"""``roamstream ocpp``: the OCPP-J endpoint alone, until interrupted."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer
from rich.console import Console

from roamstream.cli.startup import secure_or_exit, target_or_exit
from roamstream.config import Settings


def ocpp(
    host: Annotated[str | None, typer.Option(help="bind address (default: settings, OCPP_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port; 0 = a free one (default: settings, OCPP_PORT)")] = None,
) -> None:
    """Run the OCPP 1.6J/2.0.1 endpoint (and an embedded broker with the embedded profile, unless
    KAFKA_BOOTSTRAP_SERVERS names a running one); print its URL."""
    logging.basicConfig(level=logging.WARNING)
    console = Console()
    settings = Settings()
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = settings.model_copy(update={"ocpp": settings.ocpp.model_copy(update=overrides)})
    secure_or_exit(settings, ["ocpp"])
    target = target_or_exit(settings, "ocpp", starts_broker=True)

    from connectors.ocpp.loop_producer import LoopProducer
    from connectors.ocpp.server import OcppServer
    from roamstream.avro import serde_for
    from roamstream.kafka import create_topics
    from roamstream.profiles import connected

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with connected(target) as settings:
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

    asyncio.run(main())
