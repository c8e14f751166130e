"""How a session was authorised, as its OCPI Session and CDR say it (pure)."""

from __future__ import annotations

from typing import Any


def authorized(record: dict[str, Any]) -> dict[str, Any]:
    """``auth_method`` (and ``authorization_reference`` when the eMSP gave one) of a completed session or a
    snapshot, as decided at the charger (``roamstream.partners.tokens.decide``); WHITELIST when the record
    does not say (records of events from before the connector carried the decision)."""
    out: dict[str, Any] = {"auth_method": record.get("auth_method") or "WHITELIST"}
    if record.get("authorization_reference") is not None:
        out["authorization_reference"] = record["authorization_reference"]
    return out
