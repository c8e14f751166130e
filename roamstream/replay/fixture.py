"""What the checked-in recording is made of: reference data (a time-of-day tariff for the OCPP 1.6 fleet, an
idle-fee tariff for the 2.0.1 fleet, their locations, two eMSPs' tokens) and the simulated fleets, one per
OCPP version and fault set (every fault alone, then all together).

Station clocks start on Saturday 2026-03-28 18:00 UTC and run for about a day, so sessions cross the
time-of-day boundaries (07:00 and 23:00 Europe/Amsterdam) and the night the clocks go forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors.ocpp.simulator import Faults
from connectors.ocpp.simulator.plan import charge_point_ids
from roamstream.cdrs.resolve import evse_uid
from roamstream.demo import seed

CPO = ("NL", "RST")
UPDATED = "2026-03-01T00:00:00Z"
START = datetime(2026, 3, 28, 18, 0, tzinfo=UTC)
TOKENS_PER_PARTNER = 6
#: a station's clock-aligned meter values this long after its last stop end the traffic (settle window: 5)
TAIL_MIN = 15

FAULTS_16 = ("duplicate_stop", "end_meter_values_after_stop", "rebase_meter", "offline_queue")
FAULTS_201 = ("duplicate_ended", "end_meter_values_after_stop", "rebase_meter", "offline_queue")
_TAGS = {"duplicate_stop": "DS", "duplicate_ended": "DE", "end_meter_values_after_stop": "EM", "rebase_meter": "RM",
         "offline_queue": "OQ"}


@dataclass(frozen=True, slots=True)
class Fleet:
    version: str
    faults: tuple[str, ...]
    stations: int
    sessions: int
    connectors: int
    seed: int

    @property
    def prefix(self) -> str:
        """``R16-OK-``, ``R201-DE-`` (duplicate_ended), ``R16-ALL-``: short, so that ids stay readable."""
        tag = "ALL" if len(self.faults) > 1 else (_TAGS[self.faults[0]] if self.faults else "OK")
        return f"R{self.version.replace('.', '')}-{tag}-"

    @property
    def charge_points(self) -> list[str]:
        return charge_point_ids(self.stations, self.prefix)

    def fault_switches(self) -> Faults:
        return Faults(**dict.fromkeys(self.faults, True))


def fleets(stations: int = 3, sessions: int = 8) -> list[Fleet]:
    out = []
    for version, faults in (("1.6", FAULTS_16), ("2.0.1", FAULTS_201)):
        sets = [(), *((f,) for f in faults), faults]
        for fault_set in sets:
            connectors = 2 if len(fault_set) > 1 else 1
            out.append(Fleet(version, fault_set, stations, sessions, connectors, seed=len(out)))
    return out


def _component(kind: str, price: str, step: int) -> dict[str, Any]:
    return {"type": kind, "price": Decimal(price), "vat": Decimal("21.0"), "step_size": step}


def tariff_time_of_day() -> dict[str, Any]:
    """Start fee; energy and time dearer 07:00-23:00 local than at night; parking by the 5 minutes."""
    return {
        "country_code": CPO[0], "party_id": CPO[1], "id": "RPL-AC-TOD", "currency": "EUR",
        "elements": [
            {"price_components": [_component("FLAT", "0.35", 1)]},
            {"price_components": [_component("ENERGY", "0.39", 1), _component("TIME", "1.20", 60)],
             "restrictions": {"start_time": "07:00", "end_time": "23:00"}},
            {"price_components": [_component("ENERGY", "0.29", 1), _component("TIME", "0.60", 60)]},
            {"price_components": [_component("PARKING_TIME", "2.40", 300)]},
        ],
        "last_updated": UPDATED,
    }


def tariff_idle_fee() -> dict[str, Any]:
    """Energy by the kWh; a time fee only after 90 minutes (an idle fee); parking by the minute."""
    return {
        "country_code": CPO[0], "party_id": CPO[1], "id": "RPL-FLEX", "currency": "EUR",
        "elements": [
            {"price_components": [_component("FLAT", "1.00", 1), _component("ENERGY", "0.49", 1)]},
            {"price_components": [_component("TIME", "6.00", 60)], "restrictions": {"min_duration": 5400}},
            {"price_components": [_component("PARKING_TIME", "3.00", 60)]},
        ],
        "last_updated": UPDATED,
    }


def location(location_id: str, tariff_id: str, stations: list[tuple[str, int]]) -> dict[str, Any]:
    """A location with one EVSE per (charge point, connector or EVSE number)."""
    evses = []
    for n, (cp, number) in enumerate(stations, 1):
        evses.append({
            "uid": evse_uid(cp, number, None),
            "evse_id": f"NL*RST*E{location_id[-2:]}{n:03d}",
            "status": "AVAILABLE",
            "connectors": [{
                "id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE",
                "max_voltage": 230, "max_amperage": 32, "tariff_ids": [tariff_id], "last_updated": UPDATED,
            }],
            "last_updated": UPDATED,
        })
    return {
        "country_code": CPO[0], "party_id": CPO[1], "id": location_id, "publish": True,
        "name": f"Replay site {location_id[-2:]}", "address": "Stationsplein 1", "city": "Utrecht",
        "postal_code": "3511 ED", "country": "NLD",
        "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
        "time_zone": "Europe/Amsterdam", "evses": evses, "last_updated": UPDATED,
    }


def reference_objects(fleet_list: list[Fleet]) -> list[tuple[str, dict[str, Any]]]:
    """(ingest API path, OCPI object) of every tariff, location and token the fleets need."""
    cc, pid = CPO
    by_version: dict[str, list[tuple[str, int]]] = {"1.6": [], "2.0.1": []}
    for fleet in fleet_list:
        by_version[fleet.version] += [(cp, c) for cp in fleet.charge_points for c in range(1, fleet.connectors + 1)]
    tod, flex = tariff_time_of_day(), tariff_idle_fee()
    objects = [
        (f"/tariffs/{cc}/{pid}/{tod['id']}", tod),
        (f"/tariffs/{cc}/{pid}/{flex['id']}", flex),
        (f"/locations/{cc}/{pid}/LOC-RPL-16", location("LOC-RPL-16", tod["id"], by_version["1.6"])),
        (f"/locations/{cc}/{pid}/LOC-RPL-21", location("LOC-RPL-21", flex["id"], by_version["2.0.1"])),
    ]
    objects += [
        (f"/tokens/{t['country_code']}/{t['party_id']}/{t['uid']}?type=RFID", t)
        for t in seed.tokens(TOKENS_PER_PARTNER)
    ]
    return objects


def id_tags() -> list[str]:
    return [t["uid"] for t in seed.tokens(TOKENS_PER_PARTNER)]
