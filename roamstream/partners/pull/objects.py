"""Tariffs, Locations and Tokens as their compacted topics hold them (``ocpi.object.v1``), in memory: the
latest version of each, deletions dropped. Fed by a ``CompactedTopicReader``."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from roamstream.avro import AvroSerde, SerdeError
from roamstream.compacted import CompactedView
from roamstream.partners.pull.page import Page, PageQuery, paginate

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoredObject:
    country_code: str
    party_id: str
    id: str
    last_updated: datetime
    #: the exact OCPI JSON text as validated by the ingest API
    json: str

    def data(self) -> dict[str, Any]:
        return json.loads(self.json, parse_float=Decimal)


class ObjectsView(CompactedView):
    def __init__(self, serde: AvroSerde) -> None:
        def decode(raw: bytes | None) -> StoredObject | None:
            if raw is None:
                return None
            try:
                record = serde.decode("ocpi.object.v1", raw)
            except SerdeError as exc:
                log.error("object record refused: %s", exc)
                return None
            if record["deleted"]:
                return None
            return StoredObject(record["country_code"], record["party_id"], record["id"], record["last_updated"],
                                record["ocpi_json"])

        super().__init__(decode)

    def remember(self, key: str, record: dict[str, Any]) -> None:
        """An ``ocpi.object.v1`` record this process just published (the topic reader brings it back later)."""
        with self._lock:
            if record["deleted"]:
                self._values.pop(key, None)
            else:
                self._values[key] = StoredObject(record["country_code"], record["party_id"], record["id"],
                                                 record["last_updated"], record["ocpi_json"])

    def page(self, query: PageQuery) -> Page:
        return paginate([(o.last_updated, f"{o.country_code}-{o.party_id}-{o.id}", o.json) for o in self.values()],
                        query)

    def find(self, object_id: str) -> StoredObject | None:
        """The object with id ``object_id`` (of any party: Tariffs and Locations are ours)."""
        for o in self.values():
            if o.id == object_id:
                return o
        return None
