"""The credentials handshake on both sides (credentials.asciidoc), keeping the registry current.

- A partner registers at us: ``invite`` issues token A; the partner POSTs its credentials (token B, its
  versions URL) with A; ``accept`` reads the partner's endpoints with B and answers with our token C.
- We register at a partner: ``register_at`` reads its endpoints with its token A, POSTs our credentials with
  a token B we issue, and keeps the token C it answers with.
- ``update`` (PUT: endpoints again and a new token), ``unregister`` (DELETE), ``current`` (GET).

Tokens we accept are kept as hashes; a token we call a partner with is kept as it is (we must send it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from roamstream.ocpi.credentials import BusinessDetails, Credentials, CredentialsRole, Role, VersionDetails
from roamstream.partners.access import Caller, CallerKind
from roamstream.partners.credentials.client import OcpiClient
from roamstream.partners.exceptions import InvalidParameters, MissingEndpoints, NotAllowed
from roamstream.partners.registry.model import Endpoint, PartnerRecord, PartnerState, PartyRole, party_key
from roamstream.partners.registry.secrets import new_token, token_hash
from roamstream.partners.registry.store import RegistryWriter
from roamstream.partners.versions import VERSION, versions_url

#: the modules a partner must publish for us to keep a registration: credentials, so that it can be updated
REQUIRED = ("credentials",)


@dataclass(frozen=True, slots=True)
class Identity:
    country_code: str
    party_id: str
    name: str


def _now() -> datetime:
    return datetime.now(UTC)


class Handshake:
    def __init__(self, writer: RegistryWriter, client: OcpiClient, identity: Identity,
                 clock: Callable[[], datetime] = _now) -> None:
        self._writer = writer
        self._client = client
        self._identity = identity
        self._clock = clock

    @property
    def registry(self):  # noqa: ANN201 - the writer's Registry
        return self._writer.registry

    def ours(self, token: str, base_url: str) -> Credentials:
        """Our credentials object: ``token`` is the one the partner calls us with."""
        me = self._identity
        return Credentials(
            token=token,
            url=versions_url(base_url),
            roles=[CredentialsRole(role=Role.CPO, business_details=BusinessDetails(name=me.name),
                                   party_id=me.party_id, country_code=me.country_code)],
        )

    # -- a partner registers at us ---------------------------------------------------------------------------

    async def invite(self, country_code: str, party_id: str) -> str:
        """A one-time token A for (country_code, party_id); refused while that party is registered."""
        key = party_key(country_code, party_id)
        existing = self.registry.get(key)
        if existing is not None and existing.state == PartnerState.REGISTERED:
            raise NotAllowed(f"{key} is registered; it can update its credentials with PUT, or unregister first")
        token_a = new_token()
        await self._writer.put(PartnerRecord(
            key=key, state=PartnerState.INVITED, country_code=country_code.upper(), party_id=party_id.upper(),
            accepted_token_sha256=token_hash(token_a), updated_at=self._clock(),
        ))
        return token_a

    async def accept(self, caller: Caller, theirs: Credentials, base_url: str) -> Credentials:
        """POST: register the invited partner; our credentials with a new token C."""
        if caller.kind != CallerKind.INVITED:
            raise NotAllowed("already registered: use PUT to update the credentials" if caller.kind ==
                             CallerKind.PARTNER else "POST credentials needs the token A of an invitation")
        invited = caller.partner
        assert invited is not None
        if (invited.country_code, invited.party_id) not in {(r.country_code.upper(), r.party_id.upper())
                                                              for r in theirs.roles}:
            raise InvalidParameters(
                f"roles: the invitation is for {invited.country_code} {invited.party_id}, which no role names")
        details = await self._endpoints(theirs)
        token_c = new_token()
        await self._writer.put(self._registered(invited.key, theirs, details, token_c, theirs.token))
        return self.ours(token_c, base_url)

    async def update(self, caller: Caller, theirs: Credentials, base_url: str) -> Credentials:
        """PUT: read the partner's endpoints again, take its new token, issue a new token C."""
        if caller.kind != CallerKind.PARTNER:
            raise NotAllowed("not registered: register with POST first")
        assert caller.partner is not None
        details = await self._endpoints(theirs)
        token_c = new_token()
        await self._writer.put(self._registered(caller.partner.key, theirs, details, token_c, theirs.token))
        return self.ours(token_c, base_url)

    async def unregister(self, caller: Caller) -> None:
        """DELETE: the partner's tokens are refused from now on."""
        if caller.kind != CallerKind.PARTNER:
            raise NotAllowed("not registered")
        assert caller.partner is not None
        await self._writer.put(caller.partner.model_copy(update={
            "state": PartnerState.UNREGISTERED, "accepted_token_sha256": None, "token": None,
            "updated_at": self._clock(),
        }))

    def current(self, caller: Caller, base_url: str) -> Credentials:
        """GET: our credentials as the partner holds them (the token it called with)."""
        if caller.kind != CallerKind.PARTNER:
            raise NotAllowed("not registered")
        return self.ours(caller.token, base_url)

    # -- we register at a partner ----------------------------------------------------------------------------

    async def register_at(self, their_versions_url: str, token_a: str, base_url: str) -> PartnerRecord:
        """Register at the partner behind ``their_versions_url`` with its ``token_a``; the registered record."""
        details = await self._client.version_details(their_versions_url, token_a)
        _require(details)
        credentials_url = _url(details, "credentials")
        token_b = new_token()
        pending_key = f"pending-{token_hash(token_b)[:16]}"
        # the partner reads our versions with token B before it answers: accept B from now on
        await self._writer.put(PartnerRecord(
            key=pending_key, state=PartnerState.PENDING, country_code="", party_id="",
            accepted_token_sha256=token_hash(token_b), versions_url=their_versions_url, updated_at=self._clock(),
        ))
        try:
            theirs = await self._client.send_credentials("POST", credentials_url, token_a, self.ours(token_b, base_url))
            if theirs.url != their_versions_url:
                details = await self._client.version_details(theirs.url, theirs.token)
                _require(details)
            role = _main_role(theirs)
            record = self._registered(party_key(role.country_code, role.party_id), theirs, details, token_b,
                                      theirs.token)
            await self._writer.put(record)
        finally:
            await self._writer.remove(pending_key)
        return record

    async def unregister_at(self, key: str) -> None:
        """DELETE our credentials at the partner, and refuse its token from now on."""
        record = self.registry.get(key)
        if record is None or record.state != PartnerState.REGISTERED or record.token is None:
            raise NotAllowed(f"{key} is not registered")
        url = record.endpoint("credentials", "RECEIVER") or record.endpoint("credentials", "SENDER")
        if url is not None:
            await self._client.delete_credentials(url, record.token)
        await self._writer.put(record.model_copy(update={
            "state": PartnerState.UNREGISTERED, "accepted_token_sha256": None, "token": None,
            "updated_at": self._clock(),
        }))

    # -- shared -----------------------------------------------------------------------------------------------

    async def _endpoints(self, theirs: Credentials) -> VersionDetails:
        details = await self._client.version_details(theirs.url, theirs.token)
        _require(details)
        return details

    def _registered(self, key: str, theirs: Credentials, details: VersionDetails, accepted: str,
                    token: str) -> PartnerRecord:
        role = _main_role(theirs)
        return PartnerRecord(
            key=key, state=PartnerState.REGISTERED,
            country_code=role.country_code.upper(), party_id=role.party_id.upper(),
            roles=tuple(PartyRole(role=r.role.value, country_code=r.country_code.upper(),
                                  party_id=r.party_id.upper(), name=r.business_details.name) for r in theirs.roles),
            accepted_token_sha256=token_hash(accepted), token=token, versions_url=theirs.url, version=VERSION,
            endpoints=tuple(Endpoint(identifier=e.identifier, role=e.role.value, url=e.url)
                            for e in details.endpoints),
            updated_at=self._clock(),
        )


def _main_role(theirs: Credentials) -> CredentialsRole:
    """The partner's eMSP role if it has one, else its first."""
    return next((r for r in theirs.roles if r.role == Role.EMSP), theirs.roles[0])


def _url(details: VersionDetails, identifier: str) -> str:
    for e in details.endpoints:
        if e.identifier == identifier:
            return e.url
    raise MissingEndpoints(f"the partner publishes no {identifier} endpoint")


def _require(details: VersionDetails) -> None:
    published = {e.identifier for e in details.endpoints}
    missing = [m for m in REQUIRED if m not in published]
    if missing:
        raise MissingEndpoints(f"the partner publishes no {', '.join(missing)} endpoint")
