"""The pure part of Tariffs/Locations delivery: OCPP status -> OCPI EVSE status, a Location with the live status of
its EVSEs, and the request that brings a partner to the latest Tariff, Location or EVSE status."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from roamstream.demo import seed
from roamstream.ocpi import jsonio
from roamstream.ocpi.location import Location
from roamstream.partners.delivery.objects import acknowledged_value, reference_change
from roamstream.partners.locations.documents import evse_patch, with_statuses
from roamstream.partners.locations.status import EvseStatus, from_event

BASE = "https://emsp.example/ocpi/2.2.1/locations/"
LOCATION = jsonio.dumps(seed.location(["CP-1", "CP-2"]))  # last_updated 2026-11-01T00:00:00Z, EVSEs AVAILABLE


def at(minute: int) -> datetime:
    return datetime(2026, 11, 20, 10, minute, tzinfo=UTC)


def status_event(status: str, minute: int, *, connector: int | None = 1, evse: int | None = None,
                 received: int | None = None, cp: str = "CP-1") -> dict:
    return {"charge_point_id": cp, "kind": "STATUS", "status": status, "connector_id": connector,
            "evse_id": evse, "timestamp": at(minute), "received_at": at(minute if received is None else received)}


def test_ocpp_statuses_map_to_ocpi_evse_statuses():
    mapped = {s: from_event(status_event(s, 0)).status.value
              for s in ("Available", "Preparing", "Charging", "SuspendedEV", "Finishing", "Reserved", "Unavailable",
                        "Faulted")}
    assert mapped == {"Available": "AVAILABLE", "Preparing": "CHARGING", "Charging": "CHARGING",
                      "SuspendedEV": "CHARGING", "Finishing": "CHARGING", "Reserved": "RESERVED",
                      "Unavailable": "INOPERATIVE", "Faulted": "OUTOFORDER"}
    occupied = from_event(status_event("Occupied", 0, connector=1, evse=2))  # 2.0.1: the EVSE id names it
    assert (occupied.uid, occupied.status.value) == ("CP-1-2", "CHARGING")


def test_the_charge_point_itself_other_events_and_unknown_statuses_give_no_evse_status():
    assert from_event(status_event("Available", 0, connector=0)) is None
    assert from_event(status_event("Available", 0, connector=None, evse=0)) is None
    assert from_event(status_event("Bogus", 0)) is None
    assert from_event({**status_event("Available", 0), "kind": "HEARTBEAT"}) is None


def test_the_later_status_counts_whatever_order_they_arrive_in():
    faulted = from_event(status_event("Faulted", 5))
    queued = from_event(status_event("Available", 1, received=30))  # older station time, received later
    assert faulted.is_after(queued) and not queued.is_after(faulted) and faulted.is_after(None)
    same_time_later = from_event(status_event("Available", 5, received=6))
    assert same_time_later.is_after(faulted)
    assert EvseStatus.decode(faulted.encode()) == faulted


def test_a_location_carries_the_live_status_of_its_evses():
    statuses = {"CP-1-1": from_event(status_event("Charging", 7))}
    body = with_statuses(LOCATION, statuses.get)
    location = json.loads(body)
    evses = {e["uid"]: (e["status"], e["last_updated"]) for e in location["evses"]}
    assert evses == {"CP-1-1": ("CHARGING", "2026-11-20T10:07:00Z"), "CP-2-1": ("AVAILABLE", "2026-11-01T00:00:00Z")}
    assert location["last_updated"] == "2026-11-20T10:07:00Z"  # the latest of its own and its EVSEs'
    Location.model_validate_json(body)
    assert with_statuses(LOCATION, {}.get) == LOCATION  # nothing known: as the back office PUT it
    older = {"CP-1-1": EvseStatus("CP-1-1", from_event(status_event("Faulted", 0)).status,
                                  datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC))}
    assert with_statuses(LOCATION, older.get) == LOCATION  # the back office's EVSE is newer


def test_tariffs_and_locations_are_put_unless_the_partner_has_them():
    tariff = json.dumps(seed.tariff())  # as the back office sent it
    tariffs = "https://emsp.example/ocpi/2.2.1/tariffs"
    assert reference_change("tariff", seed.TARIFF_ID, tariff, None, tariffs) == (
        "PUT", f"{tariffs}/NL/RST/{seed.TARIFF_ID}", tariff.encode())
    assert reference_change("tariff", seed.TARIFF_ID, tariff, tariff, tariffs) is None
    assert reference_change("location", seed.LOCATION_ID, LOCATION, None, BASE)[:2] == (
        "PUT", f"{BASE.rstrip('/')}/NL/RST/{seed.LOCATION_ID}")


def test_an_evse_status_is_patched_and_put_whole_when_the_partner_lacks_it():
    body = with_statuses(LOCATION, {"CP-1-1": from_event(status_event("Faulted", 9))}.get)
    method, url, patch = reference_change("evse", "CP-1-1", body, None, BASE)
    assert (method, url) == ("PATCH", f"{BASE.rstrip('/')}/NL/RST/{seed.LOCATION_ID}/CP-1-1")
    assert json.loads(patch) == {"status": "OUTOFORDER", "last_updated": "2026-11-20T10:09:00Z"}
    assert acknowledged_value("evse", "CP-1-1", body) == evse_patch(body, "CP-1-1") == patch.decode()
    assert reference_change("evse", "CP-1-1", body, patch.decode(), BASE) is None  # acknowledged already
    method, url, whole = reference_change("evse", "CP-1-1", body, patch.decode(), BASE, whole=True)  # after a 404
    assert (method, url, whole) == ("PUT", f"{BASE.rstrip('/')}/NL/RST/{seed.LOCATION_ID}", body.encode())
