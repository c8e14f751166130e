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

    With ROAMSTREAM_PROFILE=kafka it joins the cluster at KAFKA_BOOTSTRAP_SERVERS. With
    ROAMSTREAM_PROFILE=embedded it attaches to an embedded broker that is already running (``roamstream up``,
    a test) at an explicitly set KAFKA_BOOTSTRAP_SERVERS, with the embedded broker's client timings and
    fixes (DESIGN.md). KAFKA_BOOTSTRAP_SERVERS without an explicit ROAMSTREAM_PROFILE is refused: the default
    profile is the embedded one, whose timings and fixes a real cluster must not get.
    """
    from pipelines.compat import CompatError
    from pipelines.worker import run_until_signalled
    from roamstream.broker import BrokerError

    logging.basicConfig(level=logging.INFO)
    settings = Settings()
    err = Console(stderr=True)
    if "bootstrap_servers" in settings.kafka.model_fields_set and "profile" not in settings.model_fields_set:
        err.print(
            f"KAFKA_BOOTSTRAP_SERVERS is set ({settings.kafka.bootstrap_servers}) but ROAMSTREAM_PROFILE is not: "
            "set ROAMSTREAM_PROFILE=kafka for a Kafka cluster, or ROAMSTREAM_PROFILE=embedded for a running "
            "embedded broker", soft_wrap=True,
        )
        raise typer.Exit(2)
    if settings.profile == "embedded":
        if "bootstrap_servers" not in settings.kafka.model_fields_set:
            err.print(
                "ROAMSTREAM_PROFILE=embedded: a worker alone starts no broker; use `roamstream up`, set "
                "KAFKA_BOOTSTRAP_SERVERS to a running embedded broker, or set ROAMSTREAM_PROFILE=kafka"
            )
            raise typer.Exit(2)
        settings = settings.for_embedded(settings.kafka.bootstrap_servers)
    console = Console()

    def started(worker) -> None:
        console.print(f"Metrics    {worker.ops.url}/metrics  (ready: {worker.ops.url}/ready)", soft_wrap=True)

    try:
        asyncio.run(run_until_signalled(settings, started))
    except (CompatError, BrokerError) as exc:
        err.print(str(exc), soft_wrap=True, markup=False)
        raise typer.Exit(1) from None


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
            console.print(f"Metrics    api {stack.api_url}/metrics, ocpp {stack.ocpp_http_url}/metrics, "
                          f"worker {stack.worker.ops.url}/metrics  (each also /ready)", soft_wrap=True)
            console.print(f"Lake       {settings.lake.uri}")
            console.print("Ctrl-C to stop.")
            await stop.wait()

    asyncio.run(main())
