"""The partners a delivery lane sends to, in the shape the static ``PARTNERS_EMSPS`` setting has: each
partner's country_code/party_id, the token to call it with, and every endpoint it published (module + role).
Registered partners come from the registry (current while the process runs); the static ones stay as a seed
(tests, setups without the handshake). A partner in the registry, in any state, replaces a static one of the
same key: once it unregisters, nothing is sent to it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pydantic import SecretStr

from roamstream.config import Partner
from roamstream.partners.registry.model import Endpoint, PartnerState
from roamstream.partners.registry.store import Registry


@dataclass(frozen=True, slots=True)
class PartnerLink:
    country_code: str
    party_id: str
    token: SecretStr
    endpoints: tuple[Endpoint, ...]

    @property
    def key(self) -> str:
        return f"{self.country_code}-{self.party_id}"

    def url(self, module: str, role: str = "RECEIVER") -> str | None:
        return next((e.url for e in self.endpoints if e.identifier == module and e.role == role), None)

    def as_partner(self) -> Partner | None:
        """The ``PARTNERS_EMSPS`` entry of this partner; None when it has no CDRs Receiver (pull only)."""
        cdrs = self.url("cdrs")
        if cdrs is None:
            return None
        return Partner(country_code=self.country_code, party_id=self.party_id, cdrs_url=cdrs,
                       sessions_url=self.url("sessions"), token=self.token)


def static_link(partner: Partner) -> PartnerLink:
    endpoints = [Endpoint(identifier="cdrs", role="RECEIVER", url=partner.cdrs_url)]
    if partner.sessions_url:
        endpoints.append(Endpoint(identifier="sessions", role="RECEIVER", url=partner.sessions_url))
    return PartnerLink(partner.country_code, partner.party_id, partner.token, tuple(endpoints))


class PartnerDirectory(Mapping[str, Partner]):
    """``CC-PID`` -> ``Partner``, read at each lookup (a new, changed or removed partner counts at once)."""

    def __init__(self, registry: Registry, static: list[Partner] | None = None) -> None:
        self._registry = registry
        self._static = list(static or [])

    def links(self) -> list[PartnerLink]:
        found = {p.key: static_link(p) for p in self._static}
        for r in self._registry.all():
            found.pop(r.key, None)  # the registry wins: an unregistered partner is no longer sent to
            if r.state == PartnerState.REGISTERED and r.token is not None:
                found[r.key] = PartnerLink(r.country_code, r.party_id, SecretStr(r.token), r.endpoints)
        return [found[k] for k in sorted(found)]

    def _partners(self) -> dict[str, Partner]:
        return {link.key: p for link in self.links() if (p := link.as_partner()) is not None}

    def __getitem__(self, key: str) -> Partner:
        return self._partners()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._partners())

    def __len__(self) -> int:
        return len(self._partners())
