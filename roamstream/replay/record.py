"""Record the replay fixture: run the real stack, feed it reference data and simulated fleets, read the
input topics back into a recording file.

    python -m roamstream.replay.record --out tests/replay/data/recording.jsonl.gz

The stack (embedded broker, worker, ingest API, OCPP endpoint) runs in this process; reference data goes
in through the ingest API, OCPP traffic through the OCPP endpoint with the ``ocpp`` client (the fleets of
``roamstream.replay.fixture``: both OCPP versions, every simulator fault). Each station ends with
clock-aligned meter values past its last session's settle window, so the recording completes every
session. ``--live-out`` also writes the CDRs the live worker priced: a replay of the recording gives the
same bytes (``tests/replay/test_record.py`` checks it on a small fleet).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition
from rich.console import Console

from connectors.ocpp.simulator import simulate
from roamstream.avro import serde_for
from roamstream.config import Settings
from roamstream.kafka import consumer_config
from roamstream.ocpi import jsonio
from roamstream.replay import fixture
from roamstream.replay.exceptions import RecordingError
from roamstream.replay.golden import to_jsonl
from roamstream.replay.recording import INPUT_TOPICS, Record, Recording, write_recording
from roamstream.stack import embedded_settings, running_stack
from roamstream.topics import spec


async def put_reference(api_url: str, token: str, objects: list[tuple[str, dict[str, Any]]]) -> None:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=f"{api_url}/ocpi/2.2.1", headers=headers, timeout=10) as client:
        for path, body in objects:
            response = await client.put(path, content=jsonio.dumps(body))
            if response.status_code != 200 or response.json().get("status_code") != 1000:
                raise RecordingError(f"PUT {path} failed: {response.status_code} {response.text[:300]}")


def read_topics(settings: Settings, names: tuple[str, ...], idle_s: float = 3.0) -> list[Record]:
    """Every record of ``names`` (catalog names) from the beginning, until none came for ``idle_s``.

    (The embedded broker's high watermark cannot be trusted, see DESIGN.md, so the end is an idle gap.)
    """
    consumer = Consumer(consumer_config(settings, **{
        "group.id": f"{settings.kafka.topic_prefix}recorder",
        "enable.auto.commit": False,
        "fetch.wait.max.ms": 50,
    }))
    by_full = {settings.topic(name): name for name in names}
    consumer.assign([TopicPartition(full, p, OFFSET_BEGINNING)
                     for full, name in by_full.items() for p in range(spec(name).partitions)])
    records: list[Record] = []
    quiet_since = time.monotonic()
    try:
        while time.monotonic() - quiet_since < idle_s:
            for msg in consumer.consume(1000, 0.2):
                if msg.error() is not None:
                    if msg.error().code() != KafkaError._PARTITION_EOF:
                        raise RecordingError(f"reading {msg.topic()}: {msg.error().str()}")
                    continue
                records.append(Record(by_full[msg.topic()], msg.partition(), msg.offset(), msg.key(), msg.value()))
                quiet_since = time.monotonic()
    finally:
        consumer.close()
    return records


def read_cdrs(settings: Settings, idle_s: float = 3.0) -> dict[str, str]:
    serde = serde_for(settings.schema_registry.url)
    cdrs = {}
    for record in read_topics(settings, ("ocpi.cdrs.v1",), idle_s):
        cdr = serde.decode("ocpi.cdrs.v1", record.value)
        cdrs[cdr["id"]] = cdr["ocpi_json"]
    return cdrs


@dataclass
class Recorded:
    recording: Recording
    #: CDR id -> OCPI JSON priced by the stack's own worker while recording (when asked for)
    live: dict[str, str] | None = None


async def record(
    settings: Settings, out: Path, *, stations: int = 3, sessions: int = 8, live: bool = False,
    live_wait_s: float = 180.0, console: Console | None = None,
) -> Recorded:
    """Run the stack against the broker of ``settings`` (topics under its prefix), feed it the fixture's
    reference data and fleets, and write what its input topics then hold to ``out``. With ``live``, also
    wait (at most ``live_wait_s``) for the CDRs the stack's own worker prices."""
    console = console or Console(stderr=True)
    fleets = fixture.fleets(stations, sessions)
    live_cdrs: dict[str, str] | None = None
    with tempfile.TemporaryDirectory(prefix="roamstream-record-") as lake:
        settings = settings.model_copy(update={
            "api": settings.api.model_copy(update={"port": 0}),
            "ocpp": settings.ocpp.model_copy(update={"port": 0}),
            "lake": settings.lake.model_copy(update={"uri": lake}),
            "partners": settings.partners.model_copy(update={"emsps": []}),
        })
        async with running_stack(settings) as stack:
            token = settings.api.tokens[0].get_secret_value()
            await put_reference(stack.api_url, token, fixture.reference_objects(fleets))
            console.print(f"simulating {len(fleets)} fleets against {stack.ocpp_url}")
            runs = await asyncio.gather(*(
                simulate(stack.ocpp_url, charge_points=f.stations, sessions=f.sessions, version=f.version,
                         id_tags=fixture.id_tags(), start=fixture.START, seed=f.seed, connectors=f.connectors,
                         faults=f.fault_switches(), prefix=f.prefix, clock_tail_min=fixture.TAIL_MIN)
                for f in fleets
            ))
            total = sum(len(run) for run in runs)
            records = await asyncio.to_thread(read_topics, settings, INPUT_TOPICS)
            console.print(f"{total} sessions, {len(records)} records read back")
            if live:
                live_cdrs = {}
                deadline = time.monotonic() + live_wait_s
                while len(live_cdrs) < total and time.monotonic() < deadline:
                    live_cdrs = await asyncio.to_thread(read_cdrs, settings, 1.0)
                console.print(f"{len(live_cdrs)} CDRs priced by the live worker")
    meta = {
        "fleets": [f"{f.version} {'+'.join(f.faults) or 'no faults'}: {f.stations} stations x {f.sessions} "
                   f"sessions, prefix {f.prefix}" for f in fleets],
        "recorded_by": "python -m roamstream.replay.record",
    }
    recording = Recording(tuple(records), total, meta)
    write_recording(out, recording)
    return Recorded(recording, live_cdrs)


def main(
    out: Annotated[Path, typer.Option(help="the recording file to write (gzip JSON Lines)")] = Path(
        "tests/replay/data/recording.jsonl.gz"),
    stations: Annotated[int, typer.Option(min=1, help="stations per fleet (fleets: OCPP version x faults)")] = 3,
    sessions: Annotated[int, typer.Option(min=1, help="sessions per station")] = 8,
    live_out: Annotated[Path | None, typer.Option(help="also write the live worker's CDRs here (JSON Lines)")] = None,
) -> None:
    """Record the replay fixture from the real stack (see the module docstring)."""
    console = Console(stderr=True)

    async def run() -> Recorded:
        async with embedded_settings(Settings()) as settings:
            return await record(settings, out, stations=stations, sessions=sessions, live=live_out is not None,
                                console=console)

    recorded = asyncio.run(run())
    recording = recorded.recording
    console.print(f"wrote {out} ({out.stat().st_size:,} bytes): {recording.sessions} sessions, "
                  f"{json.dumps(recording.by_topic())}")
    if live_out is not None and recorded.live is not None:
        live_out.write_text(to_jsonl(recorded.live), encoding="utf-8")
        console.print(f"{len(recorded.live)} CDRs priced by the live worker written to {live_out}")


if __name__ == "__main__":
    typer.run(main)
