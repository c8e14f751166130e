"""Who is calling: every token we accept identifies one party (a registered partner, a partner in the middle
of its registration) or the back office (``API_TOKENS``). Pure: no I/O."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import SecretStr

from roamstream.partners.registry.model import PartnerRecord, PartnerState
from roamstream.partners.registry.store import Registry


class CallerKind(StrEnum):
    BACK_OFFICE = "BACK_OFFICE"
    #: a registered partner (its token C, or its token B when we registered at it)
    PARTNER = "PARTNER"
    #: a partner we invited, holding token A: versions and credentials POST only
    INVITED = "INVITED"
    #: a partner we are registering at, holding our token B: versions only until the handshake ends
    PENDING = "PENDING"


_KINDS = {
    PartnerState.REGISTERED: CallerKind.PARTNER,
    PartnerState.INVITED: CallerKind.INVITED,
    PartnerState.PENDING: CallerKind.PENDING,
}


@dataclass(frozen=True, slots=True)
class Caller:
    kind: CallerKind
    #: the token as presented (GET credentials answers with it: we keep only its hash)
    token: str
    partner: PartnerRecord | None = None

    @property
    def is_back_office(self) -> bool:
        return self.kind == CallerKind.BACK_OFFICE

    @property
    def functional(self) -> bool:
        """May use the functional modules (everything but versions and credentials)."""
        return self.kind in (CallerKind.BACK_OFFICE, CallerKind.PARTNER)

    def speaks_for(self, country_code: str, party_id: str) -> bool:
        """May write objects of (country_code, party_id): the back office any, a partner its own."""
        if self.is_back_office:
            return True
        return self.partner is not None and (country_code.upper(), party_id.upper()) in {
            (c.upper(), p.upper()) for c, p in self.partner.parties()
        }

    def owns(self, partner_key: str | None) -> bool:
        """May read an object that belongs to ``partner_key`` (``CC-PID``), e.g. a CDR of its driver."""
        if self.is_back_office:
            return True
        if self.partner is None or not partner_key:
            return False
        cc, _, pid = partner_key.partition("-")
        return self.speaks_for(cc, pid)

    @property
    def partner_keys(self) -> list[str] | None:
        """The ``CC-PID`` keys this caller may read; None for the back office (all)."""
        if self.is_back_office:
            return None
        assert self.partner is not None
        return sorted(f"{c.upper()}-{p.upper()}" for c, p in self.partner.parties())


def identify(tokens: Iterable[str], back_office: Iterable[SecretStr], registry: Registry) -> Caller | None:
    """The caller of the first presented token we know (as written or Base64-decoded); None if none."""
    secrets = [s.get_secret_value().encode() for s in back_office]
    for token in tokens:
        if any(hmac.compare_digest(token.encode(), s) for s in secrets):
            return Caller(CallerKind.BACK_OFFICE, token)
        partner = registry.by_token(token)
        if partner is not None and partner.state in _KINDS:
            return Caller(_KINDS[partner.state], token, partner)
    return None


def routing_problem(caller: Caller, headers: dict[str, str], us: tuple[str, str]) -> str | None:
    """What is wrong with a partner's OCPI routing headers (transport_and_format, Message Routing), if any:
    ``OCPI-to-*`` must name us and ``OCPI-from-*`` one of the caller's parties. Absent headers are taken
    as meant (many 2.2.1 peers send none); the back office is no OCPI party and is not checked."""
    if caller.kind != CallerKind.PARTNER:
        return None
    to = (headers.get("ocpi-to-country-code"), headers.get("ocpi-to-party-id"))
    if any(to) and (str(to[0]).upper(), str(to[1]).upper()) != us:
        return f"OCPI-to-country-code/-party-id {to[0]} {to[1]} are not ours ({us[0]} {us[1]})"
    sender = (headers.get("ocpi-from-country-code"), headers.get("ocpi-from-party-id"))
    if any(sender) and not caller.speaks_for(str(sender[0]), str(sender[1])):
        return f"OCPI-from-country-code/-party-id {sender[0]} {sender[1]} are not the caller's"
    return None
