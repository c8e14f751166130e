"""Completed sessions waiting for reference data (an unknown token, EVSE or tariff): how they are kept in the
``pending`` table and when the pricing stage's timer looks at them again.

Wall-clock seconds here decide only *when* a session is tried again or given up, never what its CDR says.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: how often the timer runs; a parked session is looked at after 0.5 s, 1 s, 2 s, ... at most every 30 s
#: (look-ups cost CPU on the event loop), and sent again at most every 5 s
RETRY_EVERY_S = 0.5
CHECK_AT_MOST_EVERY_S = 30.0
RESEND_AFTER_S = 5.0
_PARKED_VERSION = 1


@dataclass(frozen=True, slots=True)
class Parked:
    """A session waiting for reference data: since when (wall clock, seconds), why, and its record."""

    since: float
    reason: str
    key: bytes
    record: bytes

    def to_bytes(self) -> bytes:
        return json.dumps({"v": _PARKED_VERSION, "since": self.since, "reason": self.reason,
                           "key": _b64(self.key), "record": _b64(self.record)}, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Parked:
        value = json.loads(raw)
        if value.get("v") != _PARKED_VERSION:
            raise ValueError(f"parked session version {value.get('v')!r}, expected {_PARKED_VERSION}")
        return cls(value["since"], value["reason"], base64.b64decode(value["key"]),
                   base64.b64decode(value["record"]))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


class RetrySchedule:
    """When the timer looks at a parked session again (after 0.5 s, 1 s, 2 s, ..., at most every 30 s: a
    look-up costs CPU on the event loop) and sends it again (when it resolves or its wait is over, at most
    every 5 s until it came back). In memory: after a restart every parked session is looked at at once."""

    def __init__(self, wait_s: float) -> None:
        self._wait_s = wait_s
        self._sent: dict[bytes, float] = {}
        self._looks: dict[bytes, tuple[float, float]] = {}  # key -> (next look, the delay after that)

    def due(self, key: bytes, since: float, now: float, clock: float, resolvable: Callable[[], bool]) -> bool:
        """Whether to send ``key`` again now; ``since``/``now`` wall clock, ``clock`` monotonic."""
        if clock - self._sent.get(key, -math.inf) < RESEND_AFTER_S:
            return False
        if now - since >= self._wait_s:
            return True
        look, delay = self._looks.get(key, (clock, RETRY_EVERY_S))
        if clock < look:
            return False
        if resolvable():
            return True
        self._looks[key] = (clock + delay, min(2 * delay, CHECK_AT_MOST_EVERY_S))
        return False

    def sent(self, key: bytes, clock: float) -> None:
        self._sent[key] = clock

    def came_back(self, key: bytes) -> None:
        self._sent.pop(key, None)
        self._looks.pop(key, None)

    def keep_only(self, parked: Iterable[bytes]) -> None:
        keep = set(parked)
        for key in (self._sent.keys() | self._looks.keys()) - keep:
            self.came_back(key)
