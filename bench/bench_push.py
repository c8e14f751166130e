"""Push bench (issue 10): CDRs delivered per second to one partner, and stop-to-CDR-at-partner latency.

An embedded broker and a partner are started here; the partner is a real HTTP server (uvicorn, a minimal OCPI
Receiver answering every push with its envelope, status 1000) in another process. Three measurements:

(a) lanes: a worker process (``python -m roamstream worker``, every stage) with ``--cdrs`` priced CDRs put on
    ``ocpi.cdrs.v1`` at once; CDRs/s from the first one produced to the last one at the partner (each with
    its intent and result on ``push.results.v1`` and its ledger entry, as in production);
(a2) lanes alone: the same lanes over in-memory state (no Kafka: no intent, result or ledger records), the
    partner's pushes/s with ``PARTNERS_MAX_IN_FLIGHT`` requests in flight, comparable with (b);
(b) baseline: in the same run, the sender of the previous version, one request at a time (what its push
    agent did: each CDR awaited before the next), over the same partner; only the HTTP requests are timed
    (no Kafka), which flatters the baseline;
(c) latency: a fresh worker fed ``--rate`` OCPP events/s (the sessions of ``bench_pipeline.py``: 20 events,
    StopTransaction and a clock-aligned tail); wall clock from producing the stop to the CDR's POST reaching
    the partner (its Session's COMPLETED state acknowledged first), p50/p99.

    python bench/bench_push.py [--cdrs 20000] [--baseline 3000] [--rate 500] [--latency-s 20] [--quick]
        [--layout all|split]

``BENCH_PROFILE_DIR=<dir>`` runs each worker under cProfile with its main thread's CPU time as the clock
(``bench/cpu_profile.py``; ``<dir>/<stages>-<phase>.prof``, written when it stops).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from confluent_kafka import Producer

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from procstat import cpu_s  # noqa: E402

from roamstream.avro import serde_for  # noqa: E402
from roamstream.broker import EmbeddedBroker  # noqa: E402
from roamstream.config import Settings  # noqa: E402
from roamstream.demo import seed  # noqa: E402
from roamstream.kafka import create_topics  # noqa: E402
from roamstream.ocpi import jsonio  # noqa: E402
from roamstream.partners.delivery.lanes import Lanes, LaneSettings
from roamstream.partners.delivery.memory import MemoryState  # noqa: E402
from roamstream.partners.delivery.pending import Pending  # noqa: E402
from roamstream.partners.directory import PartnerEndpoint, StaticDirectory  # noqa: E402
from roamstream.partners.sender import OcpiSender, new_request  # noqa: E402

print = functools.partial(print, flush=True)  # noqa: A001
REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------- partner

def receiver_main(port_value, ready) -> None:
    """A minimal OCPI Receiver: every push answered with an envelope (1000); arrival times kept per id."""
    import uvicorn

    arrivals: dict[str, float] = {}
    counts = {"cdrs": 0, "sessions": 0}
    ok = json.dumps({"status_code": 1000, "status_message": "Success",
                     "timestamp": "2026-11-02T09:00:00Z"}).encode()

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        path = scope["path"]
        if path == "/_count":
            payload = json.dumps({"cdrs": len(arrivals)}).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": payload})
            return
        if path == "/_arrivals":
            payload = json.dumps({"arrivals": arrivals, "counts": counts}).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": payload})
            return
        status = 200
        if path.endswith("/cdrs") and scope["method"] == "POST":
            cdr_id = json.loads(body)["id"]
            arrivals.setdefault(cdr_id, time.time())
            counts["cdrs"] += 1
            status = 201
        else:
            counts["sessions"] += 1
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": ok})

    import socket
    sock = socket.socket()
    # answers go out at once (Nagle would hold the body behind the header until the client's delayed ACK:
    # 40 ms per request on Linux); accepted sockets inherit it
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port_value.value = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    ready.set()
    server.run(sockets=[sock])


_CLIENT: list[httpx.AsyncClient] = []


async def partner_count(url: str) -> int:
    if not _CLIENT:
        _CLIENT.append(httpx.AsyncClient())
    return (await _CLIENT[0].get(f"{url}/_count", timeout=30)).json()["cdrs"]


async def partner_state(url: str) -> dict:
    if not _CLIENT:
        _CLIENT.append(httpx.AsyncClient())
    return (await _CLIENT[0].get(f"{url}/_arrivals", timeout=30)).json()


# ---------------------------------------------------------------------------------------------- input

def cdr_json(cdr_id: str, partner: tuple[str, str]) -> str:
    token = seed.token(partner, 1)
    return jsonio.dumps({
        "country_code": "NL", "party_id": "RST", "id": cdr_id, "start_date_time": T0,
        "end_date_time": T0 + timedelta(minutes=45), "session_id": cdr_id,
        "cdr_token": {"country_code": partner[0], "party_id": partner[1], "uid": token["uid"], "type": "RFID",
                      "contract_id": token["contract_id"]},
        "auth_method": "WHITELIST",
        "cdr_location": {"id": seed.LOCATION_ID, "name": "Roamstream demo site", "address": "Stationsplein 1",
                         "city": "Utrecht", "postal_code": "3511 ED", "country": "NLD",
                         "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
                         "evse_uid": "CP-1", "evse_id": "NL*RST*E0001", "connector_id": "1",
                         "connector_standard": "IEC_62196_T2", "connector_format": "SOCKET",
                         "connector_power_type": "AC_3_PHASE"},
        "currency": "EUR", "tariffs": [json.loads(json.dumps(seed.tariff()), parse_float=Decimal)],
        "charging_periods": [{"start_date_time": T0, "dimensions": [
            {"type": "ENERGY", "volume": Decimal(10)}, {"type": "TIME", "volume": Decimal("0.75")}],
            "tariff_id": seed.TARIFF_ID}],
        "total_cost": {"excl_vat": Decimal("4.25"), "incl_vat": Decimal("5.1425")},
        "total_energy": Decimal(10), "total_time": Decimal("0.75"), "total_parking_time": Decimal(0),
        "last_updated": T0 + timedelta(minutes=45),
    })


def cdr_record(cdr_id: str, partner: tuple[str, str], cp: str) -> dict:
    end = T0 + timedelta(minutes=45)
    return {"id": cdr_id, "country_code": "NL", "party_id": "RST", "partner": f"{partner[0]}-{partner[1]}",
            "charge_point_id": cp, "transaction_id": cdr_id, "session_id": cdr_id, "start_date_time": T0,
            "end_date_time": end, "currency": "EUR", "total_energy": Decimal("10.0000"),
            "total_time": Decimal("0.7500"), "total_parking_time": Decimal("0.0000"),
            "total_cost_excl_vat": Decimal("4.2500"), "total_cost_incl_vat": Decimal("5.1425"), "credit": False,
            "credit_reference_id": None, "last_updated": end, "ocpi_json": cdr_json(cdr_id, partner)}


def produce(settings: Settings, topic: str, messages) -> None:
    producer = Producer({"bootstrap.servers": settings.kafka.bootstrap_servers, "linger.ms": 5,
                         "queue.buffering.max.messages": 1_000_000, "partitioner": "murmur2_random"})
    for key, value in messages:
        while True:
            try:
                producer.produce(settings.topic(topic), value, key)
                break
            except BufferError:
                producer.poll(0.01)
        producer.poll(0)
    producer.flush(60)


# ---------------------------------------------------------------------------------------------- worker

def fresh(base: Settings, name: str) -> Settings:
    prefix = f"{name}{uuid.uuid4().hex[:6]}."
    return base.model_copy(update={
        "kafka": base.kafka.model_copy(update={"topic_prefix": prefix}),
        "pipeline": base.pipeline.model_copy(update={"app_id": f"{prefix}roamstream", "reference_wait_s": 5.0}),
    })


#: ``all``: one worker with every stage; ``split``: a ``core`` worker and a ``lake`` worker (``PIPELINE_STAGES``)
LAYOUT = ["all"]


class Workers:
    """The worker process(es) of the layout; ``pid``/``poll`` are the one that pushes (all, or core)."""

    def __init__(self, procs: list[subprocess.Popen]) -> None:
        self.procs = procs
        self.pid = procs[0].pid

    def poll(self):
        return next((p.poll() for p in self.procs if p.poll() is not None), None)

    def cpu(self) -> list[float | None]:
        return [cpu_s(p.pid) for p in self.procs]

    def terminate(self) -> None:
        for p in self.procs:
            p.terminate()

    def wait(self, timeout: float) -> None:
        for p in self.procs:
            p.wait(timeout)


def start_worker(settings: Settings, partners: list[dict], lake: str, log: Path) -> Workers:
    if LAYOUT[0] == "split":
        return Workers([start_one(settings, partners, lake, log, "core"),
                        start_one(settings, partners, lake, log.with_suffix(".lake.log"), "lake")])
    return Workers([start_one(settings, partners, lake, log, "all")])


def start_one(settings: Settings, partners: list[dict], lake: str, log: Path, stages: str) -> subprocess.Popen:
    ours = ("ROAMSTREAM_", "KAFKA_", "PIPELINE_", "LAKE_", "PARTNERS_", "SCHEMA_REGISTRY_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update({"ROAMSTREAM_PROFILE": "embedded", "KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
                "KAFKA_TOPIC_PREFIX": settings.kafka.topic_prefix, "PIPELINE_APP_ID": settings.pipeline.app_id,
                "PIPELINE_REFERENCE_WAIT_S": "5", "PIPELINE_STAGES": stages, "LAKE_URI": lake,
                "PARTNERS_EMSPS": json.dumps(partners),
                **{k: v for k, v in os.environ.items() if k.startswith("PARTNERS_")}})
    profile = os.environ.get("BENCH_PROFILE_DIR")  # cProfile each worker into <dir>/<stages>-<phase log>.prof
    python = [sys.executable] if not profile else [
        sys.executable, str(REPO / "bench" / "cpu_profile.py"), str(Path(profile) / f"{stages}-{log.stem}.prof")]
    with log.open("wb") as out:
        return subprocess.Popen([*python, "-m", "roamstream", "worker"], cwd=REPO, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out)


def partner_entry(url: str, party: tuple[str, str], sessions: bool) -> dict:
    entry = {"country_code": party[0], "party_id": party[1], "token": "bench-token",
             "cdrs_url": f"{url}/ocpi/emsp/2.2.1/cdrs"}
    if sessions:
        entry["sessions_url"] = f"{url}/ocpi/emsp/2.2.1/sessions"
    return entry


async def wait_cdrs(url: str, count: int, limit_s: float, worker: subprocess.Popen) -> float | None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and worker.poll() is None:
        if (await partner_count(url)) >= count:
            return time.monotonic()
        await asyncio.sleep(0.05)
    return None


async def lanes_phase(base: Settings, url: str, n: int, tmp: Path) -> tuple[float, float, float | None]:
    settings = fresh(base, "pushbench")
    create_topics(settings)
    serde = serde_for(None)
    party = seed.PARTNERS[0]
    worker = start_worker(settings, [partner_entry(url, party, False)], str(tmp / "lake-a"), tmp / "worker-a.log")
    try:
        produce(settings, "ocpi.cdrs.v1", [("CP-W", serde.encode("ocpi.cdrs.v1", cdr_record("WARM", party, "CP-W")))])
        if await wait_cdrs(url, 1, 120, worker) is None:
            raise SystemExit(f"worker did not deliver the warm-up CDR; see {tmp / 'worker-a.log'}")
        messages = [(f"CP-{i % 500}", serde.encode("ocpi.cdrs.v1", cdr_record(f"B-{i}", party, f"CP-{i % 500}")))
                    for i in range(n)]
        before = await partner_count(url)
        cpu0 = worker.cpu()
        t0 = time.monotonic()
        produce(settings, "ocpi.cdrs.v1", messages)
        done = await wait_cdrs(url, before + n, 600, worker)
        if done is None:
            raise SystemExit(f"not every CDR delivered; see {tmp / 'worker-a.log'}")
        cpu1 = worker.cpu()
        per_push = [(b - a) / n if a is not None and b is not None else None for a, b in zip(cpu0, cpu1, strict=True)]
        return n / (done - t0), done - t0, per_push
    finally:
        worker.terminate()
        worker.wait(30)


async def baseline_phase(url: str, n: int) -> float:
    party = seed.PARTNERS[0]
    endpoint = PartnerEndpoint(party[0], party[1], "bench-token", {"cdrs": f"{url}/ocpi/emsp/2.2.1/cdrs"})
    bodies = [cdr_json(f"OLD-{i}", party).encode() for i in range(n)]
    # today's sender (aiohttp, TCP_NODELAY), used the previous version's way: the sender's design is measured
    sender = OcpiSender("NL", "RST", connections_per_partner=1)
    try:
        t0 = time.monotonic()
        for i, body in enumerate(bodies):
            attempt = await sender.send(endpoint, new_request("cdrs", f"OLD-{i}", "POST", endpoint.urls["cdrs"],
                                                              body, str(uuid.uuid4())))
            assert attempt.ok, attempt.error
        return n / (time.monotonic() - t0)
    finally:
        await sender.aclose()




class NoJournal:
    async def intent(self, item, request, attempt) -> None:
        return None

    async def result(self, item, attempt, delivered) -> None:
        return None

    async def final(self, item, attempt) -> None:
        raise AssertionError(attempt.error)


async def lanes_alone_phase(url: str, n: int, in_flight: int) -> float:
    party = seed.PARTNERS[0]
    endpoint = PartnerEndpoint(party[0], party[1], "bench-token", {"cdrs": f"{url}/ocpi/emsp/2.2.1/cdrs"})
    state = MemoryState()
    sender = OcpiSender("NL", "RST", connections_per_partner=in_flight)
    lanes = Lanes(StaticDirectory([endpoint]), sender, state, NoJournal(), LaneSettings(max_in_flight=in_flight))
    items = [Pending("cdr", endpoint.key, f"L-{i}", f"L-{i}", cdr_json(f"L-{i}", party), T0.isoformat(), 0, "CP",
                     time.time()) for i in range(n)]
    try:
        t0 = time.monotonic()
        for item in items:
            state.pending_items[item.key] = item
            lanes.add(item)
        while state.pending_items:
            await asyncio.sleep(0.01)
        return n / (time.monotonic() - t0)
    finally:
        await lanes.stop()
        await sender.aclose()


async def latency_phase(base: Settings, url: str, rate: float, seconds: float, tmp: Path) -> list[float]:
    from bench_pipeline import LATENCY_CPS, charge_points, latency_sessions, reference_records

    from ingest_api.records import object_record  # noqa: F401 - reference_records uses it
    from roamstream import events as ocpp_events
    settings = fresh(base, "pushlat")
    create_topics(settings)
    serde = serde_for(None)
    cps = charge_points(LATENCY_CPS, "LAT-CP-")
    for name, records in reference_records(cps).items():
        produce(settings, name, [(key, serde.encode("ocpi.object.v1", r)) for key, r in records])
    partners = [partner_entry(url, party, True) for party in seed.PARTNERS]
    worker = start_worker(settings, partners, str(tmp / "lake-c"), tmp / "worker-c.log")
    try:
        producer = Producer({"bootstrap.servers": settings.kafka.bootstrap_servers, "linger.ms": 1,
                             "partitioner": "murmur2_random"})
        topic = settings.topic(ocpp_events.TOPIC)
        # warm-up: one session per charge point until the first CDR reaches the partner (group join, tables)
        streams = [latency_sessions(cp, i, serde, 20) for i, cp in enumerate(cps)]
        pending = [next(s) for s in streams]
        sent_stop: dict[str, float] = {}
        start, n = time.monotonic(), 0
        warm_until = start + 15
        while time.monotonic() < warm_until + seconds:
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            i = n % len(cps)
            value, tx, is_stop = pending[i]
            producer.produce(topic, value, cps[i])
            if is_stop:
                value, _, _ = next(streams[i])
                producer.produce(topic, value, cps[i])
                if time.monotonic() >= warm_until:
                    sent_stop[f"{cps[i]}-{tx}"] = time.time()
            pending[i] = next(streams[i])
            producer.poll(0)
            n += 1
        producer.flush(10)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            arrivals = (await partner_state(url))["arrivals"]
            if all(k in arrivals for k in sent_stop):
                break
            await asyncio.sleep(0.5)
        arrivals = (await partner_state(url))["arrivals"]
        return [arrivals[k] - sent for k, sent in sent_stop.items() if k in arrivals], len(sent_stop)
    finally:
        worker.terminate()
        worker.wait(30)


def percentiles(seconds: list[float]) -> str:
    if not seconds:
        return "none seen"
    q = statistics.quantiles(seconds, n=100) if len(seconds) > 1 else [seconds[0]] * 99
    return f"p50 {statistics.median(seconds) * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms"


async def run(args) -> None:
    import tempfile

    ctx = mp.get_context("spawn")
    port, ready = ctx.Value("i", 0), ctx.Event()
    receiver = ctx.Process(target=receiver_main, args=(port, ready), daemon=True)
    receiver.start()
    ready.wait(30)
    await asyncio.sleep(0.5)
    url = f"http://127.0.0.1:{port.value}"
    print("load average at the start: {:.2f} {:.2f} {:.2f} ({} CPUs); worker layout: {}".format(
        *os.getloadavg(), os.cpu_count(), LAYOUT[0]))
    tmp = Path(tempfile.mkdtemp(prefix="bench-push-"))
    try:
        with EmbeddedBroker() as broker:
            base = Settings().for_embedded(broker.bootstrap_servers)
            baseline = await baseline_phase(url, args.baseline)
            print(f"baseline, one request at a time ({args.baseline:,} CDRs, HTTP only): {baseline:,.0f} pushes/s")
            in_flight = Settings().partners.max_in_flight
            alone = await lanes_alone_phase(url, args.cdrs, in_flight)
            print(f"lanes alone ({args.cdrs:,} CDRs, {in_flight} in flight, HTTP only): {alone:,.0f} pushes/s "
                  f"({alone / baseline:.1f}x the baseline)")
            rate, took, per_push = await lanes_phase(base, url, args.cdrs, tmp)
            names = ["every stage"] if len(per_push) == 1 else ["core worker", "lake worker"]
            cpu = "".join(f"; {name} CPU {cpu * 1000:.2f} ms per push"
                          for name, cpu in zip(names, per_push, strict=True) if cpu is not None)
            print(f"lanes, worker end to end ({args.cdrs:,} CDRs in {took:.1f} s): {rate:,.0f} pushes/s "
                  f"({rate / baseline:.1f}x the baseline{cpu})")
            if args.latency_s > 0:
                latencies, sent = await latency_phase(base, url, args.rate, args.latency_s, tmp)
                print(f"stop-to-CDR-at-partner at {args.rate:.0f} events/s offered ({len(latencies)} of {sent} "
                      f"sessions): {percentiles(latencies)}")
    finally:
        receiver.terminate()
        print("load average at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cdrs", type=int, default=20_000)
    parser.add_argument("--baseline", type=int, default=3_000)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--latency-s", type=float, default=20.0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--layout", choices=["all", "split"], default="all",
                        help="all: one worker, every stage; split: a core worker and a lake worker (PIPELINE_STAGES)")
    args = parser.parse_args()
    LAYOUT[0] = args.layout
    if args.quick or os.environ.get("BENCH_QUICK"):
        args.cdrs, args.baseline, args.latency_s = 5_000, 1_000, 10.0
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
