"""When the sessions stage lets a folded event's record go: the fold as the stage runs it, measured both ways.

- ``kept``: a batch's events decoded into a list of items, the folder keeping each folded record (to undo a failed
  event) until the write-back, where the batch's records are freed together, long after they were used;
- ``released`` (the stage's way, ``SessionsStage.fold_events``): each event decoded as the folder takes it, the
  folder keeping its source and decoding it again only to undo a failed event, so that the record is freed once
  folded, while its memory is in the cache (and reused by the next record's decoding).

Per event, process time: decode + ``SessionFolder.run`` + ``flush`` (states written back after every batch, as a
worker keeping up does), on ``bench_pipeline``'s input, in batches of ``--batch`` events (``sessions_batch_max``: a
worker catching up takes batches of that size). The two ways alternate, ``--rounds`` times each, and both must
write the same states.

    python bench/bench_fold_release.py [--events 50000] [--charge-points 100] [--batch 5000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # bench_pipeline's input, and the repository's packages

from bench_pipeline import PER_SESSION, bulk_input, charge_points  # noqa: E402

from pipelines.session_batches import Item, SessionFolder, fold_params  # noqa: E402
from pipelines.worker import tune_gc  # noqa: E402
from roamstream import events as ocpp_events  # noqa: E402
from roamstream.avro import AvroSerde  # noqa: E402
from roamstream.config import PipelineSettings, Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--charge-points", type=int, default=100)
    parser.add_argument("--batch", type=int, default=PipelineSettings().sessions_batch_max)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    p = Settings().pipeline
    cps = charge_points(args.charge_points, "BENCH-CP-")
    bulk = bulk_input(cps, max(1, args.events // PER_SESSION // args.charge_points), PER_SESSION)
    serde = AvroSerde()
    values = [(cp.encode(), ocpp_events.encode(serde, r)) for _, cp, r in bulk]

    def record_of(value: bytes) -> dict:
        return ocpp_events.decode(serde, value, logical_types=False, columns=True)

    def item_of(kv: tuple[bytes, bytes]) -> Item:
        return Item(kv[0], 0, record_of(kv[1]), None, kv[1])

    def fold(released: bool) -> tuple[float, str]:
        store: dict[bytes, bytes] = {}
        folder = SessionFolder(fold_params(p), store.get, decode=record_of if released else None)
        digest = hashlib.sha256()
        spent = 0.0
        for i in range(0, len(values), args.batch):
            batch = values[i:i + args.batch]
            t = time.process_time()
            folder.run(map(item_of, batch) if released else [item_of(kv) for kv in batch], flush=False)
            writes = folder.flush()
            spent += time.process_time() - t
            for _, key, value in writes:
                store[key] = value
                digest.update(key + b"=" + value)
        return spent / len(values) * 1e6, digest.hexdigest()

    tune_gc(PipelineSettings().gc_threshold)
    times: dict[bool, list[float]] = {False: [], True: []}
    digests = set()
    for _ in range(args.rounds):
        for released in (False, True):
            gc.collect()
            us, digest = fold(released)
            times[released].append(us)
            digests.add(digest)
    assert len(digests) == 1, "the two ways wrote different states"
    print(f"{len(values):,} events, {len(cps)} charge points, batches of {args.batch:,}; decode + fold + write-back, "
          "µs per event (median, min-max):")
    for released, name in ((False, "kept"), (True, "released")):
        t = times[released]
        print(f"  {name:8} {statistics.median(t):5.1f} ({min(t):.1f}-{max(t):.1f})")


if __name__ == "__main__":
    main()
