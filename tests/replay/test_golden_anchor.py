"""Independent anchors for the golden CDRs (issue 9: the golden file changed when sessions began to complete
on their own charge point's time; issue 14.5): two CDRs of it priced by hand from the recording's meter
values and the fixture's tariff ``RPL-AC-TOD`` (roamstream/replay/fixture.py: FLAT 0.35; 07:00-23:00 local
ENERGY 0.39/kWh and TIME 1.20/h; otherwise ENERGY 0.29/kWh and TIME 0.60/h; VAT 21 %; location time zone
Europe/Amsterdam). OCPI prices the volumes the CDR shows (hours to 4 decimals); totals are rounded half-up
to 4 decimals once."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from roamstream import events
from roamstream.avro import AvroSerde
from roamstream.replay import read_recording
from roamstream.replay.legacy import upgrade

HERE = Path(__file__).parent
GOLDEN = HERE / "golden" / "cdrs.jsonl"
RECORDING = HERE / "data" / "recording.jsonl.gz"


def golden(cdr_id: str) -> dict:
    for line in GOLDEN.read_text().splitlines():
        cdr = json.loads(line, parse_float=Decimal)
        if cdr["id"] == cdr_id:
            return cdr
    raise AssertionError(f"{cdr_id} is not in the golden file")


def energy_samples(charge_point: str, transaction: str) -> dict[str, int]:
    """``HH:MM`` (UTC) -> Wh of the recorded energy register samples of one transaction."""
    serde = AvroSerde()
    out: dict[str, int] = {}
    for record in upgrade(read_recording(RECORDING), serde).records:
        if record.topic != events.TOPIC or record.key != charge_point.encode():
            continue
        event = events.decode(serde, record.value)
        if event.get("transaction_id") != transaction:
            continue
        for sample in event.get("samples") or []:
            if sample["measurand"] == "Energy.Active.Import.Register":
                out[sample["timestamp"].strftime("%H:%M")] = int(sample["value"])
    return out


def test_a_session_across_the_07_00_price_change_on_the_day_clocks_went_forward():
    """2026-03-29 04:03Z-06:55Z: 06:03-08:55 CEST (summer time from 01:00Z), so 07:00 local is 05:00Z.
    Its offline queue delivered the meter values after the stop, all of them belong to the session."""
    samples = energy_samples("R16-ALL-0001", "1214605933")
    assert (samples["04:58"], samples["05:03"], samples["06:55"]) == (10081, 10998, 31529)
    # energy at 05:00Z, linear between 04:58 and 05:03: 10081 + 2/5 x (10998 - 10081) = 10447.8 Wh
    night_kwh, day_kwh = Decimal("10.4478"), Decimal("31.529") - Decimal("10.4478")  # 21.0812
    night_h, day_h = Decimal("0.95"), Decimal("1.9167")  # 57 min; 115 min = 1.91666.. h, shown as 1.9167
    cdr = golden("R16-ALL-0001-1214605933")
    assert [[d["volume"] for d in p["dimensions"] if d["type"] in ("ENERGY", "TIME")]
            for p in cdr["charging_periods"]] == [[night_kwh, night_h], [day_kwh, day_h]]
    energy = night_kwh * Decimal("0.29") + day_kwh * Decimal("0.39")  # 3.029862 + 8.221668 = 11.25153
    time = night_h * Decimal("0.60") + day_h * Decimal("1.20")  # 0.57 + 2.30004 = 2.87004
    assert (energy, time) == (Decimal("11.25153"), Decimal("2.87004"))
    # time 2.8667 h = 10320.12 s, 10320 s to the nearest second: whole minutes already, no step extra
    # excl. VAT: 11.25153 + 2.87004 + 0.35 = 14.47157 -> 14.4716; incl.: x 1.21 = 17.5105997 -> 17.5106
    assert cdr["total_cost"] == {"excl_vat": Decimal("14.4716"), "incl_vat": Decimal("17.5106")}
    assert cdr["total_energy_cost"] == {"excl_vat": Decimal("11.2515"), "incl_vat": Decimal("13.6144")}
    assert cdr["total_time_cost"] == {"excl_vat": Decimal("2.87"), "incl_vat": Decimal("3.4727")}
    assert cdr["total_fixed_cost"] == {"excl_vat": Decimal("0.35"), "incl_vat": Decimal("0.4235")}
    assert cdr["total_energy"] == Decimal("31.529")


def test_a_day_session_with_a_duplicate_stop_and_late_meter_values():
    """2026-03-28 19:15Z-21:29Z: 20:15-22:29 CET, all at the day price."""
    samples = energy_samples("R16-ALL-0001", "187584120")
    assert samples["21:29"] == 24394 and min(samples.values()) == 0
    cdr = golden("R16-ALL-0001-187584120")
    [period] = cdr["charging_periods"]
    volumes = {d["type"]: d["volume"] for d in period["dimensions"]}
    assert (volumes["ENERGY"], volumes["TIME"]) == (Decimal("24.394"), Decimal("2.2333"))  # 134 min
    # energy 24.394 x 0.39 = 9.51366; time 2.2333 h = 8039.88 s, billed in whole steps of 60 s from the
    # nearest second: 8040 s, so 2.2333 x 1.20 = 2.67996 plus 0.12 s x 1.20 / 3600 = 0.00004: 2.68
    # excl.: 9.51366 + 2.68 + 0.35 = 12.54366 -> 12.5437; incl.: 11.5115286 + 3.2428 + 0.4235 = 15.1778286
    assert cdr["total_cost"] == {"excl_vat": Decimal("12.5437"), "incl_vat": Decimal("15.1778")}
    assert cdr["total_time_cost"] == {"excl_vat": Decimal("2.68"), "incl_vat": Decimal("3.2428")}
    assert cdr["total_energy_cost"] == {"excl_vat": Decimal("9.5137"), "incl_vat": Decimal("11.5115")}
