"""Fold micro-bench (issue 15): the sessions stage's own CPU per event, in-process, without Kafka or faust.

The input is ``bench_pipeline``'s (OCPP 1.6 sessions of 100 events, many charge points side by side), encoded
as the connector publishes it and decoded as the sessions stage reads it. Then, timed apart with the process
clock: the fold (``SessionFolder.run`` in batches of ``sessions_batch_max``, each batch's states written back
to a dict as the table's) and the OCPI Session records of its snapshots (``snapshot_record``). Printed as µs
per event, beside the decode measured in the same run (the baseline: what every event costs before the fold).
The fold keeps each open session's timeline for its next snapshot
(``timeline_memo``); ``--no-timeline-memo`` makes every one from the whole session, the same digest. The Session
records are made a second time, timed apart, without the periods memo (every snapshot's charging
periods rebuilt from its whole timeline, as a worker with an empty memo does): the same records, and the
baseline of what the memo saves.

A digest of everything produced (the encoded Session and completed-session records, in order, and the
written-back states) is printed too: a change that makes the fold cheaper must leave it as it was.

    python bench/bench_fold.py [--events 20000] [--charge-points 100] [--distinct-meters] [--no-timeline-memo]
                               [--gc-threshold N] [--profile FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # bench_pipeline's input, and the repository's packages

import bench_pipeline  # noqa: E402
from bench_pipeline import (  # noqa: E402
    PER_SESSION,
    bulk_input,
    charge_points,
    reference_records,
    reference_tables,
)

from pipelines.session_batches import Item, SessionFolder, fold_params  # noqa: E402
from pipelines.snapshots import snapshot_record  # noqa: E402
from pipelines.worker import tune_gc  # noqa: E402
from roamstream import events as ocpp_events  # noqa: E402
from roamstream import sessions as fold  # noqa: E402
from roamstream.avro import AvroSerde  # noqa: E402
from roamstream.cdrs.references import ParsedReferences  # noqa: E402
from roamstream.config import PipelineSettings, Settings  # noqa: E402
from roamstream.sessions import timeline_memo  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--charge-points", type=int, default=100)
    parser.add_argument("--profile", help="write cProfile stats of the timed part to this file")
    parser.add_argument("--distinct-meters", action="store_true",
                        help="each charge point's meter starts elsewhere, so that no two meter readings are alike "
                             "(in bench_pipeline's input all charge points read the same values)")
    parser.add_argument("--no-timeline-memo", action="store_true",
                        help="make every snapshot's timeline from the whole session (as a worker with an empty "
                             "timeline memo does): the digest must be the same")
    parser.add_argument("--gc-threshold", type=int, default=PipelineSettings().gc_threshold,
                        help="the garbage collector as the worker command sets it (PIPELINE_GC_THRESHOLD; default: the "
                             "setting's; 0: Python's collector as is, whose collections fall on whichever part "
                             "allocates when they are due)")
    args = parser.parse_args()
    timelines = timeline_memo.MEMO = None if args.no_timeline_memo else timeline_memo.TimelineMemo()
    if args.distinct_meters:
        made = bench_pipeline.session_events

        def session_events(cp, n, tx_index, at, per_session, meter_wh):
            return made(cp, n, tx_index, at, per_session, meter_wh + (7_919 * n if tx_index == 0 else 0))

        bench_pipeline.session_events = session_events
    settings = Settings()
    p = settings.pipeline
    cps = charge_points(args.charge_points, "BENCH-CP-")
    bulk = bulk_input(cps, max(1, args.events // PER_SESSION // args.charge_points), PER_SESSION)
    serde = AvroSerde()
    values = [(cp.encode(), ocpp_events.encode(serde, r)) for _, cp, r in bulk]
    tables = reference_tables(reference_records(cps))
    refs = ParsedReferences()
    rebuild_refs = ParsedReferences(periods=None)
    store: dict[bytes, bytes] = {}
    folder = SessionFolder(fold_params(p), store.get)
    digest = hashlib.sha256()
    clock = time.process_time
    tune_gc(args.gc_threshold)  # after the input is made, as the worker does once it is up
    spent = {"decode": 0.0, "fold": 0.0, "snapshots": 0.0}
    rebuilt = 0.0

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    for i in range(0, len(values), p.sessions_batch_max):
        t = clock()
        items = [Item(key, 0, ocpp_events.decode(serde, value, logical_types=False, columns=True))
                 for key, value in values[i:i + p.sessions_batch_max]]
        t1 = clock()
        result = folder.run(items)
        t2 = clock()
        records = [snapshot_record(output.record, tables, p, refs) if output.kind == fold.SNAPSHOT else None
                   for _, output, _ in result.outputs]
        t3 = clock()
        if profiler is None:
            again = [snapshot_record(output.record, tables, p, rebuild_refs) if output.kind == fold.SNAPSHOT else None
                     for _, output, _ in result.outputs]
            rebuilt += clock() - t3
            assert again == records, "the Session records differ without the periods memo"
        spent["decode"] += t1 - t
        spent["fold"] += t2 - t1
        spent["snapshots"] += t3 - t2
        for (_, output, _), record in zip(result.outputs, records, strict=True):
            if record is None:
                digest.update(serde.encode("sessions.completed.v1", output.record))
            else:
                digest.update(serde.encode("ocpi.sessions.v1", record))
        for _, key, value in result.writes:
            store[key] = value
            digest.update(key + b"=" + value)
        assert not result.failures, result.failures[:1]
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    n = len(values)
    print(f"{n:,} events, {len(cps)} charge points, gc threshold {args.gc_threshold:,}; µs per event: "
          + ", ".join(f"{k} {v / n * 1e6:,.1f}" for k, v in spent.items())
          + f"; fold + snapshots = {(spent['fold'] + spent['snapshots']) / spent['decode']:.2f} x decode")
    if profiler is None:
        print(f"snapshots without the periods memo (rebuilt from the whole timeline): {rebuilt / n * 1e6:,.1f} µs per "
              f"event; with it {spent['snapshots'] / rebuilt:.2f} x that ({refs.periods.resumed:,} snapshots took up "
              f"their session's periods, {refs.periods.built:,} built them)")
    if timelines is not None:
        print(f"timeline memo: {timelines.resumed:,} snapshots took up their session's timeline, "
              f"{timelines.built:,} made it from the whole session; {timelines.completed:,} completed records "
              "took it up")
    else:
        print("no timeline memo: every snapshot's timeline made from the whole session")
    print(f"digest {digest.hexdigest()}")


if __name__ == "__main__":
    main()
