"""``roamstream worker`` and ``roamstream up``."""

from __future__ import annotations

import asyncio
import logging

import typer
from rich.console import Console

from roamstream.cli.startup import kafka_settings_or_exit, secure_or_exit, target_or_exit
from roamstream.config import Settings
from roamstream.signals import stop_on_signals


def worker(stages: str = typer.Option(
        None, "--stages", help="all (default), core (every stage but the lake) or lake (the lake landing only, "
                               "consumer group <app id>-lake); PIPELINE_STAGES")) -> None:
    """Run a pipeline worker (sessions, pricing, push, lake) against the configured Kafka until interrupted.

    With ROAMSTREAM_PROFILE=kafka it joins the cluster at KAFKA_BOOTSTRAP_SERVERS. With
    ROAMSTREAM_PROFILE=embedded it attaches to an embedded broker that is already running (``roamstream up``,
    a test) at an explicitly set KAFKA_BOOTSTRAP_SERVERS, with the embedded broker's client timings and
    fixes (DESIGN.md). KAFKA_BOOTSTRAP_SERVERS without an explicit ROAMSTREAM_PROFILE is refused: the default
    profile is the embedded one, whose timings and fixes a real cluster must not get.
    """
    logging.basicConfig(level=logging.INFO)
    err = Console(stderr=True)
    settings = Settings()
    if stages is not None:
        if stages not in ("all", "core", "lake"):
            err.print(f"--stages: {stages!r} is not one of all, core, lake", soft_wrap=True, markup=False)
            raise typer.Exit(2)
        settings = settings.model_copy(update={"pipeline": settings.pipeline.model_copy(update={"stages": stages})})
    secure_or_exit(settings, ["worker"])
    settings = kafka_settings_or_exit(settings, "worker")

    from pipelines.compat import CompatError
    from pipelines.worker import run_until_signalled
    from roamstream.broker import BrokerError
    console = Console()

    def started(worker) -> None:
        console.print(f"Metrics    {worker.ops.url}/metrics  (ready: {worker.ops.url}/ready)", soft_wrap=True)

    try:
        asyncio.run(run_until_signalled(settings, started))
    except (CompatError, BrokerError) as exc:
        err.print(str(exc), soft_wrap=True, markup=False)
        raise typer.Exit(1) from None


def up() -> None:
    """Run the whole stack (worker, ingest API, OCPP endpoint) and an embedded broker with the default profile
    (or the running one at an explicit KAFKA_BOOTSTRAP_SERVERS), print the URLs it serves, and run until
    interrupted."""
    logging.basicConfig(level=logging.WARNING)
    console = Console()
    settings = Settings()
    secure_or_exit(settings, ["api", "ocpp", "worker"])
    target = target_or_exit(settings, "up", starts_broker=True)

    from roamstream.profiles import connected
    from roamstream.stack import running_stack

    async def main() -> None:
        stop = stop_on_signals()
        async with connected(target) as settings, running_stack(settings) as stack:
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
