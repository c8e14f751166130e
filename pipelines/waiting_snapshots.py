"""Session snapshots waiting for reference data, as completed sessions wait in pricing.

A fold snapshot becomes an OCPI Session record only with its token and its EVSE's location. When one of
them is not known yet (a token PUT just after the traffic that uses it, a worker whose reference tables
are still loading), the snapshot waits in the ``waiting_snapshots`` table (changelogged, co-partitioned with
the session state) with every later snapshot of the same session behind it, so a partner still gets them in
order. The sessions stage's timer looks at the waiting sessions every ``RETRY_EVERY_S``: what can be built
is sent, in order; a session that waited ``PIPELINE_REFERENCE_WAIT_S`` (the pricing stage's setting) goes
to the dead-letter topic with the reason, exactly as pricing gives up. Wall-clock seconds decide only
*when*, never what a snapshot holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from roamstream.sessions.state import from_us, to_us

_VERSION = 1
_TIMES = ("start", "end", "last_event")


def snapshot_to_json(snapshot: dict[str, Any]) -> dict[str, Any]:
    out = dict(snapshot)
    for name in _TIMES:
        if isinstance(out.get(name), datetime):
            out[name] = to_us(out[name])
    out["kwh"] = str(out["kwh"])
    if "samples" in out:
        out["samples"] = [{**point, "timestamp": to_us(point["timestamp"])} for point in out["samples"]]
    return out


def snapshot_from_json(value: dict[str, Any]) -> dict[str, Any]:
    out = dict(value)
    for name in _TIMES:
        if out.get(name) is not None:
            out[name] = from_us(out[name])
    out["kwh"] = Decimal(out["kwh"])
    if "samples" in out:
        out["samples"] = [{**point, "timestamp": from_us(point["timestamp"])} for point in out["samples"]]
    return out


@dataclass
class Waiting:
    """The snapshots of one session that wait, oldest first; since when (wall clock, seconds) and why."""

    since: float
    reason: str
    partition: int
    key: bytes
    snapshots: list[dict[str, Any]] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        return json.dumps({"v": _VERSION, "since": self.since, "reason": self.reason, "partition": self.partition,
                           "key": self.key.decode("latin-1"),
                           "snapshots": [snapshot_to_json(s) for s in self.snapshots]},
                          separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Waiting:
        value = json.loads(raw)
        if value.get("v") != _VERSION:
            raise ValueError(f"waiting snapshots version {value.get('v')!r}, expected {_VERSION}")
        return cls(value["since"], value["reason"], value["partition"], value["key"].encode("latin-1"),
                   [snapshot_from_json(s) for s in value["snapshots"]])


def session_key(snapshot: dict[str, Any]) -> bytes:
    return snapshot["session_id"].encode()
