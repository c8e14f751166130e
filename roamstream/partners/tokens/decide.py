"""The answer to a charger for a token (mod_tokens, WhitelistType). Pure: no I/O.

- no Token with that uid: Invalid (``OCPP_ACCEPT_UNKNOWN_TOKENS`` may accept it);
- ``valid`` false: Blocked;
- ``whitelist`` ALWAYS or ALLOWED: Accepted from our copy (auth_method WHITELIST);
- NEVER: the eMSP's real-time authorisation decides (AUTH_REQUEST); no answer: Invalid;
- ALLOWED_OFFLINE: the eMSP's real-time authorisation decides; no answer: Accepted from our copy.

A transaction's events carry the decision for its id tag (``for_transaction``), so that the Session and CDR
say how it was authorised.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from roamstream.ocpi.token import WhitelistType


class Status(StrEnum):
    """What OCPP 1.6 (AuthorizationStatus) and 2.0.1 (AuthorizationStatusEnumType) both can say."""

    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"


@dataclass(frozen=True, slots=True)
class Decision:
    status: Status
    #: OCPI AuthMethod of a session started with it: WHITELIST or AUTH_REQUEST
    auth_method: str
    authorization_reference: str | None = None
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.status == Status.ACCEPTED


#: OCPI AllowedType (mod_tokens AuthorizationInfo) -> the charger's answer
_ALLOWED = {"ALLOWED": Status.ACCEPTED, "BLOCKED": Status.BLOCKED, "EXPIRED": Status.EXPIRED,
            "NO_CREDIT": Status.INVALID, "NOT_ALLOWED": Status.INVALID}


def needs_realtime(token: dict[str, Any] | None) -> bool:
    """Whether the eMSP must be asked: a valid Token whose whitelist is NEVER or ALLOWED_OFFLINE."""
    return token is not None and bool(token.get("valid")) and token.get("whitelist") in (
        WhitelistType.NEVER, WhitelistType.ALLOWED_OFFLINE)


def from_copy(token: dict[str, Any] | None, accept_unknown: bool) -> Decision:
    """The decision from our copy of the Token alone (no real-time answer asked or received)."""
    if token is None:
        if accept_unknown:
            return Decision(Status.ACCEPTED, "WHITELIST", reason="unknown token accepted by setting")
        return Decision(Status.INVALID, "WHITELIST", reason="unknown token")
    if not token.get("valid"):
        return Decision(Status.BLOCKED, "WHITELIST", reason="token not valid")
    if token.get("whitelist") == WhitelistType.NEVER:
        return Decision(Status.INVALID, "AUTH_REQUEST", reason="real-time authorisation required, no answer")
    return Decision(Status.ACCEPTED, "WHITELIST", reason=f"whitelist {token.get('whitelist')}")


def from_realtime(info: dict[str, Any]) -> Decision:
    """The decision from the eMSP's AuthorizationInfo."""
    allowed = info.get("allowed")
    status = _ALLOWED.get(allowed, Status.INVALID)
    return Decision(status, "AUTH_REQUEST", info.get("authorization_reference"), reason=f"eMSP: {allowed}")


def for_transaction(decision: Decision, authorized: Decision | None) -> Decision:
    """The decision a transaction's events carry: the one given for its start (or 2.0.1 TransactionEvent),
    with the ``authorization_reference`` of a real-time Authorize of the same id tag just before it when both
    were real-time answers (the reference the driver was let in with; else the start's own)."""
    if (authorized is not None and authorized.authorization_reference is not None
            and decision.auth_method == "AUTH_REQUEST" and authorized.auth_method == "AUTH_REQUEST"):
        return replace(decision, authorization_reference=authorized.authorization_reference)
    return decision
