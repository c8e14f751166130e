"""The demo's partner set-up: one demo eMSP (an OCPI Receiver) per partner, served on a free port, and the
settings that make the pipeline push to them. Kept apart from the demo's data so that how partners are
registered can change on its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from roamstream.asgi import ServedApp
from roamstream.config import Partner, Settings
from roamstream.demo.emsp import EmspStore, create_emsp_app

#: one CDR in this many is refused once (HTTP 503) by a flaky partner
FLAKY_EVERY = 3


@asynccontextmanager
async def demo_partners(
    settings: Settings, partners: tuple[tuple[str, str], ...], flaky: str | None = None
) -> AsyncIterator[tuple[Settings, dict[str, EmspStore]]]:
    """Start a demo eMSP per ``(country_code, party_id)``; yields ``settings`` pushing to them, and what each
    receives. ``flaky``: the ``CC-PID`` of a partner that answers 503 now and then."""
    stores = {f"{cc}-{pid}": EmspStore() for cc, pid in partners}
    receivers = {
        key: ServedApp(create_emsp_app(f"token-b-{key}", store, flaky_every=FLAKY_EVERY if key == flaky else 0))
        for key, store in stores.items()
    }
    for receiver in receivers.values():
        await receiver.start()
    try:
        emsps = [
            Partner(
                country_code=key[:2],
                party_id=key[3:],
                token=f"token-b-{key}",
                cdrs_url=f"{receiver.url}/ocpi/emsp/2.2.1/cdrs",
                sessions_url=f"{receiver.url}/ocpi/emsp/2.2.1/sessions",
            )
            for key, receiver in receivers.items()
        ]
        yield settings.model_copy(update={"partners": settings.partners.model_copy(update={"emsps": emsps})}), stores
    finally:
        for receiver in receivers.values():
            await receiver.stop()
