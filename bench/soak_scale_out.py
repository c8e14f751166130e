"""Scale-out soak (issue 15): two workers on one consumer group, a third joining and leaving while the input flows,
again and again; every run must give each session exactly one CDR. Not a benchmark (no figure of speed): the
two-worker phase of ``bench_pipeline.py`` under the rebalances a worker joining and leaving causes, repeated,
because what it finds is rare. It found a worker leaving that lost 17 sessions in 1 run of 8 (fixed in
``pipelines/sessions.py``: ``SessionsStage.write_back``), which ``tests/restart/test_scale_out.py`` (a smaller feed,
one join and one leave per run) had not.

Each run: its own topics and consumer group on one embedded broker; two worker processes (``bench_pipeline.
worker_main``: reference, sessions and pricing stages) join one after the other; the input (``--events``
``ocpp.events.v1`` records, as ``bench_pipeline.py`` makes them) is produced while a third worker starts (its join
is a rebalance), stays ``--stay-s`` seconds once ready and stops cleanly (its leave is another). The run ends when
every session has its CDR on ``ocpi.cdrs.v1``, or when no CDR came for ``--quiet-s`` seconds. Printed per run: CDRs,
sessions priced, lost (a session without a CDR) and duplicated (a session with more than one CDR).

    python bench/soak_scale_out.py [--runs 10] [--events 200000] [--stay-s 1] [--logs DIR] [--keep-s 0]

Exit status 1 if a run lost or duplicated a CDR; with ``--keep-s`` the broker is kept that long after such a run
(its address and the run's topic prefix are printed) to look at its topics and offsets.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import os
import sys
import threading
import time
import uuid
from collections import Counter

import bench_pipeline as bp

from roamstream import events as ocpp_events
from roamstream.avro import AvroSerde
from roamstream.broker import EmbeddedBroker
from roamstream.config import PipelineSettings, Settings

print = bp.print  # noqa: A001 - flushed lines, also into a pipe


class Workers:
    """The workers of one run, started one after the other (``bench_pipeline.start_worker``)."""

    def __init__(self, ctx, settings: Settings, expected_refs: int, logs: str | None, run: int) -> None:
        self.ctx, self.settings, self.expected_refs, self.logs, self.run = ctx, settings, expected_refs, logs, run
        self.started: list[tuple] = []

    def start(self) -> tuple:
        """A worker process, once ready (SystemExit if it is not within 300 s)."""
        log = os.path.join(self.logs, f"run{self.run}-worker{len(self.started)}.log") if self.logs else None
        worker = bp.start_worker(self.ctx, self.settings, self.expected_refs, PipelineSettings().gc_threshold, log)
        if worker is None:
            bp.stop_workers(self.started)
            raise SystemExit(f"run {self.run}: worker {len(self.started) + 1} not ready within 300 s")
        self.started.append(worker)
        return worker


def soak_run(ctx, base: Settings, refs: dict, messages: list, sessions_per_cp: int, expected: int, run: int,
             args) -> bool:
    """One run; whether every session got exactly one CDR."""
    prefix = f"soak{uuid.uuid4().hex[:6]}."
    settings = bp.run_settings(base, prefix)
    serde = AvroSerde()
    workers = Workers(ctx, settings, bp.seed_run(settings, refs), args.logs, run)
    workers.start()
    workers.start()  # one after the other, as a worker joins a running one
    time.sleep(2.0)
    watcher = bp.CdrWatcher(settings, settings.topic("ocpi.cdrs.v1"))
    watcher.start()
    t0 = time.monotonic()
    producer = threading.Thread(target=bp.produce_all,
                                args=(settings, settings.topic(ocpp_events.TOPIC), iter(messages)))
    producer.start()
    third = workers.start()  # joins while the input flows
    joined = (time.monotonic() - t0, len(watcher.arrivals))
    time.sleep(args.stay_s)
    bp.stop_workers([third])
    left = (time.monotonic() - t0, len(watcher.arrivals))
    producer.join()
    count, quiet_since = -1, time.monotonic()
    while len(watcher.arrivals) < expected and time.monotonic() - quiet_since < args.quiet_s:
        time.sleep(0.5)
        if len(watcher.arrivals) != count:
            count, quiet_since = len(watcher.arrivals), time.monotonic()
    time.sleep(1.0)  # a duplicate just behind the last expected CDR
    watcher.stopping.set()
    watcher.join(10)
    bp.stop_workers(workers.started)  # the third again: already gone
    cdrs = [serde.decode("ocpi.cdrs.v1", value) for _, value in watcher.arrivals]
    per_session = Counter(cdr["session_id"] for cdr in cdrs)
    lost = expected - len(per_session)
    duplicated = sum(1 for n in per_session.values() if n > 1)
    print(f"run {run} ({prefix}): {len(cdrs):,} CDRs, {len(per_session):,} of {expected:,} sessions priced; lost "
          f"{lost}, duplicated {duplicated}; the third worker ready at {joined[0]:.1f} s ({joined[1]:,} CDRs), "
          f"gone at {left[0]:.1f} s ({left[1]:,} CDRs)")
    if lost or duplicated:
        short = Counter(cdr["charge_point_id"] for cdr in cdrs)
        print(f"  charge points with fewer than {sessions_per_cp} CDRs: "
              f"{sorted(cp for cp, n in short.items() if n < sessions_per_cp)[:40]}")
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--charge-points", type=int, default=500)
    parser.add_argument("--stay-s", type=float, default=1.0, help="how long the third worker stays once ready")
    parser.add_argument("--quiet-s", type=float, default=40.0, help="a run ends after this long without a CDR")
    parser.add_argument("--logs", help="a directory for each worker's log (INFO)")
    parser.add_argument("--keep-s", type=float, default=0.0, help="keep the broker this long after a failed run")
    args = parser.parse_args()
    if args.logs:
        os.makedirs(args.logs, exist_ok=True)
    sessions_per_cp = max(1, args.events // bp.PER_SESSION // args.charge_points)
    cps = bp.charge_points(args.charge_points, "BENCH-CP-")
    serde = AvroSerde()
    messages = [(cp, ocpp_events.encode(serde, r)) for _, cp, r in bp.bulk_input(cps, sessions_per_cp, bp.PER_SESSION)]
    gc.collect()
    gc.freeze()
    ctx = mp.get_context("spawn")
    failed = 0
    with EmbeddedBroker() as broker:
        base = Settings().for_embedded(broker.bootstrap_servers)
        refs = bp.reference_records(cps)
        for run in range(args.runs):
            if not soak_run(ctx, base, refs, messages, sessions_per_cp, len(cps) * sessions_per_cp, run, args):
                failed += 1
                if args.keep_s:
                    print(f"  the broker stays at {broker.bootstrap_servers} for {args.keep_s:g} s")
                    time.sleep(args.keep_s)
    print(f"{args.runs - failed} of {args.runs} runs gave every session exactly one CDR")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
