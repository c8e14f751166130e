"""The demo's partner set-up: one demo eMSP (an OCPI Receiver that can be registered at) per partner, served
on a free port, registered by the OCPI credentials handshake once the stack runs, as ``roamstream partners
register`` does: the delivery lanes take them from the partner registry, no ``PARTNERS_EMSPS``. Kept apart
from the demo's data so that how partners are registered can change on its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx

from roamstream.asgi import ServedApp
from roamstream.config import Settings
from roamstream.demo.emsp import EmspStore, create_emsp_app
from roamstream.exceptions import RoamstreamError

#: one CDR in this many is refused once (HTTP 503) by a flaky partner
FLAKY_EVERY = 3


class PartnerSetupError(RoamstreamError):
    """A demo eMSP could not be registered at."""


@dataclass
class DemoPartners:
    #: what each eMSP received, by ``CC-PID``
    stores: dict[str, EmspStore]
    #: ``CC-PID`` -> (its versions URL, the token A it accepts for the handshake)
    invitations: dict[str, tuple[str, str]] = field(default_factory=dict)

    async def register(self, api_url: str, token: str) -> None:
        """Register at each eMSP by the credentials handshake, through the API's back office."""
        async with httpx.AsyncClient(timeout=30, headers={"Authorization": f"Token {token}"}) as client:
            for key, (versions_url, token_a) in self.invitations.items():
                response = await client.post(f"{api_url}/admin/partners/registrations",
                                             json={"versions_url": versions_url, "token": token_a})
                if response.status_code != 200 or response.json().get("status_code") != 1000:
                    raise PartnerSetupError(f"registering at {key} failed: {response.status_code} {response.text}")


@asynccontextmanager
async def demo_partners(
    settings: Settings, partners: tuple[tuple[str, str], ...], flaky: str | None = None
) -> AsyncIterator[tuple[Settings, DemoPartners]]:
    """Start a demo eMSP per ``(country_code, party_id)``; yields ``settings`` without static partners, and
    the eMSPs to ``register`` at once the API runs. ``flaky``: the ``CC-PID`` of a partner that answers 503
    now and then."""
    stores = {f"{cc}-{pid}": EmspStore() for cc, pid in partners}
    receivers = {
        key: ServedApp(create_emsp_app(f"token-c-{key}", store, flaky_every=FLAKY_EVERY if key == flaky else 0,
                                       token_a=f"token-a-{key}", country_code=key[:2], party_id=key[3:]))
        for key, store in stores.items()
    }
    for receiver in receivers.values():
        await receiver.start()
    try:
        found = DemoPartners(stores, {key: (f"{r.url}/ocpi/emsp/versions", f"token-a-{key}")
                                      for key, r in receivers.items()})
        yield settings.model_copy(update={"partners": settings.partners.model_copy(update={"emsps": []})}), found
    finally:
        for receiver in receivers.values():
            await receiver.stop()
