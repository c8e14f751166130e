"""Decoding cost per ``ocpp.events.v1`` transaction event (issue 15, point 1): the ``TransactionEventV2`` that
producers write (samples in columns) against the ``TransactionEvent`` written before (a record per sample),
measured in the same run on the same events.

The input is what ``bench_pipeline.py`` feeds the worker: sessions made by the OCPP 1.6 connector's own
normaliser (StartTransaction, 98 MeterValues of nine sampled values, StopTransaction). Each event is encoded
both ways; rounds alternate between the two (the CPU is shared: the median of the rounds is printed, with
the load average). Three measurements, each new against old:

(a) decode as the sessions stage does (``pipelines.sessions.item_of``: int timestamps; the new shape
    keeps its columns, which the fold reads with ``event_samples.readings``);
(b) decode and fold (``roamstream.sessions.apply`` over each charge point's events in order, state in a dict):
    the decoding plus what the fold does with the samples;
(c) decode as every other reader does (``events.decode``: the new shape expanded into the samples records
    the lake turns into ``meter_values`` rows);
(d) encode as the producers do (``events.encode``: the samples put in columns) against writing the records;
(e) decode the new shape as the sessions stage does (a) with cavro first (``roamstream.avro``, where cavro is
    installed) against fastavro alone (``AvroSerde(fast_decoding=False)``).

    .venv/bin/python bench/bench_decode.py [--sessions 20] [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_pipeline import START, session_events  # noqa: E402
from roamstream import events  # noqa: E402
from roamstream import sessions as fold  # noqa: E402
from roamstream.avro import AvroSerde  # noqa: E402


def inputs(sessions: int, serde: AvroSerde) -> tuple[list[bytes], list[bytes], int]:
    """The same events written both ways, and how many samples they carry."""
    old, new, samples = [], [], 0
    at = START
    wh = 1000
    for n in range(sessions):
        records, wh = session_events("CP00001", n, n, at, 100, wh)
        for e in records:
            record = e.to_record()
            samples += len(record["samples"])
            old.append(serde.encode(events.TOPIC, (events.TRANSACTION, record)))
            new.append(events.encode(serde, record))
        at += timedelta(hours=3)
    assert all(v[5] == 4 for v in new), "every event fits the columns"
    return old, new, samples


def timed(work: Callable[[list[bytes]], object], values: list[bytes]) -> float:
    """µs per event of one pass."""
    began = time.perf_counter()
    work(values)
    return (time.perf_counter() - began) / len(values) * 1e6


def alternate(rounds: int, baseline: Callable[[], float], measured: Callable[[], float]
              ) -> tuple[float, float, list[float], list[float]]:
    """``rounds`` of each, alternating: the medians (baseline, measured) and every round's figure."""
    before, after = [], []
    for _ in range(rounds):
        before.append(baseline())
        after.append(measured())
    return statistics.median(before), statistics.median(after), before, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    serde = AvroSerde()
    old, new, samples = inputs(args.sessions, serde)
    records = [events.decode(serde, v, logical_types=False) for v in old]

    def stage(values: list[bytes]) -> None:
        for v in values:
            events.decode(serde, v, logical_types=False, columns=True)

    def stage_and_fold(values: list[bytes]) -> None:
        state = fold.initial("CP00001")
        for v in values:
            state = fold.apply(state, events.decode(serde, v, logical_types=False, columns=True))

    def readers(values: list[bytes]) -> None:
        for v in values:
            events.decode(serde, v)

    def write_old(_: list[bytes]) -> None:
        for r in records:
            serde.encode(events.TOPIC, (events.TRANSACTION, r))

    def write_new(_: list[bytes]) -> None:
        for r in records:
            events.encode(serde, r)

    fastavro_alone = AvroSerde(fast_decoding=False)

    def stage_fastavro(values: list[bytes]) -> None:
        for v in values:
            events.decode(fastavro_alone, v, logical_types=False, columns=True)

    # warm: schemas parsed, resolvers cached
    for work in (stage, stage_and_fold, readers, write_old, write_new, stage_fastavro):
        work(old[:200])
        work(new[:200])
    print(f"{len(old)} events, {samples / len(old):.1f} samples per event; old {sum(map(len, old)) / len(old):.0f} "
          f"bytes per event, new {sum(map(len, new)) / len(new):.0f}; load average {os.getloadavg()[0]:.2f} at the "
          "start")
    cpu = time.process_time()
    for name, work_old, work_new in (("(a) decode as the sessions stage", stage, stage),
                                     ("(b) decode + fold", stage_and_fold, stage_and_fold),
                                     ("(c) decode for other readers (lake)", readers, readers),
                                     ("(d) encode as the producers", write_old, write_new)):
        b, a, before, after = alternate(args.rounds, lambda w=work_old: timed(w, old), lambda w=work_new: timed(w, new))
        print(f"{name}: new {a:.1f} µs/event, old {b:.1f} µs/event: new ×{a / b:.2f} of old "
              f"({b / a:.1f}× faster; rounds: new {min(after):.1f}–{max(after):.1f}, old {min(before):.1f}–"
              f"{max(before):.1f})")
    if serde.fast_decoding:
        b, a, fastavro_rounds, cavro_rounds = alternate(args.rounds, lambda: timed(stage_fastavro, new),
                                                        lambda: timed(stage, new))
        print(f"(e) decode as the sessions stage, new shape: cavro first {a:.1f} µs/event, fastavro alone {b:.1f} "
              f"µs/event: ×{a / b:.2f} ({b / a:.1f}× faster; rounds: cavro {min(cavro_rounds):.1f}–"
              f"{max(cavro_rounds):.1f}, fastavro {min(fastavro_rounds):.1f}–{max(fastavro_rounds):.1f})")
    else:
        print("(e) not measured: cavro is not installed here (fastavro alone decodes)")
    print(f"CPU {time.process_time() - cpu:.1f} s; load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
