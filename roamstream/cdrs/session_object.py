"""The OCPI 2.2.1 Session object of a session-fold snapshot (pure).

Most of a Session is the same at every snapshot of its session: who charged, where, in which currency. A
``SessionParts`` keeps those members, as data and as JSON text, by session id, and a snapshot takes them up when
they are made from the same token and location objects and the same snapshot fields; the members that change
(end, kWh, periods, cost, status, time) are written at every snapshot. The text is the one ``jsonio.dumps`` writes
of the whole, and it is still checked against the OCPI ``Session`` model.

The check is made in two parts, each by a model of some of ``Session``'s fields declared exactly as there: the
constant members once, when they are made, and the changing ones at every snapshot. That is the whole model's
check: ``Session`` and the models in it have no validator that looks at more than one field, so a Session is valid
exactly when each of its members is and none that is required is missing; the two parts' fields are all of
``Session``'s, each in one part; the text is the two parts' members, with disjoint keys, joined; and constant members
are taken up only where they are made from the same inputs, so they are the same text that was checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import create_model

from roamstream.cdrs.authorization import authorized, cdr_token
from roamstream.cdrs.resolve import evse_uid, find_connector
from roamstream.memo import WeightedLru
from roamstream.ocpi import jsonio
from roamstream.ocpi.common import OcpiModel
from roamstream.ocpi.location import Location
from roamstream.ocpi.numbers import round4
from roamstream.ocpi.session import Session
from roamstream.ocpi.token import Token

COMPLETED = "COMPLETED"
#: the members of a Session written at every snapshot (``build_session``'s ``changing`` and ``tail``)
CHANGING = ("end_date_time", "kwh", "charging_periods", "total_cost", "status", "last_updated")


def _part(name: str, fields: list[str]) -> type[OcpiModel]:
    """A model of ``fields`` of ``Session``, each declared as there (its type, constraints and validators)."""
    return create_model(name, __base__=OcpiModel,
                        **{f: (Session.model_fields[f].annotation, Session.model_fields[f]) for f in fields})


#: ``Session``'s check in two parts: the constant members, and the members written at every snapshot
SessionFixed = _part("SessionFixed", [f for f in Session.model_fields if f not in CHANGING])
SessionChanging = _part("SessionChanging", list(CHANGING))


def build_session(
    snapshot: dict[str, Any], token: Token, location: Location, currency: str, cpo: tuple[str, str],
    total_cost: dict[str, Any] | None = None, charging_periods: list[dict[str, Any]] | None = None,
    parts: SessionParts | None = None,
) -> tuple[dict[str, Any], str]:
    """(data, JSON text); ``last_updated`` is the snapshot's latest event time, never the wall clock;
    ``total_cost`` the running cost and ``charging_periods`` the periods so far (``session_periods``), when the
    session's tariff is known. With ``parts``, the same, the constant members taken from the session's previous
    snapshot where they are made from the same inputs."""
    fixed = _fixed(snapshot, token, location, currency, cpo) if parts is None else parts.get(
        snapshot, token, location, currency, cpo)
    data = _head(snapshot, cpo)  # what ``fixed.head_text`` writes, from this snapshot
    changing: dict[str, Any] = {}
    if snapshot["end"] is not None:
        changing["end_date_time"] = snapshot["end"]
    changing["kwh"] = round4(snapshot["kwh"])
    tail: dict[str, Any] = {}
    if charging_periods is not None:
        tail["charging_periods"] = charging_periods
    if total_cost is not None:
        tail["total_cost"] = total_cost
    tail["status"] = snapshot["status"]
    tail["last_updated"] = snapshot["end"] or snapshot["last_event"]
    data.update(changing)
    data.update(fixed.middle)
    data["cdr_token"] = dict(data["cdr_token"])  # the caller's own
    data.update(tail)
    changing_text, tail_text = jsonio.members(changing), jsonio.members(tail)
    SessionChanging.model_validate_json("{" + changing_text + ", " + tail_text + "}")
    return data, "{" + fixed.head_text + ", " + changing_text + ", " + fixed.middle_text + ", " + tail_text + "}"


@dataclass(frozen=True, slots=True)
class _Fixed:
    """The constant members of a session's Session: the text (``jsonio.members``) of ``country_code`` to
    ``start_date_time``, and ``cdr_token`` to ``currency`` as data and text, checked (``SessionFixed``); and what
    they were made of (``token`` and ``location`` compared by identity, ``facts`` by value)."""

    token: Token
    location: Location
    facts: tuple
    head_text: str
    middle: dict[str, Any]
    middle_text: str


def _facts(snapshot: dict[str, Any], currency: str, cpo: tuple[str, str]) -> tuple:
    """Everything of a snapshot (and the settings) the constant members are made of."""
    return (snapshot["session_id"], snapshot["start"], snapshot["charge_point_id"], snapshot["connector_id"],
            snapshot["evse_id"], snapshot["id_tag"], snapshot.get("auth_method"),
            snapshot.get("authorization_reference"), currency, cpo)


def _fixed(snapshot: dict[str, Any], token: Token, location: Location, currency: str, cpo: tuple[str, str],
           facts: tuple | None = None) -> _Fixed:
    uid = evse_uid(snapshot["charge_point_id"], snapshot["connector_id"], snapshot["evse_id"])
    _, connector = find_connector(location, uid, snapshot["connector_id"] if snapshot["evse_id"] else None)
    middle = {
        "cdr_token": cdr_token(token, snapshot["id_tag"]),
        **authorized(snapshot),
        "location_id": location.id,
        "evse_uid": uid,
        "connector_id": connector.id,
        "currency": currency,
    }
    head_text, middle_text = jsonio.members(_head(snapshot, cpo)), jsonio.members(middle)
    SessionFixed.model_validate_json("{" + head_text + ", " + middle_text + "}")
    return _Fixed(token, location, facts if facts is not None else _facts(snapshot, currency, cpo), head_text,
                  middle, middle_text)


def _head(snapshot: dict[str, Any], cpo: tuple[str, str]) -> dict[str, Any]:
    return {"country_code": cpo[0], "party_id": cpo[1], "id": snapshot["session_id"],
            "start_date_time": snapshot["start"]}


class SessionParts:
    """The constant members of each open session's Session, by session id, for its next snapshot: derived data, in
    memory only, bounded (the least recently used sessions go beyond ``max_sessions``). They are taken up only for
    the same token and location objects (parsed once per change of their bytes, never changed) and the same
    snapshot fields; else made again. So a Session never depends on what is held."""

    def __init__(self, max_sessions: int = 20_000) -> None:
        self._held: WeightedLru[str, _Fixed] = WeightedLru(max_sessions, lambda _: 1)

    def get(self, snapshot: dict[str, Any], token: Token, location: Location, currency: str,
            cpo: tuple[str, str]) -> _Fixed:
        """The constant members of ``snapshot``'s Session; held for the session's next snapshot unless it is
        completed."""
        key: str = snapshot["session_id"]
        facts = _facts(snapshot, currency, cpo)
        held = self._held.pop(key)
        if held is None or held.token is not token or held.location is not location or held.facts != facts:
            held = _fixed(snapshot, token, location, currency, cpo, facts)
        if snapshot["status"] != COMPLETED:
            self._held.put(key, held)
        return held
