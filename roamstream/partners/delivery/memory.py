"""The lanes' pending state and ledger in dicts: the lanes without Kafka (the push bench's "lanes alone" phase,
and tests of the lanes' own rules). The worker keeps both in changelogged tables (``pipelines.push``)."""

from __future__ import annotations

from roamstream.partners.delivery.pending import Pending


class MemoryState:
    def __init__(self) -> None:
        self.pending_items: dict[bytes, Pending] = {}
        self.ledger_items: dict[bytes, bytes] = {}

    def pending(self, key: bytes) -> Pending | None:
        return self.pending_items.get(key)

    def ledger(self, key: bytes) -> bytes | None:
        return self.ledger_items.get(key)

    def acknowledge(self, item: Pending, value: bytes) -> None:
        self.ledger_items[item.ledger_key] = value
        self.drop(item)

    def drop(self, item: Pending) -> None:
        if self.pending_items.get(item.key) == item:
            del self.pending_items[item.key]
