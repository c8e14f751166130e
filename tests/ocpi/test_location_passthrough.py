"""A Location stored and forwarded by us keeps the descriptive fields of mod_locations, numbers exact."""

import json
from decimal import Decimal

from roamstream.ocpi import jsonio
from roamstream.ocpi.location import Location

LOCATION = {
    "country_code": "NL", "party_id": "RST", "id": "LOC1", "publish": True, "name": "Station",
    "address": "Stationsplein 1", "city": "Utrecht", "postal_code": "3511 ED", "country": "NLD",
    "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
    "parking_type": "ON_STREET",
    "evses": [{"uid": "CP1-1", "evse_id": "NL*RST*E1", "status": "AVAILABLE",
               "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"], "parking_restrictions": ["EV_ONLY"],
               "connectors": [{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE",
                               "max_voltage": 230, "max_amperage": 32, "last_updated": "2026-11-01T00:00:00Z"}],
               "last_updated": "2026-11-01T00:00:00Z"}],
    "operator": {"name": "Roamstream Charging", "website": "https://example.com"},
    "facilities": ["TRAIN_STATION", "CAFE"],
    "time_zone": "Europe/Amsterdam",
    "opening_times": {"twentyfourseven": False, "regular_hours": [{"weekday": 1, "period_begin": "07:00",
                                                                  "period_end": "22:00"}]},
    "charging_when_closed": True,
    "energy_mix": {"is_green_energy": False, "energy_sources": [{"source": "SOLAR", "percentage": 12.5},
                                                               {"source": "COAL", "percentage": 87.5}]},
    "last_updated": "2026-11-01T00:00:00Z",
}


def test_descriptive_fields_survive_validation_and_serialisation():
    text = json.dumps(LOCATION)
    out = jsonio.dumps(Location.model_validate_json(text).model_dump(exclude_none=True))
    assert json.loads(out, parse_float=Decimal) == json.loads(text, parse_float=Decimal)
    assert '"percentage": 12.5' in out
