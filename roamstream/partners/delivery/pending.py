"""What is waiting to reach a partner: one ``Pending`` per (partner, object), kept as JSON bytes.

A Session's pending record holds its latest full state (a newer snapshot replaces it: when a lane is behind it
sends the latest state once); a CDR's holds the CDR. ``group`` is the session id: a lane keeps one order per
group (the Session's PUT and PATCHes, then its CDRs), and runs groups in parallel. A Tariff's and a Location's
record hold the latest version (group ``tariff:<cc>-<pid>-<id>``, ``location:<cc>-<pid>-<id>``; a deleted Tariff's,
its deletion: ``objects.tariff_deletion``; a deleted Location's, the Location with its EVSEs REMOVED); an EVSE status
record (object id: the EVSE uid) holds its Location with that status, in the Location's group, so that the
partner gets the Location before the status PATCHes of its EVSEs, and the whole Location if it lacks the EVSE.

The worker keeps an object's pending state and what the partner acknowledged of it in ONE keyed record (the
``push_ledger`` table, under the ledger key): ``ledger_entry`` makes it, ``split_entry`` reads it. A record that
holds a pending state is ``{"pending": {...}, "acknowledged": <the ledger value or null>}`` (it starts with
``PENDING_MARK``); any other record is the ledger value alone, as it always was. So acknowledging an object is one
record (the ledger value replaces the pending one), not a ledger write and a pending delete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Literal

from roamstream.partners.exceptions import PendingStateError

Kind = Literal["session", "cdr", "tariff", "location", "evse"]
#: kinds of which a group holds one object, sent before the group's others: a Session before its CDRs, a
#: Location before the status PATCHes of its EVSEs; a Tariff is a group of its own
HEAD_KINDS = frozenset({"session", "tariff", "location"})


@dataclass(frozen=True, slots=True)
class Pending:
    kind: Kind
    partner: str
    object_id: str
    group: str
    #: the whole OCPI object (JSON text): the latest Session state, or the CDR
    body: str
    #: the object's ``last_updated`` (event time), ISO 8601
    last_updated: str
    #: the input partition it came from: the partition of its state (co-partitioned with the input)
    partition: int
    charge_point_id: str
    #: wall clock (epoch seconds) when it became pending (operational: ``push status``' oldest age)
    since: float
    #: sent again on an operator's request: a Session is PUT whole, a CDR POSTed even if acknowledged before
    force: bool = False

    @property
    def key(self) -> bytes:
        return pending_key(self.partner, self.kind, self.object_id)

    @property
    def ledger_key(self) -> bytes:
        return ledger_key(self.partner, self.kind, self.object_id)

    @property
    def event_time(self) -> datetime:
        return datetime.fromisoformat(self.last_updated)

    def encode(self) -> bytes:
        return json.dumps({f: getattr(self, f) for f in _FIELDS}, separators=(",", ":")).encode()

    def with_(self, **changes) -> Pending:
        return replace(self, **changes)


_FIELDS = tuple(f.name for f in fields(Pending))


def decode(raw: bytes) -> Pending:
    try:
        return _from_fields(json.loads(raw))
    except ValueError as exc:
        raise PendingStateError(f"unreadable pending delivery record: {exc}") from exc


def _from_fields(fields_: object) -> Pending:
    try:
        return Pending(**fields_)  # type: ignore[arg-type]
    except TypeError as exc:
        raise PendingStateError(f"unreadable pending delivery record: {exc}") from exc


#: how a ``push_ledger`` record holding a pending state starts (no ledger value does: a ledger value is an OCPI
#: object, an EVSE status PATCH, or a CDR's ``{"acknowledged": ...}``)
PENDING_MARK = b'{"pending":'


def ledger_entry(pending: Pending | None, acknowledged: bytes | None) -> bytes | None:
    """The one record of an object: its pending state (if any) with what the partner acknowledged (if any);
    None (a tombstone) when it has neither."""
    if pending is None:
        return acknowledged
    return json.dumps({"pending": {f: getattr(pending, f) for f in _FIELDS},
                       "acknowledged": acknowledged.decode() if acknowledged is not None else None},
                      separators=(",", ":")).encode()


def split_entry(raw: bytes | None) -> tuple[Pending | None, bytes | None]:
    """``(pending state, acknowledged ledger value)`` of an object's record (``ledger_entry``)."""
    if raw is None:
        return None, None
    if not raw.startswith(PENDING_MARK):
        return None, raw
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise PendingStateError(f"unreadable pending delivery record: {exc}") from exc
    acknowledged = doc.get("acknowledged")
    return _from_fields(doc["pending"]), acknowledged.encode() if acknowledged is not None else None


def pending_key(partner: str, kind: Kind, object_id: str) -> bytes:
    return f"{partner}|{kind}|{object_id}".encode()


def ledger_key_of(key: bytes) -> bytes:
    """The ledger key of an object named by its pending key (``pending_key``)."""
    partner, kind, object_id = key.decode().split("|", 2)
    return ledger_key(partner, kind, object_id)  # type: ignore[arg-type]


def ledger_key(partner: str, kind: Kind, object_id: str) -> bytes:
    """The push ledger's key (unchanged since the first ledger: ``P|<cdr id>`` and ``P|session|<id>``; the
    other kinds ``P|<kind>|<id>``)."""
    return (f"{partner}|{object_id}" if kind == "cdr" else f"{partner}|{kind}|{object_id}").encode()
