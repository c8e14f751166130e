"""Corrections: an issued CDR is never changed (mod_cdrs); a recomputation that differs from it is sent as a
Credit CDR of the issued one plus a new CDR with the next revision id (pure).

What counts as "differs" is the CDR's content without its own ``id`` and ``last_updated`` and without the
``last_updated`` of the tariffs it embeds: a tariff republished unchanged with a newer ``last_updated`` does
not credit anything; a changed price, period, token or location does.

The Credit CDR carries all the data of the credited CDR; only ``total_cost`` holds the negated amounts, as
the spec says ("Only the values in the total_cost field SHALL contain the negative amounts"). Both new CDRs
get ``last_updated`` = the revision time the caller passes (event time: the latest ``last_updated`` of the
reference data used, never the wall clock), but never earlier than the credited CDR's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from roamstream.cdrs.assemble import BuiltCdr
from roamstream.cdrs.resolve import cdr_id
from roamstream.ocpi import jsonio
from roamstream.ocpi.timefmt import format_datetime, parse_datetime

_VERSION = 1
_DATETIMES = ("start_date_time", "end_date_time", "last_updated")


@dataclass(frozen=True, slots=True)
class IssuedCdr:
    """The last CDR issued for a (charge point, transaction): what a recomputation is compared with."""

    id: str
    revision: int
    fingerprint: str
    last_updated: datetime
    total_cost: dict[str, Decimal]
    #: the exact JSON sent: a Credit CDR must carry all of its data
    json: str

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "v": _VERSION, "id": self.id, "revision": self.revision, "fingerprint": self.fingerprint,
                "last_updated": format_datetime(self.last_updated),
                "total_cost": {k: str(v) for k, v in self.total_cost.items()}, "ocpi_json": self.json,
            },
            separators=(",", ":"),
        ).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> IssuedCdr:
        value = json.loads(raw)
        if value.get("v") != _VERSION:
            raise ValueError(f"issued CDR record version {value.get('v')!r}, expected {_VERSION}")
        return cls(
            value["id"], value["revision"], value["fingerprint"], parse_datetime(value["last_updated"]),
            {k: Decimal(v) for k, v in value["total_cost"].items()}, value["ocpi_json"],
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a pricing of a session does: the CDRs to send (in order) and the new issued state (None: keep)."""

    send: tuple[BuiltCdr, ...]
    issued: IssuedCdr | None


def fingerprint(data: dict[str, Any]) -> str:
    content = {k: v for k, v in data.items() if k not in ("id", "last_updated", "credit", "credit_reference_id")}
    if content.get("tariffs"):
        content["tariffs"] = [{k: v for k, v in t.items() if k != "last_updated"} for t in content["tariffs"]]
    return hashlib.sha256(jsonio.dumps(content).encode()).hexdigest()


def issued(built: BuiltCdr, revision: int) -> IssuedCdr:
    data = built.data
    return IssuedCdr(built.id, revision, fingerprint(data), _datetime(data["last_updated"]),
                     dict(data["total_cost"]), built.json)


def reconcile(previous: IssuedCdr | None, built: BuiltCdr, charge_point_id: str, transaction_id: str,
              revised_at: datetime) -> Outcome:
    """The outcome of pricing a session to ``built`` when ``previous`` was issued for it (None: never)."""
    if previous is None:
        return Outcome((built,), issued(built, 0))
    if fingerprint(built.data) == previous.fingerprint:
        return Outcome((), None)
    at = max(revised_at, previous.last_updated)
    credit = credit_cdr(previous, cdr_id(charge_point_id, transaction_id, credit=True,
                                         revision=previous.revision), at)
    revision = previous.revision + 1
    new = BuiltCdr.of({**built.data, "id": cdr_id(charge_point_id, transaction_id, revision=revision),
                       "last_updated": at})
    return Outcome((credit, new), issued(new, revision))


def credit_cdr(previous: IssuedCdr, credit_id: str, at: datetime) -> BuiltCdr:
    """The Credit CDR of ``previous``: its data, ``total_cost`` negated, ``credit``, ``credit_reference_id``."""
    original = json.loads(previous.json, parse_float=Decimal)
    data: dict[str, Any] = {}
    for key, value in original.items():
        if key == "last_updated":
            data["credit"] = True
            data["credit_reference_id"] = previous.id
            data["last_updated"] = at
        elif key == "id":
            data["id"] = credit_id
        elif key == "total_cost":
            data["total_cost"] = {k: -v for k, v in value.items()}
        elif key in _DATETIMES:
            data[key] = parse_datetime(value)
        else:
            data[key] = value
    return BuiltCdr.of(data)


def _datetime(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else parse_datetime(value)
