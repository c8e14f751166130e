"""``roamstream price``: the command-line contract (output shape, exit status 2 with one line on stderr)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from tariff_data import tariffs
from typer.testing import CliRunner

from roamstream.cli import app
from roamstream.ocpi import jsonio

CDR = {
    "id": "C1",
    "start_date_time": "2024-01-20T12:30:00Z",
    "end_date_time": "2024-01-20T15:35:00Z",
    "currency": "EUR",
    "charging_periods": [
        {"start_date_time": "2024-01-20T12:30:00Z",
         "dimensions": [{"type": "TIME", "volume": Decimal("1.9")}, {"type": "MIN_CURRENT", "volume": 43},
                        {"type": "ENERGY", "volume": Decimal("40")}]},
        {"start_date_time": "2024-01-20T14:24:00Z",
         "dimensions": [{"type": "PARKING_TIME", "volume": Decimal("1.1833")}]},
    ],
}  # fmt: skip


def run(tmp_path, tariff, cdr, *extra: str):
    (tmp_path / "t.json").write_text(tariff if isinstance(tariff, str) else jsonio.dumps(tariff))
    (tmp_path / "c.json").write_text(cdr if isinstance(cdr, str) else jsonio.dumps(cdr))
    args = ["price", "--tariff", str(tmp_path / "t.json"), "--cdr", str(tmp_path / "c.json"), *extra]
    return CliRunner().invoke(app, args)


def test_prints_the_priced_cdr_with_exact_json_numbers(tmp_path):
    result = run(tmp_path, tariffs()["complex"], CDR, "--time-zone", "Europe/Amsterdam")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout, parse_float=Decimal)
    assert out["total_cost"] == {"excl_vat": Decimal("12.375"), "incl_vat": Decimal("13.975")}
    for name in ("total_energy_cost", "total_time_cost", "total_parking_cost", "total_fixed_cost",
                 "total_reservation_cost"):  # fmt: skip
        assert set(out[name]) == {"excl_vat", "incl_vat"}
    totals = (out["total_energy"], out["total_time"], out["total_parking_time"])
    assert totals == (40, Decimal("3.0833"), Decimal("1.1833"))
    assert out["id"] == "C1" and len(out["charging_periods"]) == 2  # the CDR itself, priced
    numbers = re.findall(r":\s*(-?[0-9][0-9.eE+-]*)", result.stdout)
    assert numbers and all(re.fullmatch(r"-?\d+(\.\d{1,4})?", n) for n in numbers)
    assert '"excl_vat": "' not in result.stdout  # numbers, not strings


def test_time_zone_defaults_to_utc(tmp_path):
    # parking from 14:24 UTC on a Saturday: inside the 10:00-17:00 window in UTC, not in Tokyo (23:24)
    result = run(tmp_path, tariffs()["complex"], CDR)
    out = json.loads(result.stdout, parse_float=Decimal)
    assert out["total_parking_cost"]["excl_vat"] == Decimal("7.5")
    later = run(tmp_path, tariffs()["complex"], CDR, "--time-zone", "Asia/Tokyo")  # 23:24 local
    assert json.loads(later.stdout, parse_float=Decimal)["total_parking_cost"]["excl_vat"] == 0


def test_omitted_vat_can_be_read_as_unknown(tmp_path):
    tariff = tariffs()["step_size"]  # no vat on any component
    cdr = {**CDR, "start_date_time": "2024-01-15T15:55:00Z", "end_date_time": "2024-01-15T16:07:00Z",
           "charging_periods": [{"start_date_time": "2024-01-15T15:55:00Z",
                                 "dimensions": [{"type": "TIME", "volume": Decimal("0.2")}]}]}  # fmt: skip
    exempt = json.loads(run(tmp_path, tariff, cdr).stdout, parse_float=Decimal)
    unknown = json.loads(run(tmp_path, tariff, cdr, "--omitted-vat", "unknown").stdout, parse_float=Decimal)
    assert exempt["total_cost"] == {"excl_vat": Decimal("0.6"), "incl_vat": Decimal("0.6")}  # 12 -> 30 min
    assert unknown["total_cost"] == {"excl_vat": Decimal("0.6")}  # incl_vat left out: not known


def _with_step_size_zero():
    tariff = json.loads(jsonio.dumps(tariffs()["complex"]), parse_float=Decimal)
    tariff["elements"][1]["price_components"].insert(0, {"type": "ENERGY", "price": 1, "step_size": 1})
    tariff["elements"][1]["price_components"][1]["step_size"] = 0
    return tariff


def _cdr(**changes):
    return {**CDR, **changes}


@pytest.mark.parametrize(
    ("tariff", "cdr", "extra", "message"),
    [
        (
            _with_step_size_zero(),
            CDR,
            [],
            "error: tariff.elements[1].price_components[1].step_size: must be > 0",
        ),
        ("{not json", CDR, [], "error: tariff: "),
        (tariffs()["complex"], "[1, 2", [], "error: cdr: "),
        (
            tariffs()["complex"],
            CDR,
            ["--time-zone", "Mars/Olympus"],
            "error: --time-zone: unknown IANA time zone",
        ),
        (
            tariffs()["complex"],
            _cdr(currency="USD"),
            [],
            "error: cdr.currency: 'USD' is not the tariff's currency",
        ),
        (
            tariffs()["complex"],
            _cdr(
                charging_periods=[
                    {"start_date_time": "2024-01-20T12:30:00Z", "dimensions": [{"type": "KWH", "volume": 1}]}
                ]
            ),  # fmt: skip
            [],
            "error: cdr.charging_periods[0].dimensions[0].type: unknown dimension 'KWH'",
        ),
        (tariffs()["complex"], _cdr(start_date_time="yesterday"), [], "error: cdr.start_date_time: "),
        (tariffs()["025kwh_start_max_price"], CDR, [], "error: tariff '16' is not active at 2024-01-20"),
    ],
)
def test_invalid_input_exits_2_with_one_line(tmp_path, tariff, cdr, extra, message):
    result = run(tmp_path, tariff, cdr, *extra)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(message), result.stderr
