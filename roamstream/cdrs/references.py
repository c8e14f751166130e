"""The reference data a completed session is priced with: its token, location and tariff (pure look-ups).

The stores are plain mappings of bytes to OCPI JSON bytes (the pricing stage passes its global tables):
tokens by ``uid_key(uid)`` (case-insensitive), locations and tariffs by ``<cc>-<pid>-<id>``, and
``evse_index`` from EVSE uid to the key of the location that has it.
Anything unknown raises ``MissingReference`` naming it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from roamstream.cdrs.exceptions import MissingReference
from roamstream.cdrs.handover import Handover
from roamstream.cdrs.resolve import evse_uid, find_connector, valid_tariff
from roamstream.cdrs.session_object import SessionParts
from roamstream.cdrs.session_periods import PeriodsMemo
from roamstream.ocpi.location import Location
from roamstream.ocpi.tariff import Tariff
from roamstream.ocpi.timefmt import parse_datetime
from roamstream.ocpi.token import Token, uid_key
from roamstream.tariffs import TariffCache

Store = Mapping[bytes, bytes]


class ParsedCache:
    """Parsed objects by store key (``parse`` of the stored bytes), parsed again only when the stored bytes
    change. What it gives is shared between callers: nobody may change it."""

    def __init__(self, parse: Callable[[bytes], Any]) -> None:
        self._parse = parse
        self._items: dict[bytes, tuple[bytes, Any]] = {}

    def get(self, key: bytes, raw: bytes) -> Any:
        held = self._items.get(key)
        if held is not None and (held[0] is raw or held[0] == raw):
            return held[1]
        parsed = self._parse(raw)
        self._items[key] = (raw, parsed)
        return parsed


def _tariff_data(raw: bytes) -> dict[str, Any]:
    return json.loads(raw, parse_float=Decimal)


@dataclass
class ParsedReferences:
    """The tokens, locations and tariffs a stage has validated, kept while their bytes stay the same; and what
    it derived from them for the sessions it is working on (compiled tariffs, charging periods so far, the constant
    members of their Sessions). The sessions and pricing stages of one worker share one
    (``pipelines.pricing.register``)."""

    tokens: ParsedCache = field(default_factory=lambda: ParsedCache(Token.model_validate_json))
    locations: ParsedCache = field(default_factory=lambda: ParsedCache(Location.model_validate_json))
    tariffs: ParsedCache = field(default_factory=lambda: ParsedCache(Tariff.model_validate_json))
    #: the tariffs as JSON data (numbers as Decimal), as ``References.tariff`` gives them
    tariff_data: ParsedCache = field(default_factory=lambda: ParsedCache(_tariff_data))
    #: tariffs compiled for the engine (a Session's running cost)
    compiled: TariffCache = field(default_factory=TariffCache)
    #: each open session's charging periods so far, for its next snapshot (``session_periods``; None: none kept)
    periods: PeriodsMemo | None = field(default_factory=PeriodsMemo)
    #: completed sessions' charging periods from their COMPLETED Session records, for their CDRs
    #: (``cdrs.handover``; None: every CDR cuts its own)
    handover: Handover | None = field(default_factory=Handover)
    #: each open session's Session members that stay the same between its snapshots (``session_object``; None:
    #: every Session made whole)
    sessions: SessionParts | None = field(default_factory=SessionParts)


@dataclass(frozen=True, slots=True)
class References:
    token: Token
    location: Location
    #: the tariff valid at the session start, as JSON data (numbers as Decimal); shared through ``ParsedReferences``:
    #: read only
    tariff: dict[str, Any]

    @property
    def last_updated(self) -> datetime:
        """The latest ``last_updated`` of the three: the event time of the reference data used."""
        return max(self.token.last_updated, self.location.last_updated, parse_datetime(self.tariff["last_updated"]))


def look_up(completed: dict[str, Any], tokens: Store, evse_index: Store, locations: Store,
            tariffs: Store, parsed: ParsedReferences | None = None) -> References:
    """The references of ``completed``; ``parsed`` keeps validated objects between calls (else each call
    validates what it reads)."""
    parsed = parsed or ParsedReferences()
    token_key = uid_key(completed["id_tag"])
    raw_token = tokens.get(token_key)
    if raw_token is None:
        raise MissingReference(f"unknown token {completed['id_tag']!r}")
    uid = evse_uid(completed["charge_point_id"], completed["connector_id"], completed["evse_id"])
    location_key = evse_index.get(uid.encode())
    raw_location = locations.get(location_key) if location_key is not None else None
    if raw_location is None:
        raise MissingReference(f"no location has EVSE {uid!r}")
    location = parsed.locations.get(location_key, raw_location)
    tariff = session_tariff(completed, location, uid, tariffs, parsed)
    return References(parsed.tokens.get(token_key, raw_token), location, tariff)


def session_tariff(completed: dict[str, Any], location: Location, uid: str, tariffs: Store,
                   parsed: ParsedReferences) -> dict[str, Any]:
    """``look_up``'s tariff of ``completed``, whose EVSE ``uid`` is at ``location``: for a caller that has found the
    location itself."""
    _, connector = find_connector(location, uid, completed["connector_id"] if completed["evse_id"] else None)
    known: dict[str, tuple[bytes, bytes]] = {}
    models: dict[str, Tariff] = {}
    for tariff_id in connector.tariff_ids or []:
        key = _tariff_key(location, tariff_id)
        raw = tariffs.get(key)
        if raw is not None:
            known[tariff_id] = (key, raw)
            models[tariff_id] = parsed.tariffs.get(key, raw)
    return parsed.tariff_data.get(*known[valid_tariff(connector, models, completed["start"]).id])


def _tariff_key(location: Location, tariff_id: str) -> bytes:
    return f"{location.country_code}-{location.party_id}-{tariff_id}".encode()
