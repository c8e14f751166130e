"""Issue 11.5: Tariffs and Locations to partners. The whole stack (worker, API, OCPP endpoint) on the embedded
broker; three eMSPs in their own processes, registered by the credentials handshake: A and B publish Tariffs
and Locations Receiver endpoints, C does not. The back office PUTs a Tariff and a Location; a real OCPP 1.6
client reports its connector's status. A gets the Tariff and the Location PUT, then the status changes as EVSE
PATCHes (mod_locations); B, down meanwhile (connections refused), gets them once it is back; C gets none. A
PATCH for an EVSE the partner lost (404) is followed by the whole Location. D, registered last, gets them as
they are then. Deletions: a second Tariff, PUT then deleted while B is down, is DELETEd at A after its PUT; B,
which never had it, gets the DELETE once back, answered 404 and counted as delivered; PUT again (the same
document), both get it again. The Location, deleted while B is down with an EVSE status PATCH pending, is PUT to
A, B and D with every EVSE REMOVED at the deletion's time, and B gets no PATCH after it."""

from __future__ import annotations

import asyncio
import json

from ocpp.v16 import call
from partner_processes import Switch
from test_delivery import until

from connectors.ocpp.simulator.client import connect
from roamstream.avro import serde_for
from roamstream.demo import seed
from roamstream.demo.run import seed_reference
from roamstream.exceptions import RoamstreamError
from roamstream.kafka import read_to_end
from roamstream.ocpi.timefmt import format_datetime
from roamstream.partners.delivery.objects import is_deletion
from roamstream.stack import running_stack

CP = "REF-CP-1"
EVSE = f"{CP}-1"
LOCATION = f"NL/RST/{seed.LOCATION_ID}"
TARIFF = f"NL/RST/{seed.TARIFF_ID}"
GONE = "DEMO-GONE"  # a Tariff deleted, then created again
BACK_OFFICE = {"Authorization": "Token dev-token"}


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


def holds_tariff(receiver, tariff_id: str, wanted: bool = True):
    async def check() -> bool:
        return (f"NL/RST/{tariff_id}" in (await receiver.state())["tariffs"]) is wanted
    return check


def all_removed(receiver, at: str):
    async def check() -> bool:
        location = (await receiver.state())["locations"].get(LOCATION)
        if location is None:
            return False
        location = json.loads(location)
        return location["last_updated"] == at and all(
            (e["status"], e["last_updated"]) == ("REMOVED", at) for e in location["evses"])
    return check


def reference_calls(state: dict) -> list[tuple[str, str, int]]:
    return [(e["method"], e["path"].split("/ocpi/emsp/2.2.1/")[1], e["status"]) for e in state["log"]
            if "/ocpi/emsp/2.2.1/tariffs/" in e["path"] or "/ocpi/emsp/2.2.1/locations/" in e["path"]]


async def back_office(http, method: str, url: str, body: dict | None = None) -> dict:
    r = await http.request(method, url, headers=BACK_OFFICE, json=body)
    assert r.json()["status_code"] == 1000, r.text
    return r.json()["data"]


