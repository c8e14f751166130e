"""The registry in memory, fed by ``ocpi.partners.v1`` (and, in the process that writes a record, by that
write at once); publishing a change goes through ``RegistryWriter``."""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from roamstream.avro import AvroSerde, SerdeError
from roamstream.partners.registry.model import PartnerRecord, PartnerState
from roamstream.partners.registry.secrets import token_hash

log = logging.getLogger(__name__)

TOPIC = "ocpi.partners.v1"
SCHEMA = "ocpi.partners.v1"


class Registry:
    """Partners by key and by the hash of the token they call us with. Thread-safe: the topic reader writes
    from its thread."""

    def __init__(self, serde: AvroSerde | None = None) -> None:
        self._serde = serde or AvroSerde()
        self._by_key: dict[str, PartnerRecord] = {}
        self._by_hash: dict[str, str] = {}
        self._lock = threading.Lock()
        #: counts the changes: a reader may keep what it derived from the records while it is the same
        self.version = 0

    def apply(self, record: PartnerRecord) -> None:
        with self._lock:
            old = self._by_key.get(record.key)
            if old is not None and old.updated_at > record.updated_at:
                return  # an older record arriving after a newer one (written here, then read back)
            self._by_key[record.key] = record
            self._index()

    def remove(self, key: str) -> None:
        with self._lock:
            if self._by_key.pop(key, None) is not None:
                self._index()

    def _index(self) -> None:
        """Token hash -> key, built again (a registry holds tens of partners). A registered partner wins a
        hash that a pending record read late still carries (our token B, before and after registration)."""
        by_hash: dict[str, str] = {}
        for r in sorted(self._by_key.values(), key=lambda r: r.state == PartnerState.REGISTERED):
            if r.accepted_token_sha256 and r.state != PartnerState.UNREGISTERED:
                by_hash[r.accepted_token_sha256] = r.key
        self._by_hash = by_hash
        self.version += 1

    def apply_raw(self, key: str, raw: bytes | None) -> None:
        """A record as read from the topic (the topic reader's callback); None is a tombstone."""
        if raw is None:
            self.remove(key)
            return
        try:
            record = PartnerRecord.from_avro(self._serde.decode(SCHEMA, raw))
        except (SerdeError, ValueError) as exc:
            log.error("partner record %s refused: %s", key, exc)
            return
        self.apply(record)

    def get(self, key: str) -> PartnerRecord | None:
        return self._by_key.get(key)

    def by_token(self, token: str) -> PartnerRecord | None:
        """The partner that calls us with ``token`` (any state but UNREGISTERED)."""
        key = self._by_hash.get(token_hash(token))
        return self._by_key.get(key) if key is not None else None

    def all(self) -> list[PartnerRecord]:
        with self._lock:
            return sorted(self._by_key.values(), key=lambda r: r.key)

    def registered(self) -> list[PartnerRecord]:
        return [r for r in self.all() if r.state == PartnerState.REGISTERED]


class Producer(Protocol):
    async def send(self, topic: str, value: bytes | None, key: bytes | str | None = None) -> Any: ...


class RegistryWriter:
    """Publishes a partner record and applies it to the local registry once the broker has it."""

    def __init__(self, registry: Registry, producer: Producer, serde: AvroSerde) -> None:
        self.registry = registry
        self._producer = producer
        self._serde = serde

    async def put(self, record: PartnerRecord) -> PartnerRecord:
        await self._producer.send(TOPIC, self._serde.encode(SCHEMA, record.to_avro()), key=record.key)
        self.registry.apply(record)
        return record

    async def remove(self, key: str) -> None:
        """A tombstone for ``key`` (compaction drops it); gone from the local registry at once."""
        await self._producer.send(TOPIC, None, key=key)
        self.registry.remove(key)
