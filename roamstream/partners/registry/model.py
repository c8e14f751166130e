"""A partner as the registry keeps it (one ``ocpi.partners.v1`` record). Pure: no I/O."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class PartnerState(StrEnum):
    #: we issued a one-time token A; the partner has not registered yet
    INVITED = "INVITED"
    #: we are registering at the partner (our token B is accepted for the versions endpoints only)
    PENDING = "PENDING"
    REGISTERED = "REGISTERED"
    #: unregistered: its tokens are refused; kept so that the registry shows it
    UNREGISTERED = "UNREGISTERED"


class PartyRole(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: str
    country_code: str
    party_id: str
    name: str | None = None


class Endpoint(BaseModel):
    """One endpoint a partner published in its version details: module identifier, role, URL."""

    model_config = ConfigDict(frozen=True)

    identifier: str
    role: str
    url: str


class PartnerRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    state: PartnerState
    country_code: str
    party_id: str
    roles: tuple[PartyRole, ...] = ()
    accepted_token_sha256: str | None = None
    token: str | None = None
    versions_url: str | None = None
    version: str | None = None
    endpoints: tuple[Endpoint, ...] = ()
    updated_at: datetime

    def endpoint(self, identifier: str, role: str) -> str | None:
        """The URL the partner published for ``identifier`` (``cdrs``) in ``role`` (``RECEIVER``), if any."""
        for e in self.endpoints:
            if e.identifier == identifier and e.role == role:
                return e.url
        return None

    def parties(self) -> set[tuple[str, str]]:
        """Every (country_code, party_id) this partner speaks for: its own and each of its roles'."""
        found = {(r.country_code, r.party_id) for r in self.roles}
        if self.country_code:
            found.add((self.country_code, self.party_id))
        return found

    def to_avro(self) -> dict[str, Any]:
        data = self.model_dump(mode="python")
        data["state"] = self.state.value
        return data

    @classmethod
    def from_avro(cls, data: dict[str, Any]) -> PartnerRecord:
        return cls.model_validate(data)


def party_key(country_code: str, party_id: str) -> str:
    return f"{country_code.upper()}-{party_id.upper()}"
