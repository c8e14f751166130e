"""Per-event cost of the fold as the agent runs it: json.loads, apply, drain, json.dumps.

    .venv/bin/python -m tests.sessions.bench_fold [charge_points] [readings_per_session]
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta

from roamstream.sessions import Params, apply, drain, initial
from tests.sessions.fixtures import T0, sample, status, tx_event


def events_of(cp: str, sessions: int, readings: int) -> list[dict]:
    """2.0.1 sessions with a reading a minute: register, power, current on three phases, voltage, SoC."""
    out = []
    minute, register = 0, 1000
    for n in range(sessions):
        tx, seq = f"{cp}-tx{n}", iter(range(10_000))

        def ev(kind, m, samples, state="Charging", tx=tx, seq=seq):
            return tx_event(kind, m, version="2.0.1", tx=tx, evse=1, seq=next(seq), charging_state=state,
                            samples=samples, cp=cp)

        out.append(ev("STARTED", minute, [sample(minute, str(register), context="Transaction.Begin")]))
        out.append(status(minute, "Occupied", evse=1, cp=cp))
        for _ in range(readings):
            minute += 1
            register += 180
            out.append(ev("UPDATED", minute, [
                sample(minute, str(register)), sample(minute, "11000", "Power.Active.Import"),
                *(sample(minute, "16", "Current.Import", phase=p) for p in ("L1", "L2", "L3")),
                *(sample(minute, "230", "Voltage", phase=p) for p in ("L1-N", "L2-N", "L3-N")),
                sample(minute, "55", "SoC"),
            ]))
        minute += 1
        end = [sample(minute, str(register), context="Transaction.End")]
        out.append(ev("ENDED", minute, end, "EVConnected"))
        out.append(status(minute, "Available", evse=1, cp=cp))
        minute += 30
    return out


def main(charge_points: int = 50, readings: int = 60) -> None:
    params = Params(settle=timedelta(0))
    streams = {f"CP{i:04d}": events_of(f"CP{i:04d}", 3, readings) for i in range(charge_points)}
    merged = sorted((e for es in streams.values() for e in es), key=lambda e: e["timestamp"])
    table: dict[str, bytes] = {}
    completed = 0
    began = time.perf_counter()
    for event in merged:
        cp = event["charge_point_id"]
        stored = table.get(cp)
        state = json.loads(stored) if stored is not None else initial(cp)
        state, outputs = drain(apply(state, event), params)
        table[cp] = json.dumps(state, separators=(",", ":")).encode()
        completed += sum(o.kind == "completed" for o in outputs)
    elapsed = time.perf_counter() - began
    largest = max(len(v) for v in table.values())
    print(f"{len(merged)} events, {completed} sessions completed in {elapsed:.2f}s: "
          f"{len(merged) / elapsed:,.0f} events/s, {elapsed / len(merged) * 1e6:.0f} µs/event; "
          f"largest state now {largest} bytes (T0={T0:%Y-%m-%d})")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
