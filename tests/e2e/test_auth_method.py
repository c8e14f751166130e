"""Issue 11.6: the Session and CDR say how the token was authorised at the charger. Through the real OCPP
endpoint (the ``ocpp`` client, 1.6 and 2.0.1), broker, worker and a spec eMSP registered by the credentials
handshake that answers real-time authorisations (each answer with its own ``authorization_reference``) and
receives the Sessions and CDRs: a whitelist NEVER token is AUTH_REQUEST with the eMSP's reference, a whitelist
ALWAYS token WHITELIST without one."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from ocpp.v16 import call as call16
from one_session import created_since, drive_one_transaction, expected_cdr, register, ts
from test_token_case import drive_201_transaction, eventually_accepted, put_token
from waiting import eventually

from connectors.ocpp.simulator.client import connect
from roamstream.asgi import ServedApp
from roamstream.config import Settings
from roamstream.demo import seed
from roamstream.demo.run import seed_reference
from roamstream.stack import RunningStack, running_stack
from tests.partners.emsp import SpecEmsp

CP16, CP201, CP_WL = "E2E-AUTH-16", "E2E-AUTH-201", "E2E-AUTH-WL"
NEVER = seed.token(("NL", "EMA"), 11) | {"uid": "AUTH-NEVER", "contract_id": "NL-EMA-C-NEVER", "whitelist": "NEVER"}
ALWAYS = seed.token(("NL", "EMA"), 12) | {"uid": "AUTH-ALWAYS", "contract_id": "NL-EMA-C-ALWAYS",
                                          "whitelist": "ALWAYS"}


@pytest.fixture
async def spec_emsp() -> AsyncIterator[SpecEmsp]:
    party = SpecEmsp(numbered_references=True)
    async with ServedApp(party.app()) as served:
        party.base_url = served.url
        yield party


@pytest.fixture
async def registered_stack(settings: Settings, spec_emsp: SpecEmsp) -> AsyncIterator[RunningStack]:
    """The whole stack with no static partner: the eMSP registers at us (invitation, credentials handshake)."""
    settings = settings.model_copy(update={
        "partners": settings.partners.model_copy(update={"emsps": [], "backoff_s": 0.05}),
        "api": settings.api.model_copy(update={"port": 0}),
        "ocpp": settings.ocpp.model_copy(update={"port": 0}),
        "lake": settings.lake.model_copy(update={"flush_interval_s": 0.2}),
    })
    async with running_stack(settings) as running:
        back_office = {"Authorization": f"Token {running.settings.api.tokens[0].get_secret_value()}"}
        async with httpx.AsyncClient(timeout=15) as http:
            r = await http.post(f"{running.api_url}/admin/partners/invitations", headers=back_office,
                                json={"country_code": "NL", "party_id": "EMA"})
            invitation = r.json()["data"]
            r = await spec_emsp.register_at_cpo(http, invitation["versions_url"], invitation["token"])
            assert r.json()["status_code"] == 1000, r.text
        yield running


async def drive_16_after_authorize(ocpp_url: str, cp: str, id_tag: str, emsp: SpecEmsp) -> tuple[int, str]:
    """Authorize (until the endpoint knows the token and the eMSP), then the ``drive_one_transaction``
    session on the same connection; (transaction id, the reference of the accepted Authorize)."""
    async with connect(ocpp_url, cp, "1.6") as station:
        answer = await eventually_accepted(lambda: station.call(call16.Authorize(id_tag)))
        assert answer.id_tag_info["status"] == "Accepted"
        authorized_with = f"REF-{id_tag}-{len(emsp.authorize_calls)}"
        await station.call(call16.BootNotification(charge_point_model="E2E", charge_point_vendor="roamstream"))
        start = await station.call(call16.StartTransaction(1, id_tag, 1000, ts(0)))
        assert start.id_tag_info["status"] == "Accepted"
        tx = start.transaction_id
        await station.call(call16.MeterValues(1, [register(15, 4000)], tx))
        await station.call(call16.MeterValues(1, [register(30, 7500)], tx))
        await station.call(call16.StopTransaction(11000, ts(45), tx, reason="EVDisconnected", id_tag=id_tag))
        await station.call(call16.MeterValues(0, [register(60, 11000, "Sample.Clock")]))
    return tx, authorized_with


async def test_sessions_and_cdrs_say_how_the_token_was_authorised(registered_stack, spec_emsp):
    stack, emsp = registered_stack, spec_emsp
    api_token = stack.settings.api.tokens[0].get_secret_value()
    await seed_reference(stack.api_url, api_token, [CP16, CP201, CP_WL], 1)
    since = datetime.now(UTC)
    for token in (NEVER, ALWAYS):
        await put_token(stack.api_url, api_token, token)
    emsp.realtime = {"AUTH-NEVER": "ALLOWED"}

    # 1.6: Authorize asks the eMSP, StartTransaction asks again (another reference): the session carries the
    # reference the driver was let in with, the Authorize's
    tx16, authorized_with = await drive_16_after_authorize(stack.ocpp_url, CP16, "AUTH-NEVER", emsp)
    assert len(emsp.authorize_calls) >= 2 and authorized_with != f"REF-AUTH-NEVER-{len(emsp.authorize_calls)}"
    # 2.0.1: Started and Ended both carry the idToken and are both answered; the Started one's decision counts
    before = len(emsp.authorize_calls)
    await drive_201_transaction(stack.ocpp_url, CP201, "AUTH-NEVER", "TX-AUTH-1")
    assert len(emsp.authorize_calls) == before + 2
    started_with = f"REF-AUTH-NEVER-{before + 1}"
    # whitelist ALWAYS: our copy answers, the eMSP is not asked
    tx_wl = await drive_one_transaction(stack.ocpp_url, CP_WL, "AUTH-ALWAYS")
    assert len(emsp.authorize_calls) == before + 2

    cases = {f"{CP16}-{tx16}": (1, CP16, tx16, NEVER, "AUTH_REQUEST", authorized_with),
             f"{CP201}-TX-AUTH-1": (2, CP201, "TX-AUTH-1", NEVER, "AUTH_REQUEST", started_with),
             f"{CP_WL}-{tx_wl}": (3, CP_WL, tx_wl, ALWAYS, "WHITELIST", None)}
    await eventually(lambda: set(emsp.cdrs) == set(cases), "the eMSP received the three CDRs")
    await eventually(lambda: all(emsp.sessions.get(i, {}).get("status") == "COMPLETED" for i in cases),
                     "the eMSP has the three Sessions COMPLETED")
    exact = lambda value: json.loads(json.dumps(value), parse_float=Decimal)  # noqa: E731 - numbers exactly
    for cdr_id, (n, cp, tx, token, method, reference) in cases.items():
        expected = expected_cdr(cp, tx, token)
        expected["cdr_location"]["evse_id"] = f"NL*RST*E{n:04d}"  # the seeded location's n-th EVSE
        expected["auth_method"] = method
        if reference is not None:
            expected["authorization_reference"] = reference
        assert created_since(exact(emsp.cdrs[cdr_id]), since) == exact(expected)
        session = emsp.sessions[cdr_id]
        assert session["auth_method"] == method
        assert session.get("authorization_reference") == reference
        assert ("authorization_reference" in session) == (reference is not None)