async def record_time(settings, receipt: dict) -> str:
    """The ``last_updated`` of the record the API published (its receipt: topic, partition, offset)."""
    serde = serde_for(settings.schema_registry.url)
    messages = await asyncio.to_thread(lambda: list(read_to_end(settings, "ocpi.locations.v1",
                                                                  error=RoamstreamError)))
    [message] = [m for m in messages if (m.partition(), m.offset()) == (receipt["partition"], receipt["offset"])]
    record = serde.decode("ocpi.object.v1", message.value())
    assert record["deleted"] is True
    return format_datetime(record["last_updated"])


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
            gone_url = f"{stack.api_url}/ocpi/2.2.1/tariffs/NL/RST/{GONE}"
            await back_office(http, "PUT", gone_url, {**seed.tariff(), "id": GONE})
            await until(holds_tariff(a, GONE), "A has the second Tariff")
            await back_office(http, "DELETE", gone_url)
            await until(holds_tariff(a, GONE, False), "A no longer has the deleted Tariff")
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
                await until(deletion_acknowledged(stack.worker, "NL-EMB", GONE),
                            "B's DELETE of the Tariff it never had is delivered (in the ledger)")
                assert ("DELETE", f"tariffs/NL/RST/{GONE}", 404) in reference_calls(await b.state())
                await back_office(http, "PUT", gone_url, {**seed.tariff(), "id": GONE})  # created again
                await until(holds_tariff(a, GONE), "A has the Tariff created again")
                await until(holds_tariff(b, GONE), "B has the Tariff created again")

                await a.control(forget_locations=True)  # A loses its Locations: the next PATCH gets 404
                await station.call(call.StatusNotification(1, "NoError", "Available", timestamp="2026-11-20T10:30:00Z"))
                await until(has_status(a, "AVAILABLE", "2026-11-20T10:30:00Z"), "A has the whole Location again")

            # D registers after all that: it gets the Tariff and the Location as they are now
            await register(http, stack.api_url, f"{d.url}/ocpi/emsp/versions", "tok-a-d")
            await until(has_documents(d), "D, registered later, has the Tariff and the Location")
            await until(has_status(d, "AVAILABLE", "2026-11-20T10:30:00Z"), "D has the EVSE's latest status")
            at_a, at_b, at_c = await a.state(), await b.state(), await c.state()

            # B down again, with a status PATCH pending, when the Location is deleted
            await switch.close()
            async with connect(stack.ocpp_url, CP, "1.6") as station:
                await station.call(call.BootNotification(charge_point_model="T", charge_point_vendor="roamstream"))
                await station.call(call.StatusNotification(1, "NoError", "Charging", timestamp="2026-11-20T10:40:00Z"))
                await until(has_status(a, "CHARGING", "2026-11-20T10:40:00Z"), "A has the EVSE CHARGING again")
            receipt = await back_office(http, "DELETE",
                                        f"{stack.api_url}/ocpi/2.2.1/locations/NL/RST/{seed.LOCATION_ID}")
            deleted_at = await record_time(stack.settings, receipt)
            await until(all_removed(a, deleted_at), "A has the Location with every EVSE REMOVED")
            await until(all_removed(d, deleted_at), "D has the Location with every EVSE REMOVED")
            b_before = len((await b.state())["log"])
            await switch.open()
            await until(all_removed(b, deleted_at), "B, back, has the Location with every EVSE REMOVED")
            after_a, after_b, after_c = await a.state(), await b.state(), await c.state()
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

    # the second Tariff at A: PUT, DELETE (after the PUT, in the Tariff's order), PUT again; B: the DELETE
    # answered 404 (it never had it) and not tried again, then the PUT
    gone = f"tariffs/NL/RST/{GONE}"
    assert [x for x in reference_calls(after_a) if x[1] == gone] == [("PUT", gone, 200), ("DELETE", gone, 200),
                                                                     ("PUT", gone, 200)]
    assert [x for x in reference_calls(after_b) if x[1] == gone] == [("DELETE", gone, 404), ("PUT", gone, 200)]
    # the deleted Location: a last PUT with every EVSE REMOVED (OCPI deletes no Location); B, down when it was
    # deleted, gets that PUT and not the status PATCH that was pending for it
    assert reference_calls(after_a)[-1] == ("PUT", f"locations/{LOCATION}", 200)
    assert [x for x in reference_calls({"log": after_b["log"][b_before:]}) if x[1].startswith("locations/")] == [
        ("PUT", f"locations/{LOCATION}", 200)]
    assert json.loads(after_a["locations"][LOCATION])["name"] == seed.location([CP])["name"]  # the last version
    assert after_c["tariffs"] == {} and after_c["locations"] == {}


async def _registered(worker, n: int) -> bool:
    return len([r for r in worker.registry.all() if r.state.value == "REGISTERED"]) == n


def deletion_acknowledged(worker, partner: str, tariff_id: str):
    async def check() -> bool:
        acknowledged = worker.app.tables["push_ledger"].get(f"{partner}|tariff|{tariff_id}".encode())
        return acknowledged is not None and is_deletion(acknowledged.decode())
    return check
