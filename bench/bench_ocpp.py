"""OCPP connector bench: 1,000 concurrent stations against one connector process, Kafka delivery in the loop.

An embedded broker is started here; the connector runs in its own process (one core); the stations are
lean WebSocket clients in this process that send pre-built frames, so that the connector is what is
measured. ``--producer thread`` uses ``roamstream.kafka.AsyncProducer`` instead of the connector's
loop-polled producer. For each OCPP version and for both validation paths (compiled validators + cached key names,
and the ``ocpp`` package's default jsonschema validation as the baseline) it measures:

* throughput: every station sends its next MeterValues (1.6; TransactionEvent Updated for 2.0.1) as soon
  as the previous one is acknowledged; 9 sampled values each; acknowledged messages per second;
* latency: 500 messages/s offered in total (open loop, spread over the stations); p50/p99 ack latency.

Targets: >= 2,000 MeterValues/s (1.6), >= 1,500/s (2.0.1), p99 < 50 ms at 500 msg/s offered. The figures
are printed as measured; the machine is shared, so the connector's CPU time per message is printed too.

    python bench/bench_ocpp.py [--stations 1000] [--seconds 10] [--rate 500] [--versions 1.6,2.0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import statistics
import time
import uuid

import websockets

STAMP = "2026-01-05T08:05:00.000Z"


def sampled_values_16() -> list[dict]:
    ctx = {"context": "Sample.Periodic"}
    phases = ("L1", "L2", "L3")
    return [
        {"value": "12345", "measurand": "Energy.Active.Import.Register", "unit": "Wh", "location": "Outlet", **ctx},
        {"value": "11000", "measurand": "Power.Active.Import", "unit": "W", **ctx},
        *[{"value": "15.91", "measurand": "Current.Import", "phase": p, "unit": "A", **ctx} for p in phases],
        *[{"value": "230.4", "measurand": "Voltage", "phase": f"{p}-N", "unit": "V", **ctx} for p in phases],
        {"value": "57", "measurand": "SoC", "unit": "Percent", "location": "EV", **ctx},
    ]


def frame_16(station: int, n: int) -> str:
    payload = {
        "connectorId": 1,
        "transactionId": 1000 + station,
        "meterValue": [{"timestamp": STAMP, "sampledValue": SV16}],
    }
    return json.dumps([2, f"{station}-{n}", "MeterValues", payload], separators=(",", ":"))


def frame_201(station: int, n: int) -> str:
    values = [
        {
            "value": 12345,
            "measurand": "Energy.Active.Import.Register",
            "location": "Outlet",
            "context": "Sample.Periodic",
            "unitOfMeasure": {"unit": "Wh"},
        },
        {
            "value": 11,
            "measurand": "Power.Active.Import",
            "context": "Sample.Periodic",
            "unitOfMeasure": {"unit": "W", "multiplier": 3},
        },
    ]
    values += [
        {
            "value": 15.91,
            "measurand": "Current.Import",
            "phase": p,
            "context": "Sample.Periodic",
            "unitOfMeasure": {"unit": "A"},
        }
        for p in ("L1", "L2", "L3")
    ]
    values += [
        {
            "value": 230.4,
            "measurand": "Voltage",
            "phase": f"{p}-N",
            "context": "Sample.Periodic",
            "unitOfMeasure": {"unit": "V"},
        }
        for p in ("L1", "L2", "L3")
    ]
    values.append(
        {
            "value": 57,
            "measurand": "SoC",
            "location": "EV",
            "context": "Sample.Periodic",
            "unitOfMeasure": {"unit": "Percent"},
        }
    )
    payload = {
        "eventType": "Updated",
        "timestamp": STAMP,
        "triggerReason": "MeterValuePeriodic",
        "seqNo": n,
        "transactionInfo": {"transactionId": f"BENCH-{station}"},
        "meterValue": [{"timestamp": STAMP, "sampledValue": values}],
    }
    return json.dumps([2, f"{station}-{n}", "TransactionEvent", payload], separators=(",", ":"))


SV16 = sampled_values_16()
FRAMES = {"1.6": (frame_16, "ocpp1.6"), "2.0.1": (frame_201, "ocpp2.0.1")}


# -- the connector process ---------------------------------------------------------------------------------


def connector_main(
    bootstrap: str,
    prefix: str,
    package_validation: bool,
    pipe,
    profile: str | None,
    producer_kind: str,
    linger_ms: int | None,
) -> None:
    from connectors.ocpp.loop_producer import LoopProducer
    from connectors.ocpp.server import OcppServer
    from roamstream.avro import AvroSerde
    from roamstream.config import Settings
    from roamstream.kafka import AsyncProducer

    async def main() -> None:
        base = Settings().for_embedded(bootstrap)
        settings = base.model_copy(
            update={
                "kafka": base.kafka.model_copy(update={"topic_prefix": prefix}),
                "ocpp": base.ocpp.model_copy(update={"port": 0, "package_validation": package_validation}),
            }
        )
        extra = {} if linger_ms is None else {"linger.ms": linger_ms}
        producer = LoopProducer(settings, **extra) if producer_kind == "loop" else AsyncProducer(settings, **extra)
        async with OcppServer(settings, producer, AvroSerde()) as server:
            pipe.send(server.port)
            loop = asyncio.get_running_loop()
            while True:
                command = await loop.run_in_executor(None, pipe.recv)
                if command == "cpu":
                    t = os.times()
                    pipe.send(t.user + t.system)
                else:
                    break
        producer.close()

    if profile is None:
        asyncio.run(main())
        return
    import cProfile

    cProfile.runctx("asyncio.run(main())", globals(), {"asyncio": asyncio, "main": main}, filename=profile)


# -- the stations ----------------------------------------------------------------------------------------------


async def open_stations(port: int, count: int, subprotocol: str) -> list:
    gate = asyncio.Semaphore(50)

    async def one(i: int):
        async with gate:
            return await websockets.connect(
                f"ws://127.0.0.1:{port}/ocpp/BENCH-{i:04d}",
                subprotocols=[subprotocol],
                compression=None,
                open_timeout=60,
                ping_interval=None,
                max_queue=None,
            )

    return await asyncio.gather(*(one(i) for i in range(count)))


async def closed_loop(stations: list, make, seconds: float) -> tuple[int, list[float]]:
    stop_at = time.perf_counter() + seconds
    latencies: list[float] = []

    async def run(i: int, ws) -> int:
        n = 0
        while time.perf_counter() < stop_at:
            n += 1
            sent = time.perf_counter()
            await ws.send(make(i, n))
            reply = await ws.recv()
            latencies.append(time.perf_counter() - sent)
            if not reply.startswith("[3,"):
                raise RuntimeError(f"station {i}: {reply[:200]}")
        return n

    counts = await asyncio.gather(*(run(i, ws) for i, ws in enumerate(stations)))
    return sum(counts), latencies


async def open_loop(stations: list, make, rate: float, seconds: float) -> tuple[int, list[float]]:
    """Each station sends every len(stations)/rate seconds, the stations evenly staggered."""
    period = len(stations) / rate
    start = time.perf_counter() + 0.2
    latencies: list[float] = []

    async def run(i: int, ws) -> None:
        n = 0
        due = start + i * period / len(stations)
        while due < start + seconds:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            n += 1
            await ws.send(make(i, 10_000_000 + n))
            reply = await ws.recv()
            latencies.append(time.perf_counter() - due)  # from when it was due: queueing in the client counts
            if not reply.startswith("[3,"):
                raise RuntimeError(f"station {i}: {reply[:200]}")
            due += period

    await asyncio.gather(*(run(i, ws) for i, ws in enumerate(stations)))
    return len(latencies), latencies


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(p * 10) - 1] if len(values) > 1 else values[0]


async def measure(bootstrap: str, version: str, package_validation: bool, args) -> dict:
    parent, child = mp.Pipe()
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    from roamstream.config import Settings
    from roamstream.kafka import create_topics

    base = Settings().for_embedded(bootstrap)
    create_topics(base.model_copy(update={"kafka": base.kafka.model_copy(update={"topic_prefix": prefix})}))
    proc = mp.get_context("spawn").Process(
        target=connector_main,
        args=(
            bootstrap,
            prefix,
            package_validation,
            child,
            args.profile and f"{args.profile}.{version}.{int(package_validation)}",
            args.producer,
            args.linger_ms,
        ),
    )
    proc.start()
    try:
        port = await asyncio.to_thread(parent.recv)
        make, subprotocol = FRAMES[version]
        stations = await open_stations(port, args.stations, subprotocol)
        await closed_loop(stations, make, 2.0)  # warm-up
        await asyncio.sleep(1.0)  # let the broker drain the warm-up
        sent, latencies = await open_loop(stations, make, args.rate, args.seconds)
        parent.send("cpu")
        cpu0 = await asyncio.to_thread(parent.recv)
        t0 = time.perf_counter()
        count, _ = await closed_loop(stations, make, args.seconds)
        elapsed = time.perf_counter() - t0
        parent.send("cpu")
        cpu1 = await asyncio.to_thread(parent.recv)
        await asyncio.gather(*(ws.close() for ws in stations))
        return {
            "version": version,
            "validation": "ocpp package (baseline)" if package_validation else "compiled",
            "msgs_per_s": count / elapsed,
            "cpu_ms_per_msg": 1000 * (cpu1 - cpu0) / count,
            "p50_ms": 1000 * percentile(latencies, 50),
            "p99_ms": 1000 * percentile(latencies, 99),
            "latency_samples": sent,
        }
    finally:
        parent.send("stop")
        proc.join(timeout=30)
        if proc.is_alive():
            proc.terminate()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=500.0, help="offered msg/s in the latency phase")
    parser.add_argument("--versions", default="1.6,2.0.1")
    parser.add_argument(
        "--producer",
        choices=["loop", "thread"],
        default="loop",
        help="loop: connectors.ocpp.loop_producer (default); thread: roamstream.kafka.AsyncProducer",
    )
    parser.add_argument("--linger-ms", type=int, help="producer linger.ms (default: the settings' profile)")
    parser.add_argument("--modes", default="compiled,package", help="compiled and/or package (the baseline)")
    parser.add_argument("--profile", help="write cProfile stats of the connector to PROFILE.<version>.<baseline>")
    args = parser.parse_args()

    from roamstream.broker import EmbeddedBroker

    targets = {"1.6": 2000, "2.0.1": 1500}
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (a shared machine skews msg/s)")
    with EmbeddedBroker() as broker:
        rows = []
        for version in args.versions.split(","):
            for package_validation in [m == "package" for m in args.modes.split(",")]:
                row = await measure(broker.bootstrap_servers, version, package_validation, args)
                rows.append(row)
                print(
                    f"{version:6} {row['validation']:24} {row['msgs_per_s']:8.0f} msg/s  "
                    f"{row['cpu_ms_per_msg']:6.3f} ms CPU/msg (~{1000 / row['cpu_ms_per_msg']:5.0f}/s per core)  "
                    f"p50 {row['p50_ms']:6.1f} ms  p99 {row['p99_ms']:6.1f} ms at {args.rate:.0f} msg/s offered",
                    flush=True,
                )
    print()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(
        f"{args.stations} stations, 9 sampled values per message, Kafka delivery awaited before every ack "
        f"({args.producer} producer)"
    )
    for version in args.versions.split(","):
        if args.modes != "compiled,package":
            break
        fast, base = (r for r in rows if r["version"] == version)
        print(
            f"{version:6} {fast['msgs_per_s']:7.0f} msg/s vs baseline {base['msgs_per_s']:7.0f} msg/s: "
            f"x{fast['msgs_per_s'] / base['msgs_per_s']:.2f} "
            f"(CPU/msg x{base['cpu_ms_per_msg'] / fast['cpu_ms_per_msg']:.2f} less); "
            f"target {targets[version]} msg/s {'met' if fast['msgs_per_s'] >= targets[version] else 'NOT met'}; "
            f"p99 {fast['p99_ms']:.1f} ms {'< 50 ms met' if fast['p99_ms'] < 50 else '>= 50 ms NOT met'}"
        )


if __name__ == "__main__":
    asyncio.run(main())
