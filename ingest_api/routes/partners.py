"""``/admin/partners``: the back office's side of onboarding (``roamstream partners ...`` calls these):
invite a partner (token A and our versions URL), register at a partner, list and unregister partners."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ingest_api.deps import BackOffice, BaseUrl, HandshakeDep, RegistryDep
from ingest_api.envelope import Envelope, success
from roamstream.partners.exceptions import UnknownObject
from roamstream.partners.registry.model import PartnerRecord
from roamstream.partners.versions import versions_url

router = APIRouter(prefix="/admin/partners", tags=["partners (back office)"])


class InvitationIn(BaseModel):
    country_code: str = Field(min_length=2, max_length=2)
    party_id: str = Field(min_length=3, max_length=3)


class Invitation(BaseModel):
    country_code: str
    party_id: str
    token: str = Field(description="the one-time credentials token A to give the partner")
    versions_url: str


class RegistrationIn(BaseModel):
    versions_url: str
    token: str = Field(min_length=1, description="the credentials token A the partner gave us")


class PartnerOut(BaseModel):
    """A partner as the registry keeps it, without any token."""

    key: str
    state: str
    country_code: str
    party_id: str
    roles: list[dict[str, str | None]]
    versions_url: str | None
    version: str | None
    endpoints: list[dict[str, str]]
    updated_at: str

    @classmethod
    def of(cls, r: PartnerRecord) -> PartnerOut:
        return cls(key=r.key, state=r.state.value, country_code=r.country_code, party_id=r.party_id,
                   roles=[x.model_dump() for x in r.roles], versions_url=r.versions_url, version=r.version,
                   endpoints=[e.model_dump() for e in r.endpoints], updated_at=r.updated_at.isoformat())


@router.post("/invitations", response_model=Envelope[Invitation])
async def invite(body: InvitationIn, _: BackOffice, handshake: HandshakeDep, base: BaseUrl) -> Envelope[Invitation]:
    token = await handshake.invite(body.country_code, body.party_id)
    return success(Invitation(country_code=body.country_code.upper(), party_id=body.party_id.upper(), token=token,
                              versions_url=versions_url(base)))


@router.post("/registrations", response_model=Envelope[PartnerOut])
async def register(body: RegistrationIn, _: BackOffice, handshake: HandshakeDep, base: BaseUrl) -> Envelope[PartnerOut]:
    return success(PartnerOut.of(await handshake.register_at(body.versions_url, body.token, base)))


@router.get("", response_model=Envelope[list[PartnerOut]])
async def list_partners(_: BackOffice, registry: RegistryDep) -> Envelope[list[PartnerOut]]:
    return success([PartnerOut.of(r) for r in registry.all()])


@router.delete("/{key}", response_model=Envelope[PartnerOut])
async def unregister(key: str, _: BackOffice, handshake: HandshakeDep, registry: RegistryDep) -> Envelope[PartnerOut]:
    if registry.get(key) is None:
        raise UnknownObject(f"no partner {key}", ocpi_status=2001)
    await handshake.unregister_at(key)
    return success(PartnerOut.of(registry.get(key)))
