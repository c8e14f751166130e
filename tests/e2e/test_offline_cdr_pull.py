"""Issue 11.4: a CDR's ``last_updated`` is its creation time, so a partner that pulls "everything since my last
pull" finds the CDR of a charger that was offline. The charger's session ended (station time) long before the
partner's first pull; its queued messages reach us only after that pull. Through the real OCPP client, endpoint,
broker, worker, lake and pull interface (GET /cdrs with ``date_from``)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import httpx
from one_session import drive_one_transaction
from waiting import eventually

from roamstream.demo import seed
from roamstream.demo.run import seed_reference
from roamstream.ocpi.timefmt import parse_datetime

CP = "E2E-OFFLINE-1"


async def pull(client: httpx.AsyncClient, url: str, **params) -> tuple[list[dict], datetime]:
    """The CDRs of one GET and the time the pull was made (the envelope's ``timestamp``)."""
    response = await client.get(url, params=params)
    body = response.json()
    assert response.status_code == 200 and body["status_code"] == 1000, response.text
    return body["data"], parse_datetime(body["timestamp"])


def since(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_a_cdr_of_a_charger_that_was_offline_is_found_by_a_pull_since_the_last_pull(stack, emsp):
    store, _ = emsp
    api_token = stack.settings.api.tokens[0].get_secret_value()
    token = seed.token(("NL", "EMA"), 1)
    await seed_reference(stack.api_url, api_token, [CP], 1)
    url = f"{stack.api_url}/ocpi/2.2.1/cdrs"
    async with httpx.AsyncClient(headers={"Authorization": f"Token {api_token}"}, timeout=15) as client:
        before, last_pull = await pull(client, url)
        assert before == []
        # the charger comes back online: its queued session (station time 2026-11-02 09:00-09:45) arrives now
        tx = await drive_one_transaction(stack.ocpp_url, CP, token["uid"])
        cdr_id = f"{CP}-{tx}"
        await eventually(lambda: cdr_id in store.cdrs, "the CDR is made (and pushed)")

        # lands in the lake within about a second; pulled since the previous pull, it is there
        deadline = time.monotonic() + 60
        while True:
            found, _ = await pull(client, url, date_from=since(last_pull))
            if any(c["id"] == cdr_id for c in found):
                break
            assert time.monotonic() < deadline, f"a pull since {last_pull} never found {cdr_id}"
            await asyncio.sleep(0.2)
    [cdr] = [c for c in found if c["id"] == cdr_id]
    # the session ended long before the last pull: a last_updated from station time would hide it
    assert parse_datetime(cdr["end_date_time"]) < last_pull <= parse_datetime(cdr["last_updated"])
