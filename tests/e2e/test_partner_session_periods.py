"""A Session's charging periods through the whole stack: an OCPP 1.6 transaction with a pause (the register does
not rise for 15 minutes: parking), driven with the ``ocpp`` client through the real WebSocket endpoint, broker and
worker, to the demo eMSP over HTTP. The PUT carries the periods so far, every PATCH only new ones (appended, as
mod_sessions says), and the partner's final Session has exactly its CDR's periods and total cost."""

from __future__ import annotations

import json
from decimal import Decimal

from ocpp.v16 import call
from one_session import register, ts
from waiting import eventually

from connectors.ocpp.simulator.client import connect
from roamstream.demo import seed
from roamstream.demo.run import seed_reference

CP = "E2E-CP-PERIODS"


async def _drive(ocpp_url: str, id_tag: str) -> int:
    """09:00 start at 1000 Wh; 09:15 4000; 09:30 7500; 09:45 7500 (parked); 10:00 9000; stop 10:15 at 11000."""
    async with connect(ocpp_url, CP, "1.6") as station:
        await station.call(call.BootNotification(charge_point_model="E2E", charge_point_vendor="roamstream"))
        tx = (await station.call(call.StartTransaction(1, id_tag, 1000, ts(0)))).transaction_id
        for minutes, wh in ((15, 4000), (30, 7500), (45, 7500), (60, 9000)):
            await station.call(call.MeterValues(1, [register(minutes, wh)], tx))
        await station.call(call.StopTransaction(11000, ts(75), tx, reason="EVDisconnected", id_tag=id_tag))
        await station.call(call.MeterValues(0, [register(90, 11000, "Sample.Clock")]))  # past the settle window
    return tx


async def test_the_partner_gets_the_cdrs_charging_periods_appended_patch_by_patch(stack, emsp):
    store, _ = emsp
    token = seed.token(("NL", "EMA"), 1)
    await seed_reference(stack.api_url, stack.settings.api.tokens[0].get_secret_value(), [CP], 1)
    tx = await _drive(stack.ocpp_url, token["uid"])
    session_id = f"{CP}-{tx}"
    await eventually(lambda: session_id in store.cdrs, "the partner received the CDR")
    exact = lambda text: json.loads(text, parse_float=Decimal)  # noqa: E731 - numbers compared exactly
    cdr = exact(store.cdrs[session_id])
    session = exact(store.sessions[session_id])
    assert session["status"] == "COMPLETED"
    # charging 09:00-09:30, parked 09:30-09:45, charging 09:45-10:15
    assert [p["start_date_time"] for p in cdr["charging_periods"]] == [
        "2026-11-02T09:00:00Z", "2026-11-02T09:30:00Z", "2026-11-02T09:45:00Z"]
    assert session["charging_periods"] == cdr["charging_periods"]
    assert session["total_cost"] == cdr["total_cost"]

    # the partner's copy, rebuilt from the requests as it received them: a PATCH's periods are exactly the ones
    # after those it already had (never one sent twice, never one changed); a PUT carries all so far
    requests = [(method, exact(json.dumps(body))) for method, sid, body in store.session_requests if sid == session_id]
    assert requests[0][0] == "PUT"
    held: list = []
    appended = 0
    for method, body in requests:
        periods = body.get("charging_periods")
        if method == "PUT":
            held = periods or []
        elif periods is not None:
            assert periods, "a PATCH never carries an empty list of periods"
            assert cdr["charging_periods"][len(held): len(held) + len(periods)] == periods
            held = held + periods
            appended += 1
        assert held == cdr["charging_periods"][: len(held)]
    assert held == cdr["charging_periods"]
    assert appended >= 1, "periods reached the partner by PATCH"
    # while ACTIVE, the open (last) period was never sent: the PATCH that completes the session carries it
    completing = next(body for method, body in requests if body.get("status") == "COMPLETED")
    assert completing.get("charging_periods", [])[-1:] == cdr["charging_periods"][-1:]
