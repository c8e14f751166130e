"""The partners the delivery lanes send to (the ``roamstream.partners.directory.PartnerDirectory`` interface):
each partner's country_code/party_id, the token to call it with (the token C it gave us in the handshake) and
the Receiver endpoint of each module it published. Registered partners come from the registry (current while
the process runs: a new, changed or removed partner counts at the next lookup); the static ``PARTNERS_EMSPS``
ones stay as a seed (tests, setups without the handshake). A partner in the registry, in any state, replaces a
static one of the same key: once it unregisters, nothing is sent to it. A partner without a Receiver of the
modules we deliver (one that only pulls) is not delivered to; one without a CDRs Receiver gets no CDRs."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from pydantic import SecretStr

from roamstream.config import Partner
from roamstream.partners.directory import PartnerEndpoint
from roamstream.partners.registry.model import Endpoint, PartnerState
from roamstream.partners.registry.store import Registry

#: the modules whose Receiver endpoints the delivery lanes send to
DELIVERED = frozenset({"cdrs", "sessions", "tariffs", "locations"})


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

    def as_endpoint(self) -> PartnerEndpoint | None:
        """What a delivery lane needs of this partner; None when it has no Receiver we deliver to (pull only)."""
        urls = {e.identifier: e.url for e in self.endpoints if e.role == "RECEIVER" and e.identifier in DELIVERED}
        if not urls:
            return None
        return PartnerEndpoint(self.country_code, self.party_id, self.token.get_secret_value(), urls)


def static_link(partner: Partner) -> PartnerLink:
    endpoints = [Endpoint(identifier="cdrs", role="RECEIVER", url=partner.cdrs_url)]
    if partner.sessions_url:
        endpoints.append(Endpoint(identifier="sessions", role="RECEIVER", url=partner.sessions_url))
    return PartnerLink(partner.country_code, partner.party_id, partner.token, tuple(endpoints))


class PartnerDirectory:
    """``CC-PID`` -> ``PartnerEndpoint``, derived again from the registry whenever it changed."""

    def __init__(self, registry: Registry, static: list[Partner] | None = None) -> None:
        self._registry = registry
        self._static = list(static or [])
        self._lock = threading.Lock()
        self._seen = -1
        self._endpoints: dict[str, PartnerEndpoint] = {}

    def links(self) -> list[PartnerLink]:
        found = {p.key: static_link(p) for p in self._static}
        for r in self._registry.all():
            found.pop(r.key, None)  # the registry wins: an unregistered partner is no longer sent to
            if r.state == PartnerState.REGISTERED and r.token is not None:
                found[r.key] = PartnerLink(r.country_code, r.party_id, SecretStr(r.token), r.endpoints)
        return [found[k] for k in sorted(found)]

    def _current(self) -> dict[str, PartnerEndpoint]:
        version = self._registry.version
        if version != self._seen:
            with self._lock:
                endpoints = {link.key: e for link in self.links() if (e := link.as_endpoint()) is not None}
                self._endpoints, self._seen = endpoints, version
        return self._endpoints

    def get(self, key: str) -> PartnerEndpoint | None:
        return self._current().get(key)

    def all(self) -> list[PartnerEndpoint]:
        return list(self._current().values())
