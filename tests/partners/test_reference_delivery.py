"""Issue 11.5: Tariffs and Locations to partners. The whole stack (worker, API, OCPP endpoint) on the embedded
broker; three eMSPs in their own processes, registered by the credentials handshake: A and B publish Tariffs
and Locations Receiver endpoints, C does not. The back office PUTs a Tariff and a Location; a real OCPP 1.6
client reports its connector's status. A gets the Tariff and the Location PUT, then the status changes as EVSE
PATCHes (mod_locations); B, down meanwhile (connections refused), gets them once it is back; C gets none. A
PATCH for an EVSE the partner lost (404) is followed by the whole Location. D, registered last, gets them as
they are then."""

from __future__ import annotations

import json

from conftest import Switch
from ocpp.v16 import call
from test_delivery import until

from connectors.ocpp.simulator.client import connect
from roamstream.demo import seed
from roamstream.demo.run import seed_reference
from roamstream.stack import running_stack

CP = "REF-CP-1"
EVSE = f"{CP}-1"
LOCATION = f"NL/RST/{seed.LOCATION_ID}"
TARIFF = f"NL/RST/{seed.TARIFF_ID}"


def evse_at(state: dict) -> dict | None:
    location = state["locations"].get(LOCATION)
    if location is None:
        return None
    return next(e for e in json.loads(location)["evses"] if e["uid"] == EVSE)


def has_status(receiver, status: str, at: str):
    async def check() -> bool:
        evse = evse_at(await receiver.state())
        return evse is not None and (evse["status"], evse["last_updated"]) == (status, at)
    return check


def has_documents(receiver):
    async def check() -> bool:
        state = await receiver.state()
        return TARIFF in state["tariffs"] and LOCATION in state["locations"]
    return check


async def register(http, api_url: str, versions_url: str, token_a: str) -> None:
    r = await http.post(f"{api_url}/admin/partners/registrations", headers={"Authorization": "Token dev-token"},
                        json={"versions_url": versions_url, "token": token_a})
    assert r.json()["status_code"] == 1000, r.text


