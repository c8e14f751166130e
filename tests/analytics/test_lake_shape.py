"""A lake shaped for questions: flat columns, reference tables with validity, local time, older files."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
from lake.records import cdr, location_object, session, tariff_object, token_object

from analytics import open_lake

Land = Callable[..., list[str]]

CDR_JSON = {
    "id": "A",
    "cdr_token": {"country_code": "DE", "party_id": "EMS", "uid": "TOK-1", "type": "RFID", "contract_id": "DE-EMS-C1"},
    "auth_method": "WHITELIST",
    "cdr_location": {"id": "LOC-NY", "evse_uid": "CP-1-1", "evse_id": "US*RST*E1", "connector_id": "1"},
    "charging_periods": [{"start_date_time": "2026-03-01T23:30:00Z", "dimensions": [], "tariff_id": "T-TOD"}],
    "total_energy_cost": {"excl_vat": 2.5, "incl_vat": 3.025},
    "total_time_cost": {"excl_vat": 1.2345},
    "total_parking_cost": {"excl_vat": 0.75},
    "total_fixed_cost": {"excl_vat": 0},
}


def test_cdrs_have_flat_columns_from_their_ocpi_document(land: Land, lake: Path) -> None:
    land("cdrs", [cdr("A", "2026-03-02T01:00:00", "4.4845", ocpi_json=json.dumps(CDR_JSON))])
    row = open_lake(str(lake)).execute(
        "select location_id, evse_uid, evse_id, connector_id, token_uid, token_type, contract_id, auth_method,"
        " tariff_id, total_energy_cost_excl_vat, total_time_cost_excl_vat, total_parking_cost_excl_vat,"
        " total_fixed_cost_excl_vat from cdrs"
    ).fetchone()
    assert row == ("LOC-NY", "CP-1-1", "US*RST*E1", "1", "TOK-1", "RFID", "DE-EMS-C1", "WHITELIST", "T-TOD",
                   Decimal("2.5"), Decimal("1.2345"), Decimal("0.75"), Decimal("0"))


def test_every_reference_version_is_kept_with_its_validity(land: Land, lake: Path) -> None:
    land("locations", [location_object("LOC-NY", "2026-01-01T00:00:00", "America/New_York", evses=1),
                       location_object("LOC-NY", "2026-02-01T00:00:00", "America/New_York", evses=3)])
    land("locations", [location_object("LOC-NY", "2026-02-01T00:00:00", "America/New_York", evses=3)])  # a copy
    land("tariffs", [tariff_object("T-TOD", "2026-01-01T00:00:00")])
    land("tokens", [token_object("TOK-1", "2026-01-01T00:00:00")])
    con = open_lake(str(lake))
    versions = con.execute(
        "select evses, time_zone, valid_from, valid_to from locations order by valid_from").fetchall()
    assert [(v[0], v[1]) for v in versions] == [(1, "America/New_York"), (3, "America/New_York")]
    assert versions[0][3] == versions[1][2] and versions[1][3] is None
    assert con.execute("select dimensions, currency from tariffs").fetchone() == (["ENERGY", "PARKING_TIME"], "EUR")
    assert con.execute("select contract_id, valid, whitelist from tokens").fetchone() == ("DE-EMS-C1", True, "ALLOWED")


def test_cdrs_and_sessions_in_the_local_time_of_their_location(land: Land, lake: Path) -> None:
    land("locations", [location_object("LOC-NY", "2026-01-01T00:00:00", "America/New_York")])
    # 23:30 UTC on 1 March is 18:30 in New York, a Sunday
    land("cdrs", [cdr("A", "2026-03-02T01:00:00", "1", ocpi_json=json.dumps(CDR_JSON),
                      start_date_time=datetime.fromisoformat("2026-03-01T23:30:00+00:00"))])
    land("sessions", [{**session("S1", "2026-03-01T23:30:00"),
                       "ocpi_json": json.dumps({"location_id": "LOC-NY", "evse_uid": "CP-1-1", "connector_id": "1",
                                                "cdr_token": {"uid": "TOK-1", "contract_id": "DE-EMS-C1"},
                                                "auth_method": "WHITELIST"})}])
    con = open_lake(str(lake))
    assert con.execute(
        "select time_zone, local_start, local_start_date, local_start_hour, local_weekday_name from cdrs_local"
    ).fetchone() == ("America/New_York", datetime(2026, 3, 1, 18, 30), date(2026, 3, 1), 18, "Sunday")
    assert con.execute(
        "select location_id, contract_id, time_zone, local_start_hour from sessions_local"
    ).fetchone() == ("LOC-NY", "DE-EMS-C1", "America/New_York", 18)


def test_files_landed_before_the_flat_columns_still_read_with_them_null(land: Land, lake: Path) -> None:
    [path] = land("cdrs", [cdr("OLD", "2026-03-02T01:00:00", "1.0000")])
    old = pq.read_table(path)
    pq.write_table(old.drop_columns([c for c in old.column_names if c in ("location_id", "tariff_id",
                                                                          "total_parking_cost_excl_vat")]), path)
    con = open_lake(str(lake))
    assert con.execute("select cdr_id, location_id, tariff_id, total_parking_cost_excl_vat from cdrs").fetchone() == (
        "OLD", None, None, None)
    assert con.execute("select time_zone from cdrs_local").fetchone() == (None,)
