"""Who we deliver to: one ``PartnerEndpoint`` per eMSP, looked up through a ``PartnerDirectory``.

The delivery lanes only ever see this interface. Today it is fed from the static ``PARTNERS_EMSPS`` setting
(``StaticDirectory``); a registry fed from the credentials handshake can implement the same two methods.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from roamstream.config import Partner


@dataclass(frozen=True, slots=True)
class PartnerEndpoint:
    """An eMSP's Receiver endpoints and the token B it gave us (sent as ``Authorization: Token ...``)."""

    country_code: str
    party_id: str
    token: str = field(repr=False)
    #: module identifier (``cdrs``, ``sessions``, ``tariffs``, ``locations``) -> Receiver URL
    urls: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.country_code}-{self.party_id}"

    def url(self, module: str) -> str | None:
        return self.urls.get(module)

    @classmethod
    def from_setting(cls, partner: Partner) -> PartnerEndpoint:
        urls = {"cdrs": partner.cdrs_url}
        if partner.sessions_url:
            urls["sessions"] = partner.sessions_url
        return cls(partner.country_code, partner.party_id, partner.token.get_secret_value(), urls)


class PartnerDirectory(Protocol):
    def get(self, key: str) -> PartnerEndpoint | None: ...

    def all(self) -> list[PartnerEndpoint]: ...


class StaticDirectory:
    """The partners of the ``PARTNERS_EMSPS`` setting."""

    def __init__(self, endpoints: Iterable[PartnerEndpoint]) -> None:
        self._by_key = {e.key: e for e in endpoints}

    @classmethod
    def from_settings(cls, partners: Iterable[Partner]) -> StaticDirectory:
        return cls(PartnerEndpoint.from_setting(p) for p in partners)

    def get(self, key: str) -> PartnerEndpoint | None:
        return self._by_key.get(key)

    def all(self) -> list[PartnerEndpoint]:
        return list(self._by_key.values())
