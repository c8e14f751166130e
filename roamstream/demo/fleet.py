"""The demo's charge point operator: three sites in three time zones, three tariffs, three eMSPs. Pure data.

- Utrecht (Europe/Amsterdam), AC 11 kW, tariff ``AC-TOD``: energy dearer by day (07:00-23:00) than by night;
- Lisbon (Europe/Lisbon), AC 22 kW, tariff ``AC-PARK``: energy, plus parking time while the car stays plugged
  in after charging (so idle time costs);
- Helsinki (Europe/Helsinki), DC 50 kW, tariff ``DC-FAST``: a start fee, energy and charging time.

Charge points are spread over the sites in turn; each has one EVSE with one connector. Every OCPI object is
what the ingest API accepts (``PUT /ocpi/2.2.1/{module}/...``).
"""

from __future__ import annotations

from dataclasses import dataclass

from roamstream.cdrs.resolve import evse_uid

CPO = ("NL", "RST")
#: the eMSPs whose drivers charge; the last one's endpoint fails now and then (push retries, push health)
PARTNERS = (("NL", "EMA"), ("DE", "EMB"), ("BE", "EMC"))
FLAKY_PARTNER = "BE-EMC"
TOKENS_PER_PARTNER = 6


@dataclass(frozen=True, slots=True)
class Site:
    location_id: str
    name: str
    city: str
    postal_code: str
    country: str
    latitude: str
    longitude: str
    time_zone: str
    tariff_id: str
    #: what the connector delivers at most (W), and the connector's OCPI description
    power_w: int
    standard: str
    connector_format: str
    power_type: str
    max_voltage: int
    max_amperage: int


SITES = (
    Site("LOC-UTR", "Utrecht Centraal P+R", "Utrecht", "3511 ED", "NLD", "52.089444", "5.110278",
         "Europe/Amsterdam", "AC-TOD", 11_000, "IEC_62196_T2", "SOCKET", "AC_3_PHASE", 230, 16),
    Site("LOC-LIS", "Lisboa Parque das Nações", "Lisboa", "1990-096", "PRT", "38.768056", "-9.094444",
         "Europe/Lisbon", "AC-PARK", 22_000, "IEC_62196_T2", "SOCKET", "AC_3_PHASE", 230, 32),
    Site("LOC-HEL", "Helsinki Kamppi", "Helsinki", "00100", "FIN", "60.168889", "24.932500",
         "Europe/Helsinki", "DC-FAST", 50_000, "IEC_62196_T2_COMBO", "CABLE", "DC", 920, 125),
)


def site_of(index: int) -> Site:
    """The site of the ``index``-th charge point (0-based): the sites in turn."""
    return SITES[index % len(SITES)]


def _component(kind: str, price: str, vat: str, step: int) -> dict:
    return {"type": kind, "price": float(price), "vat": float(vat), "step_size": step}


def tariffs(updated: str) -> list[dict]:
    ac_tod = [
        {"price_components": [_component("FLAT", "0.35", "21", 1)]},
        {
            "price_components": [_component("ENERGY", "0.39", "21", 1)],
            "restrictions": {"start_time": "07:00", "end_time": "23:00"},
        },
        {"price_components": [_component("ENERGY", "0.29", "21", 1)]},
    ]
    ac_park = [
        {"price_components": [_component("ENERGY", "0.33", "23", 1), _component("TIME", "0.60", "23", 60)]},
        {"price_components": [_component("PARKING_TIME", "3.00", "23", 300)]},
    ]
    dc_fast = [
        {"price_components": [_component("FLAT", "1.00", "25.5", 1)]},
        {"price_components": [_component("ENERGY", "0.59", "25.5", 1), _component("TIME", "6.00", "25.5", 60)]},
        {"price_components": [_component("PARKING_TIME", "6.00", "25.5", 60)]},
    ]
    return [
        {"country_code": CPO[0], "party_id": CPO[1], "id": tariff_id, "currency": "EUR", "elements": elements,
         "last_updated": updated}
        for tariff_id, elements in (("AC-TOD", ac_tod), ("AC-PARK", ac_park), ("DC-FAST", dc_fast))
    ]


def locations(charge_points: list[str], updated: str) -> list[dict]:
    """One location per site that has charge points, with an EVSE per charge point."""
    by_site: dict[str, list[tuple[int, str]]] = {}
    for index, cp in enumerate(charge_points):
        by_site.setdefault(site_of(index).location_id, []).append((index, cp))
    documents = []
    for site in SITES:
        members = by_site.get(site.location_id)
        if not members:
            continue
        documents.append({
            "country_code": CPO[0],
            "party_id": CPO[1],
            "id": site.location_id,
            "publish": True,
            "name": site.name,
            "address": "1 Demo Street",
            "city": site.city,
            "postal_code": site.postal_code,
            "country": site.country,
            "coordinates": {"latitude": site.latitude, "longitude": site.longitude},
            "time_zone": site.time_zone,
            "evses": [
                {
                    "uid": evse_uid(cp, 1, None),
                    "evse_id": f"{CPO[0]}*{CPO[1]}*E{index + 1:04d}",
                    "status": "AVAILABLE",
                    "connectors": [
                        {
                            "id": "1",
                            "standard": site.standard,
                            "format": site.connector_format,
                            "power_type": site.power_type,
                            "max_voltage": site.max_voltage,
                            "max_amperage": site.max_amperage,
                            "tariff_ids": [site.tariff_id],
                            "last_updated": updated,
                        }
                    ],
                    "last_updated": updated,
                }
                for index, cp in members
            ],
            "last_updated": updated,
        })
    return documents


def token(partner: tuple[str, str], n: int, updated: str) -> dict:
    return {
        "country_code": partner[0],
        "party_id": partner[1],
        "uid": f"{partner[1]}{n:06d}",
        "type": "APP_USER" if n % 3 == 0 else "RFID",
        "contract_id": f"{partner[0]}-{partner[1]}-C{n:08d}",
        "issuer": f"eMSP {partner[1]}",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": updated,
    }


def tokens(updated: str) -> list[dict]:
    return [token(p, n, updated) for p in PARTNERS for n in range(1, TOKENS_PER_PARTNER + 1)]
