"""Who charged and how the session was authorised, as its OCPI Session and CDR say it (pure)."""

from __future__ import annotations

from typing import Any

from roamstream.ocpi.token import Token


def cdr_token(token: Token, id_tag: str) -> dict[str, Any]:
    """The ``cdr_token`` of a Session or CDR: the token's party, type and contract, with the uid as the charge
    point read it (a CiString: the token's uid, whatever its case there)."""
    return {
        "country_code": token.country_code,
        "party_id": token.party_id,
        "uid": id_tag,
        "type": token.type.value,
        "contract_id": token.contract_id,
    }


def authorized(record: dict[str, Any]) -> dict[str, Any]:
    """``auth_method`` (and ``authorization_reference`` when the eMSP gave one) of a completed session or a
    snapshot, as decided at the charger (``roamstream.partners.tokens.decide``); WHITELIST when the record
    does not say (records of events from before the connector carried the decision)."""
    out: dict[str, Any] = {"auth_method": record.get("auth_method") or "WHITELIST"}
    if record.get("authorization_reference") is not None:
        out["authorization_reference"] = record["authorization_reference"]
    return out
