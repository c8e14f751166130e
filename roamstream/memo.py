"""A bounded memo of derived data: entries by key, the least recently used going first once the weights of those
held pass a limit (the newest is always kept). The session memos (``sessions.timeline_memo``,
``cdrs.session_periods``) hold each open session's work here between its snapshots."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class WeightedLru(Generic[K, V]):
    def __init__(self, limit: int, weight: Callable[[V], int]) -> None:
        self.limit = limit
        self._weight = weight
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._total = 0

    def __len__(self) -> int:
        return len(self._entries)

    def pop(self, key: K) -> V | None:
        """Take the entry of ``key`` out (None if none is held); ``put`` it back to keep it."""
        value = self._entries.pop(key, None)
        if value is not None:
            self._total -= self._weight(value)
        return value

    def clear(self) -> None:
        """Let go of every entry."""
        self._entries.clear()
        self._total = 0

    def put(self, key: K, value: V) -> None:
        """Hold ``value`` as the most recently used entry; the least recently used go while over the limit."""
        self.pop(key)
        self._entries[key] = value
        self._total += self._weight(value)
        while self._total > self.limit and len(self._entries) > 1:
            _, dropped = self._entries.popitem(last=False)
            self._total -= self._weight(dropped)