async def test_tariffs_locations_and_evse_status_reach_the_partners_that_receive_them(with_partners, receivers,
                                                                                      http):
    settings = with_partners([], backoff_s=0.1, backoff_cap_s=1.0)
    settings = settings.model_copy(update={"api": settings.api.model_copy(update={"port": 0}),
                                           "ocpp": settings.ocpp.model_copy(update={"port": 0})})
    async with (receivers("tok-c-a", "--token-a", "tok-a-a", "--party", "NL-EMA") as a,
                receivers("tok-c-b", "--token-a", "tok-a-b", "--party", "NL-EMB") as b,
                receivers("tok-c-c", "--token-a", "tok-a-c", "--party", "DE-EMC", "--no-locations") as c,
                receivers("tok-c-d", "--token-a", "tok-a-d", "--party", "NL-EMD") as d,
                running_stack(settings) as stack):
        switch = await Switch(int(b.url.rsplit(":", 1)[1])).open()
        try:
            await register(http, stack.api_url, f"{a.url}/ocpi/emsp/versions", "tok-a-a")
            await register(http, stack.api_url, f"{switch.url}/ocpi/emsp/versions", "tok-a-b")
            await register(http, stack.api_url, f"{c.url}/ocpi/emsp/versions", "tok-a-c")
            await until(lambda: _registered(stack.worker, 3), "the worker reads the three partners")
            await switch.close()  # B is down: connections refused

            await seed_reference(stack.api_url, "dev-token", [CP], 1)
            await until(has_documents(a), "A has the Tariff and the Location")
            assert evse_at(await a.state())["status"] == "AVAILABLE"  # as the back office PUT it
            async with connect(stack.ocpp_url, CP, "1.6") as station:
                await station.call(call.BootNotification(charge_point_model="T", charge_point_vendor="roamstream"))
                await station.call(call.StatusNotification(0, "NoError", "Available",  # the charge point
                                                           timestamp="2026-11-20T10:00:00Z"))
                await station.call(call.StatusNotification(1, "NoError", "Charging", timestamp="2026-11-20T10:00:00Z"))
                await until(has_status(a, "CHARGING", "2026-11-20T10:00:00Z"), "A has the EVSE CHARGING")
                await station.call(call.StatusNotification(1, "ReaderFailure", "Faulted",
                                                           timestamp="2026-11-20T10:05:00Z"))
                # a status queued by the charger, older than the one it had reported: it changes nothing
                await station.call(call.StatusNotification(1, "NoError", "Available", timestamp="2026-11-20T10:01:00Z"))
                await until(has_status(a, "OUTOFORDER", "2026-11-20T10:05:00Z"), "A has the EVSE OUTOFORDER")

                await switch.open()  # B is back: it gets what it missed
                await until(has_documents(b), "B has the Tariff and the Location after its outage")
                await until(has_status(b, "OUTOFORDER", "2026-11-20T10:05:00Z"), "B has the latest EVSE status")

                await a.control(forget_locations=True)  # A loses its Locations: the next PATCH gets 404
                await station.call(call.StatusNotification(1, "NoError", "Available", timestamp="2026-11-20T10:30:00Z"))
                await until(has_status(a, "AVAILABLE", "2026-11-20T10:30:00Z"), "A has the whole Location again")

            # D registers after all that: it gets the Tariff and the Location as they are now
            await register(http, stack.api_url, f"{d.url}/ocpi/emsp/versions", "tok-a-d")
            await until(has_documents(d), "D, registered later, has the Tariff and the Location")
            await until(has_status(d, "AVAILABLE", "2026-11-20T10:30:00Z"), "D has the EVSE's latest status")
            at_a, at_b, at_c = await a.state(), await b.state(), await c.state()
        finally:
            await switch.close()

    tariff = json.loads(at_a["tariffs"][TARIFF])
    assert tariff == seed.tariff() and json.loads(at_b["tariffs"][TARIFF]) == tariff
    location = json.loads(at_a["locations"][LOCATION])
    assert location["last_updated"] == "2026-11-20T10:30:00Z"  # the latest of its own and its EVSEs' (mod_locations)
    # A: Location PUT, then status PATCHes of the EVSE (the stale queued Available never sent)
    patches = [(uid, body) for _, uid, body in at_a["evse_patches"]]
    assert (EVSE, {"status": "CHARGING", "last_updated": "2026-11-20T10:00:00Z"}) in patches
    assert (EVSE, {"status": "OUTOFORDER", "last_updated": "2026-11-20T10:05:00Z"}) in patches
    assert all(body["last_updated"] != "2026-11-20T10:01:00Z" for _, body in patches)
    calls = [(e["method"], e["path"].split("/ocpi/emsp/2.2.1/")[1], e["status"]) for e in at_a["log"]
             if "/ocpi/emsp/2.2.1/" in e["path"]]
    location_calls = [x for x in calls if x[1].startswith("locations/")]
    assert location_calls[0] == ("PUT", f"locations/{LOCATION}", 200)
    # the PATCH after A lost the Location: 404, then the whole Location PUT with the new status
    lost = location_calls.index(("PATCH", f"locations/{LOCATION}/{EVSE}", 404))
    assert location_calls[lost + 1] == ("PUT", f"locations/{LOCATION}", 200)
    # C published no Tariffs/Locations Receiver: it got none of them (its token and CDRs endpoints are fine)
    assert at_c["tariffs"] == {} and at_c["locations"] == {}
    assert not [e for e in at_c["log"] if "/tariffs" in e["path"] or "/locations" in e["path"]]
    assert all(e["status"] != 401 for e in at_a["log"] + at_b["log"] + at_c["log"])


async def _registered(worker, n: int) -> bool:
    return len([r for r in worker.registry.all() if r.state.value == "REGISTERED"]) == n
