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


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


@dataclass
class Waiting:
    """The snapshots of one session that wait, oldest first; since when (wall clock, seconds) and why.

    Each snapshot is kept decoded and as its JSON bytes, so that appending one to a long wait encodes only the
    new one (the table value is the header and the snapshots' bytes joined); the stage keeps the decoded entry
    of the value it stored, so it does not decode the whole wait again either."""

    since: float
    reason: str
    partition: int
    key: bytes
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    _encoded: list[bytes] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if len(self._encoded) != len(self.snapshots):
            self._encoded = [_dumps(snapshot_to_json(s)) for s in self.snapshots]

    def append(self, snapshot: dict[str, Any]) -> None:
        self.snapshots.append(snapshot)
        self._encoded.append(_dumps(snapshot_to_json(snapshot)))

    def pop_first(self) -> dict[str, Any]:
        self._encoded.pop(0)
        return self.snapshots.pop(0)

    def to_bytes(self) -> bytes:
        head = _dumps({"v": _VERSION, "since": self.since, "reason": self.reason, "partition": self.partition,
                       "key": self.key.decode("latin-1")})
        return head[:-1] + b',"snapshots":[' + b",".join(self._encoded) + b"]}"

    @classmethod
    def from_bytes(cls, raw: bytes) -> Waiting:
        value = json.loads(raw)
        if value.get("v") != _VERSION:
            raise ValueError(f"waiting snapshots version {value.get('v')!r}, expected {_VERSION}")
        return cls(value["since"], value["reason"], value["partition"], value["key"].encode("latin-1"),
                   [snapshot_from_json(s) for s in value["snapshots"]], [_dumps(s) for s in value["snapshots"]])


def session_key(snapshot: dict[str, Any]) -> bytes:
    return snapshot["session_id"].encode()
