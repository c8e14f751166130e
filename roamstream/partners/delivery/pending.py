"""What is waiting to reach a partner: one ``Pending`` per (partner, object), kept as JSON bytes.

A Session's pending record holds its latest full state (a newer snapshot replaces it: when a lane is behind it
sends the latest state once); a CDR's holds the CDR. ``group`` is the session id: a lane keeps one order per
group (the Session's PUT and PATCHes, then its CDRs), and runs groups in parallel. A Tariff's and a Location's
record hold the latest version (group ``tariff:<cc>-<pid>-<id>``, ``location:<cc>-<pid>-<id>``); an EVSE status
record (object id: the EVSE uid) holds its Location with that status, in the Location's group, so that the
partner gets the Location before the status PATCHes of its EVSEs, and the whole Location if it lacks the EVSE.
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
        return Pending(**json.loads(raw))
    except (ValueError, TypeError) as exc:
        raise PendingStateError(f"unreadable pending delivery record: {exc}") from exc


def pending_key(partner: str, kind: Kind, object_id: str) -> bytes:
    return f"{partner}|{kind}|{object_id}".encode()


def ledger_key(partner: str, kind: Kind, object_id: str) -> bytes:
    """The push ledger's key (unchanged since the first ledger: ``P|<cdr id>`` and ``P|session|<id>``; the
    other kinds ``P|<kind>|<id>``)."""
    return (f"{partner}|{object_id}" if kind == "cdr" else f"{partner}|{kind}|{object_id}").encode()
